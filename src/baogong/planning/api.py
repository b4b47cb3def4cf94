"""API: the latest plan and its flows (pick lists)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from baogong.auth.deps import Principal, require
from baogong.i18n import N_
from baogong.planning import queries
from baogong.web.deps import DbSession
from baogong.web.errors import ApiError
from baogong.web.pagination import Page, Paging
from baogong.web.schemas import PlanDay as Day

router = APIRouter(tags=["planning"])
FLOW_READERS = queries.FLOW_READERS


class PlanOut(BaseModel):
    """A stored plan and its figures."""

    id: int
    day: date
    created_by: str
    summary: dict[str, Any]


@router.get("/plans/latest", response_model=PlanOut,
            responses={404: {"description": "No plan yet"}})
def latest_plan(db: DbSession, _p: Annotated[Principal, require(*FLOW_READERS)],
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
               principal: Annotated[Principal, require(*FLOW_READERS)],
               site: Annotated[str | None, Query(max_length=40)] = None,
               region: Annotated[str | None, Query(max_length=40)] = None) -> Page[FlowOut]:
    """Flows of a plan in scope (pick lists); filter by site and region."""
    queries.get_plan(db, plan_id=plan_id)
    rows, total = queries.flows_page(db, scope=principal.scope, plan_id=plan_id, site=site,
                                     region=region, limit=paging.limit, offset=paging.offset)
    return Page[FlowOut](items=[FlowOut(**r.__dict__) for r in rows], total=total,
                         limit=paging.limit, offset=paging.offset)

