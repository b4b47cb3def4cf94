"""API of the command centre: the dashboard's data, the live event stream (server-sent
events), running the day's plan as a background job, and the open alerts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from baogong.audit.models import Source
from baogong.auth.deps import Principal, SignedIn, require
from baogong.auth.models import Role
from baogong.command.dashboard import cached
from baogong.delivery.queries import latest_run, run_figures
from baogong.i18n import N_, current_lang, gettext
from baogong.operations import day as day_runner
from baogong.planning import queries
from baogong.types import Progress, utcnow
from baogong.web.deps import DbSession, Factory
from baogong.web.errors import ApiError
from baogong.web.pagination import Page, Paging
from baogong.web.schemas import Day as ApiDay
from baogong.web.schemas import PlanDay as Day

router = APIRouter()


@router.get("/dashboard", response_model=dict[str, Any], tags=["dashboard"])
def dashboard(request: Request, db: DbSession,
              _p: Annotated[Principal, require(Role.COMMAND, Role.INSPECTOR)],
              day: Annotated[ApiDay | None, Query()] = None) -> dict[str, Any]:
    """KPIs, map layers (compounds, sites, hand-off points, routes), charts and alerts."""
    return cached(db, version=request.app.state.bus.version, day=day, lang=current_lang())


@router.get("/events", response_class=StreamingResponse, tags=["dashboard"],
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "Server-sent events: stock, plan, stop, zone, "
                                            "duty, shift, order, data, job"}})
async def events(request: Request, principal: SignedIn) -> StreamingResponse:
    """Live changes as server-sent events (stock, plan, stop, zone, duty, shift, order, data,
    job progress), each only to those whose scope holds the record it concerns."""
    return StreamingResponse(request.app.state.bus.stream(principal.scope),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


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


@router.post("/plans", response_model=JobOut, status_code=202, tags=["planning"],
             responses={409: {"description": "A plan is already running"}})
def run_plan(body: PlanRunIn, request: Request, factory: Factory,
             principal: Annotated[Principal, require(Role.COMMAND)]) -> JobOut:
    """Start the day's plan and routes in the background; follow it at /jobs/{id}."""
    runner = request.app.state.jobs
    if runner.running("plan"):
        raise ApiError(409, N_("A plan is already running"))
    day = body.day or utcnow().date()
    source = principal.actor(request).source
    job = runner.start("plan", principal.username,
                       lambda progress: plan_job(factory, day=day, by=principal.username,
                                                 source=source, progress=progress),
                       current_lang())
    return JobOut(**job.as_json())


@router.get("/jobs/{job_id}", response_model=JobOut, tags=["planning"])
def get_job(job_id: Annotated[str, Path(max_length=40)], request: Request,
            _p: Annotated[Principal, require(Role.COMMAND)]) -> JobOut:
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


@router.get("/alerts", response_model=Page[AlertOut], tags=["planning"])
def list_alerts(db: DbSession, paging: Paging,
                _p: Annotated[Principal, require(Role.COMMAND, Role.INSPECTOR)],
                day: Day = None) -> Page[AlertOut]:
    """Open alerts of the newest plan (of a day): unserved vulnerable households, short
    products, load no vehicle could take."""
    rows = alert_rows(db, day=day)
    return Page[AlertOut](items=paging.cut(rows), total=len(rows), limit=paging.limit,
                          offset=paging.offset)


def alert_rows(db: Session, *, day: date | None = None) -> list[AlertOut]:
    """The alerts of the newest plan, translated."""
    plan = queries.latest(db, day=day)
    run = latest_run(db, day=plan.day) if plan else None
    unrouted = run_figures(db, run_id=run.id, with_lines=False).unrouted_kg if run else 0.0
    return [AlertOut(code=a.code, severity=a.severity,
                     message=gettext(a.message).format(**a.params))
            for a in queries.alerts(db, plan=plan, unrouted_kg=unrouted)]


def plan_job(factory: sessionmaker[Session], *, day: date, by: str, source: Source,
             progress: Progress) -> dict[str, Any]:
    """The plan page's job: plan and route the day (each audited); returns the figures."""
    ran = day_runner.run_day(factory, day=day, by=by, until=day_runner.Step.ROUTE,
                             source=source, ref="plan job", progress=progress)
    return {"plan_id": ran.plan_id, "run_id": ran.run_id, "day": day.isoformat(),
            **ran.allocation, **ran.routing}
