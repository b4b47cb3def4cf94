"""Pages: the command dashboard and the plan page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from baogong.auth.deps import Principal, require
from baogong.auth.models import Role
from baogong.i18n import N_, current_lang, gettext
from baogong.types import CHINA_TZ, utcnow
from baogong.web.pages import render

router = APIRouter(include_in_schema=False)

KPIS = (("sealed_households", N_("Sealed households")),
        ("packs_planned", N_("Packs planned / demanded")),
        ("packs_delivered", N_("Packs delivered")),
        ("fill_rate", N_("Fill rate")),
        ("vehicles_out", N_("Vehicles out")),
        ("volunteers_on_duty", N_("Volunteers on duty")),
        ("open_alerts", N_("Open alerts")))

PLAN_FIGURES = (("plan_id", N_("Plan")), ("packs_allocated", N_("Packs allocated")),
                ("unmet_packs", N_("Packs not covered")),
                ("priority_unmet_packs", N_("Packs for vulnerable households not covered")),
                ("sites_limited_by_vehicles", N_("Sites limited by their own vehicles")),
                ("vehicles_used", N_("Vehicles used")), ("trips", N_("Trips")),
                ("stops_routed", N_("Stops routed")), ("route_km", N_("Route km")),
                ("unrouted_kg", N_("Kg not routed")), ("allocation_s", N_("Allocation seconds")),
                ("routing_s", N_("Routing seconds")))


def _config(request: Request) -> dict[str, Any]:
    return {
        "data_url": "/api/v1/dashboard", "events_url": "/api/v1/events",
        "geojson": "/static/geo/440111.geojson", "tile_url": request.app.state.tile_url,
        "locale": "zh-CN" if current_lang() == "zh_CN" else "en",
        "labels": {"sealed": gettext("sealed"), "controlled": gettext("controlled"),
                   "precaution": gettext("precaution"), "normal": gettext("normal"),
                   "households": gettext("households"), "need": gettext("Need"),
                   "stock": gettext("Stock"), "plan": gettext("Plan {id} of {day}, by {by}"),
                   "noplan": gettext("No plan yet"),
                   "noalerts": gettext("No open alerts"), "done": gettext("Done"),
                   "tiers": {"local": gettext("local"), "nearby": gettext("nearby"),
                             "citywide": gettext("city-wide")}},
        "figures": [[k, gettext(v)] for k, v in PLAN_FIGURES],
    }


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request,
              principal: Annotated[Principal, require(Role.COMMAND, Role.INSPECTOR)]
              ) -> HTMLResponse:
    """The command dashboard: KPI tiles, the map, charts and alerts, updated live."""
    return render(request, "dashboard.html", principal,
                  kpis=[(k, gettext(v)) for k, v in KPIS], config=_config(request))


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request,
              principal: Annotated[Principal, require(Role.COMMAND)]) -> HTMLResponse:
    """Run the day's plan and routes with progress, and see the result on the map."""
    return render(request, "plan.html", principal, config=_config(request),
                  today=utcnow().astimezone(CHINA_TZ).date().isoformat())
