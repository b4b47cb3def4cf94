"""One service day, its steps in order: plan (snapshot, solve, store), route, the last 100 m.

This is the one place that knows the order of the day. The demo, the plan page's job and
the `plan` and `dispatch` commands all run a day (or its first steps) through `run_day`.
Each step is one domain's flow and owns its transactions: a failure leaves what the earlier
steps committed in place, and nothing here commits on a step's behalf.

  plan       planning.flows.plan_day: read the snapshot (one read session), solve outside
             any transaction, store the plan and allocate the day's orders (one unit of work)
  route      delivery.flows.route_plan: read the routing problems (one read session), solve
             each site, store the routes and dispatch the orders (one unit of work)
  last 100 m delivery.lastmile.handoff_loads: hands needed at each hand-off point (read only)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from baogong.audit.models import Source
from baogong.config import Settings, get_settings
from baogong.delivery.flows import route_plan
from baogong.delivery.lastmile import HandoffLoad, handoff_loads
from baogong.i18n import N_
from baogong.planning.flows import plan_day
from baogong.types import Progress, no_progress


class Step(IntEnum):
    """The day's steps in order; `run_day(until=...)` stops after one of them."""

    PLAN = 1
    ROUTE = 2
    LAST_MILE = 3


@dataclass
class DayRun:
    """What a day's run stored and measured: the plan, the routing run, their figures."""

    day: date
    plan_id: int
    run_id: int | None = None
    allocation: dict[str, Any] = field(default_factory=dict)
    routing: dict[str, Any] = field(default_factory=dict)
    lastmile: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per step run: 'allocation', 'routing', 'lastmile'."""


def run_day(factory: sessionmaker[Session], *, day: date, by: str, until: Step = Step.LAST_MILE,
            plan_id: int | None = None, rules: Settings | None = None,
            source: Source = Source.SYSTEM, ref: str = "",
            progress: Progress = no_progress) -> DayRun:
    """Run the day's steps up to `until`; with `plan_id`, route that stored plan instead of
    planning anew. `by` is who the plan and routes are audited as made by, through `source`
    (`ref` names the command or job)."""
    rules = rules or get_settings()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name], clock = now - clock, now

    allocation: dict[str, Any] = {}
    if plan_id is None:
        progress(N_("Allocating supply to compounds"), 1)
        planned = plan_day(factory, day=day, by=by, source=source, ref=ref)
        progress("", 1)
        plan_id, allocation = planned.plan_id, planned.figures
        lap("allocation")
    out = DayRun(day, plan_id, allocation=allocation, timings=timings)
    if until >= Step.ROUTE:
        routed = route_plan(factory, plan_id=plan_id, day=day, rules=rules, step=progress,
                            by=by, source=source, ref=ref)
        out.run_id, out.routing = routed.run_id, routed.figures
        lap("routing")
    if until >= Step.LAST_MILE:
        with factory() as session:
            loads = handoff_loads(session, plan_id=plan_id, day=day, rules=rules)
        out.lastmile = last_mile_figures(loads)
        lap("lastmile")
    return out


def last_mile_figures(loads: list[HandoffLoad]) -> dict[str, Any]:
    """Hand-off points served and the volunteer-hours needed, on duty and short."""
    return {
        "handoff_points": len(loads),
        "volunteer_hours_needed": round(sum(x.volunteer_hours_needed for x in loads), 1),
        "volunteer_hours_available": round(sum(x.volunteer_hours_on_duty for x in loads), 1),
        "volunteer_hours_short": round(sum(x.short_hours for x in loads), 1),
    }
