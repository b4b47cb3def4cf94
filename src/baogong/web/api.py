"""API: the dashboard's data and the live event stream (server-sent events)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from baogong.auth.models import Role
from baogong.i18n import current_lang
from baogong.web.dashboard import cached
from baogong.web.deps import DbSession, SignedIn, require
from baogong.web.schemas import Day

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", response_model=dict[str, Any])
def dashboard(request: Request, db: DbSession,
              _p: Annotated[Any, require(Role.COMMAND, Role.INSPECTOR)],
              day: Annotated[Day | None, Query()] = None) -> dict[str, Any]:
    """KPIs, map layers (compounds, sites, hand-off points, routes), charts and alerts."""
    return cached(db, version=request.app.state.bus.version, day=day, lang=current_lang())


@router.get("/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "Server-sent events: stock, plan, stop, zone, "
                                            "duty, shift, order, data, job"}})
async def events(request: Request, principal: SignedIn) -> StreamingResponse:
    """Live changes as server-sent events (stock, plan, stop, zone, duty, shift, order, data,
    job progress), each only to those whose scope holds the record it concerns."""
    return StreamingResponse(request.app.state.bus.stream(principal.scope),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
