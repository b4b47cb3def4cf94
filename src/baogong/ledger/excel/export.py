"""Write the ledger template, and every ledger with the template's headers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from baogong.adapters.excel import append_row
from baogong.delivery.models import Vehicle
from baogong.i18n import N_, gettext
from baogong.ledger.excel import cells
from baogong.ledger.excel.spec import (
    AVAILABILITY,
    CATEGORIES,
    ENTERPRISE_KINDS,
    EXAMPLE_MARK,
    QUALIFICATIONS,
    SHEETS,
    SITE_KINDS,
    UNITS,
    Sheet,
    label_of,
)
from baogong.ledger.models import (
    Enterprise,
    Product,
    ProductCategory,
    Site,
    StockBalance,
)
from baogong.regions.models import Region, RegionLevel
from baogong.types import china_today
from baogong.workforce.models import Team, Volunteer

HEADER_FONT = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
EXAMPLE_FONT = Font(italic=True, color="808080")


def _sheet(wb: Workbook, spec: Sheet, rows: Iterable[dict[str, Any]]) -> Worksheet:
    ws = wb.create_sheet(spec.name)
    append_row(ws, [c.header for c in spec.columns])
    for i, col in enumerate(spec.columns, start=1):
        cell = ws.cell(1, i)
        cell.font = HEADER_FONT
        if col.required:
            cell.fill = REQUIRED_FILL
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(col.header) * 2 + 4)
        if col.choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"',
                                allow_blank=not col.required)
            dv.error = gettext("Choose one of the listed values.")
            dv.add(f"{get_column_letter(i)}2:{get_column_letter(i)}1048576")
            ws.add_data_validation(dv)
    for row in rows:
        append_row(ws, [row.get(c.key) for c in spec.columns])
    ws.freeze_panes = "A2"
    return ws


def _notes(wb: Workbook) -> None:
    ws = wb.create_sheet("说明")
    append_row(ws, [gettext("Sheet"), gettext("Column"), gettext("Required"), gettext("Notes"),
               gettext("Values")])
    for cell in ws[1]:
        cell.font = HEADER_FONT
    append_row(ws, ["", "", "", gettext(N_("Row 2 of each sheet is an example: its codes start "
                                      "with {mark} and it is never imported. Overwrite it or "
                                      "delete it.")).format(mark=EXAMPLE_MARK), ""])
    for spec in SHEETS:
        append_row(ws, [spec.name, "", "", gettext(spec.note) if spec.note else "", ""])
        for col in spec.columns:
            append_row(ws, [spec.name, col.header, gettext("yes") if col.required else "",
                       gettext(col.note) if col.note else "", "、".join(col.choices)])
    for letter, width in zip("ABCDE", (10, 22, 8, 70, 40), strict=True):
        ws.column_dimensions[letter].width = width


def _example(spec: Sheet) -> dict[str, Any]:
    """The example row of a sheet: every code marked 示例-, so that it matches no real record
    and the importer skips the row."""
    return {c.key: f"{EXAMPLE_MARK}{c.example}" if c.parse in (cells.code, cells.credit)
            else c.example for c in spec.columns if c.example is not None}


def write_template(path: Path) -> None:
    """The empty ledger workbook: every sheet with headers, one marked example row (never
    imported), drop-downs, notes."""
    wb = Workbook()
    wb.remove(wb.active)
    for spec in SHEETS:
        ws = _sheet(wb, spec, [_example(spec)])
        for cell in ws[2]:
            cell.font = EXAMPLE_FONT
    _notes(wb)
    wb.save(path)


def export_ledger(session: Session, path: Path, *, counted_on: date | None = None) -> dict[str,
                                                                                        int]:
    """Every ledger in the template's layout; stock as a count of today. Returns row counts."""
    day = counted_on or china_today()
    wb = Workbook()
    wb.remove(wb.active)
    data = _rows(session, day)
    for spec in SHEETS:
        _sheet(wb, spec, data[spec.name])
    _notes(wb)
    wb.save(path)
    return {k: len(v) for k, v in data.items()}


def _rows(session: Session, day: date) -> dict[str, list[dict[str, Any]]]:
    ents = {e.id: e for e in session.scalars(select(Enterprise).order_by(Enterprise.credit_code))}
    regions = {r.id: r for r in session.scalars(select(Region))}
    cats = {c.id: c.code for c in session.scalars(select(ProductCategory))}
    sites = {s.id: s for s in session.scalars(select(Site).order_by(Site.code))}
    products = {p.id: p for p in session.scalars(select(Product).order_by(Product.code))}
    teams = {t.id: t for t in session.scalars(select(Team))}
    out: dict[str, list[dict[str, Any]]] = {s.name: [] for s in SHEETS}
    for e in ents.values():
        out["企业"].append({
            "name": e.name, "credit_code": e.credit_code,
            "kind": label_of(ENTERPRISE_KINDS, e.kind.value), "key_supply": _yn(e.key_supply),
            "contact_name": e.contact_name, "phone": e.phone, "address": e.address,
            "qualification": label_of(QUALIFICATIONS, e.qualification.value)})
    for s in sites.values():
        out["站点"].append({
            "code": s.code, "name": s.name, "credit_code": ents[s.enterprise_id].credit_code,
            "kind": label_of(SITE_KINDS, s.kind.value), "lon": s.lon, "lat": s.lat,
            "capacity_kg": float(s.capacity_kg),
            "region_code": regions[s.region_id].code if s.region_id else None,
            "address": s.address, "is_open": _yn(s.is_open)})
    for p in products.values():
        out["商品"].append({
            "code": p.code, "name": p.name, "category": label_of(CATEGORIES, cats[p.category_id]),
            "unit": label_of(UNITS, p.unit.value), "kg_per_unit": float(p.kg_per_unit),
            "cold_chain": _yn(p.cold_chain), "shelf_life_days": p.shelf_life_days,
            "units_per_case": p.units_per_case})
    for b in session.scalars(select(StockBalance)):
        out["库存"].append({"site": sites[b.site_id].code, "product": products[b.product_id].code,
                          "quantity": float(b.quantity), "unit": None,
                          "counted_on": day.isoformat()})
    out["库存"].sort(key=lambda r: (r["site"], r["product"]))
    for r in sorted(regions.values(), key=lambda r: r.code):
        parent = regions.get(r.parent_id) if r.parent_id else None
        if r.level is RegionLevel.COMMUNITY and parent is not None:
            out["社区"].append({"code": r.code, "name": r.name, "parent": parent.code,
                              "lon": r.lon, "lat": r.lat})
        elif r.level is RegionLevel.COMPOUND and parent is not None:
            out["小区"].append({
                "code": r.code, "name": r.name, "parent": parent.code,
                "households": r.households, "population": r.population,
                "elderly_alone": r.elderly_alone, "seriously_ill": r.seriously_ill,
                "disabled": r.disabled, "hardship": r.hardship,
                "infants_pregnant": r.infants_pregnant, "buildings": r.buildings,
                "lon": r.lon, "lat": r.lat})
    for v in session.scalars(select(Vehicle).order_by(Vehicle.plate)):
        out["车辆"].append({
            "plate": v.plate, "kind": v.kind, "capacity_kg": float(v.capacity_kg),
            "cold_chain": _yn(v.cold_chain), "pass_permit": v.pass_permit,
            "permit_valid_to": v.permit_valid_to.isoformat() if v.permit_valid_to else None,
            "home_site": sites[v.home_site_id].code if v.home_site_id else None,
            "driver_name": v.driver_name, "driver_phone": v.driver_phone or None})
    for vol in session.scalars(select(Volunteer).order_by(Volunteer.code)):
        team = teams.get(vol.team_id) if vol.team_id else None
        region = regions.get(team.region_id) if team and team.region_id else None
        out["志愿者"].append({
            "code": vol.code, "name": vol.name, "phone": vol.phone,
            "team_code": team.code if team else None, "team_name": team.name if team else None,
            "region": region.code if region else None,
            "availability": label_of(AVAILABILITY, vol.availability.value),
            "hours_per_day": float(vol.hours_per_day)})
    return out


def _yn(value: bool) -> str:
    return "是" if value else "否"
