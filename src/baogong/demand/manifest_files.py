"""A hand-off point's manifest as a workbook or a printable page."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Font

from baogong import i18n
from baogong.adapters.excel import append_row
from baogong.demand.queries import ManifestRow
from baogong.i18n import gettext
from baogong.regions.models import HandoffPoint

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def write_xlsx(path: Path, point: HandoffPoint, rows: list[ManifestRow], day: date) -> None:
    """The manifest as one sheet, in walking order."""
    wb = Workbook()
    ws = wb.active
    ws.title = gettext("Manifest")
    append_row(ws, [f"{point.name} {day.isoformat()}"])
    append_row(ws, [gettext(h) for h in ("Building", "Unit", "Room", "Resident", "Phone",
                                    "Vulnerable", "Items", "Order", "Received (signature)")])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in rows:
        append_row(ws, [r.building, r.unit, r.room, r.resident, r.phone,
                   gettext("yes") if r.vulnerable else "", r.items, r.order_id, ""])
    wb.save(path)


def render_html(point: HandoffPoint, rows: list[ManifestRow], day: date) -> str:
    """The manifest as a printable page (no outside resources)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    lang = "zh-CN" if i18n.current_lang() == "zh_CN" else "en"
    return env.get_template("manifest.html").render(point=point, rows=rows, day=day, lang=lang)
