"""Printable run sheets (HTML, no outside resources): one page per route."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from baogong import i18n
from baogong.delivery.models import Route, Vehicle
from baogong.delivery.pod import routes_of_run
from baogong.ledger.models import Site
from baogong.regions.models import HandoffPoint, Region
from baogong.workforce.models import Team, Volunteer

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass
class SheetStop:
    seq: int
    trip: int
    arrival: str
    handoff: str
    compound: str
    load_kg: float
    cold: bool
    contact: str
    id: int


@dataclass
class Sheet:
    vehicle: str
    driver: str
    driver_phone: str
    site_name: str
    start: str
    end: str
    trips: int
    km: float
    load_kg: float
    stops: list[SheetStop] = field(default_factory=list)


def sheets(session: Session, *, run_id: int, site_code: str | None = None) -> list[Sheet]:
    """The run sheets of a routing run (one site's, if given)."""
    site_id = None
    if site_code:
        from baogong.ledger.service import get_site

        site_id = get_site(session, code=site_code).id
    routes: list[Route] = routes_of_run(session, run_id=run_id, site_id=site_id)
    handoffs = {h.id: h for h in session.scalars(select(HandoffPoint))}
    regions = {r.id: r for r in session.scalars(select(Region).where(
        Region.id.in_({h.compound_id for h in handoffs.values()})))}
    contacts: dict[int, str] = {}
    for team_region, name, phone in session.execute(
            select(Team.region_id, Volunteer.name, Volunteer.phone)
            .join(Volunteer, Volunteer.team_id == Team.id).order_by(Volunteer.code)):
        if team_region is not None:
            contacts.setdefault(team_region, f"{name} {phone}")
    out = []
    for r in routes:
        vehicle = session.get(Vehicle, r.vehicle_id) if r.vehicle_id else None
        site = session.get(Site, r.site_id)
        sheet = Sheet(r.vehicle_label, vehicle.driver_name if vehicle else "",
                      vehicle.driver_phone if vehicle else "", site.name if site else "",
                      r.start, r.end, r.trips, r.distance_m / 1000,
                      float(sum(s.load_kg for s in r.stops)))
        for s in r.stops:
            h = handoffs[s.handoff_id]
            compound = regions[h.compound_id]
            sheet.stops.append(SheetStop(
                s.seq, s.trip, s.arrival, h.name, compound.name, float(s.load_kg), s.cold,
                contacts.get(compound.parent_id or 0, ""), s.id))
        out.append(sheet)
    return out


def render(sheet_list: list[Sheet], *, day: date) -> str:
    """The run sheets as one printable HTML page, in the current language."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(),
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    lang = "zh-CN" if i18n.current_lang() == "zh_CN" else "en"
    return env.get_template("runsheet.html").render(routes=sheet_list, day=day, lang=lang)
