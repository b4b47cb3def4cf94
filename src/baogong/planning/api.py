"""API: the latest plan, its flows (pick lists), running the day's plan, and alerts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from baogong.auth.models import Role
from baogong.delivery.queries import latest_run, run_figures
from baogong.i18n import N_, current_lang, gettext
from baogong.planning import queries
from baogong.types import utcnow
from baogong.web.deps import DbSession, Factory, SignedIn, require
from baogong.web.errors import ApiError
from baogong.web.pagination import Page, Paging
from baogong.web.plan_job import plan_and_route
from baogong.web.schemas import Day as ApiDay

router = APIRouter(tags=["planning"])
Day = Annotated[ApiDay | None, Query(description="Day of the plan; default the newest")]
FLOW_READERS = queries.FLOW_READERS


class PlanOut(BaseModel):
    """A stored plan and its figures."""

    id: int
    day: date
    created_by: str
    summary: dict[str, Any]


@router.get("/plans/latest", response_model=PlanOut,
            responses={404: {"description": "No plan yet"}})
def latest_plan(db: DbSession, _p: Annotated[Any, require(*FLOW_READERS)],
                day: Day = None) -> PlanOut:
    """The newest plan (of a day)."""
    plan = queries.latest(db, day=day)
    if plan is None:
        raise ApiError(404, N_("No plan yet"))
    return PlanOut(id=plan.id, day=plan.day, created_by=plan.created_by,
                   summary=plan.summary or {})


class FlowOut(BaseModel):
    """Units of a product a site sends to a compound."""

    site: str
    site_name: str
    compound: str
    compound_name: str
    product: str
    product_name: str
    quantity: int
    priority_quantity: int
    km: float
    tier: str


@router.get("/plans/{plan_id}/flows", response_model=Page[FlowOut])
def plan_flows(plan_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: DbSession, paging: Paging,
               principal: Annotated[Any, require(*FLOW_READERS)],
               site: Annotated[str | None, Query(max_length=40)] = None,
               region: Annotated[str | None, Query(max_length=40)] = None) -> Page[FlowOut]:
    """Flows of a plan in scope (pick lists); filter by site and region."""
    queries.get_plan(db, plan_id=plan_id)
    rows, total = queries.flows_page(db, scope=principal.scope, plan_id=plan_id, site=site,
                                     region=region, limit=paging.limit, offset=paging.offset)
    return Page[FlowOut](items=[FlowOut(**r.__dict__) for r in rows], total=total,
                         limit=paging.limit, offset=paging.offset)


class PlanRunIn(BaseModel):
    """Which day to plan."""

    day: ApiDay | None = Field(default=None, description="Default today")


class JobOut(BaseModel):
    """A background job and its progress."""

    id: str
    kind: str
    by: str
    state: str
    step: str
    done: int
    total: int
    result: dict[str, Any]
    error: str | None
    started_at: str


@router.post("/plans", response_model=JobOut, status_code=202,
             responses={409: {"description": "A plan is already running"}})
def run_plan(body: PlanRunIn, request: Request, factory: Factory,
             principal: Annotated[Any, require(Role.COMMAND)]) -> JobOut:
    """Start the day's plan and routes in the background; follow it at /jobs/{id}."""
    runner = request.app.state.jobs
    if runner.running("plan"):
        raise ApiError(409, N_("A plan is already running"))
    day = body.day or utcnow().date()
    source = principal.actor(request).source
    job = runner.start("plan", principal.username,
                       lambda progress: plan_and_route(factory, day=day, by=principal.username,
                                                       source=source, progress=progress),
                       current_lang())
    return JobOut(**job.as_json())


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(job_id: Annotated[str, Path(max_length=40)], request: Request,
            _p: Annotated[Any, require(Role.COMMAND)]) -> JobOut:
    """A background job's progress and result."""
    job = request.app.state.jobs.get(job_id)
    if job is None:
        raise ApiError(404, N_("Unknown job"))
    return JobOut(**job.as_json())


class AlertOut(BaseModel):
    """An open alert."""

    code: str
    severity: str
    message: str


@router.get("/alerts", response_model=Page[AlertOut])
def list_alerts(db: DbSession, paging: Paging,
                _p: Annotated[Any, require(Role.COMMAND, Role.INSPECTOR)],
                day: Day = None) -> Page[AlertOut]:
    """Open alerts of the newest plan (of a day): unserved vulnerable households, short
    products, load no vehicle could take."""
    rows = alert_rows(db, day=day)
    return Page[AlertOut](items=paging.cut(rows), total=len(rows), limit=paging.limit,
                          offset=paging.offset)


def alert_rows(db: Any, *, day: date | None = None) -> list[AlertOut]:
    """The alerts of the newest plan, translated."""
    plan = queries.latest(db, day=day)
    run = latest_run(db, day=plan.day) if plan else None
    unrouted = run_figures(db, run_id=run.id, with_lines=False).unrouted_kg if run else 0.0
    return [AlertOut(code=a.code, severity=a.severity,
                     message=gettext(a.message).format(**a.params))
            for a in queries.alerts(db, plan=plan, unrouted_kg=unrouted)]


_ = SignedIn
