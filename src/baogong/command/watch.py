"""Watch the database for changes made by other processes and announce them as events.

The change marks are cheap figures that move whenever data changes, from any process: the
web app polls them so that writes made outside it (the CLI, Excel imports, another server)
still reach the live dashboards.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from baogong.audit.models import AuditEntry
from baogong.delivery.models import RouteStop, StopStatus
from baogong.demand.models import OrderEvent
from baogong.ledger.models import StockMovement
from baogong.planning.models import Plan
from baogong.regions.models import ZoneDeclaration

log = logging.getLogger("baogong.web")


def change_marks(session: Session) -> tuple[int, ...]:
    """The newest id of each append-only table, and the stops confirmed so far."""
    marks = [session.scalar(select(func.coalesce(func.max(col), 0))) or 0
             for col in (AuditEntry.id, StockMovement.id, Plan.id, ZoneDeclaration.id,
                         OrderEvent.id)]
    marks.append(session.scalar(select(func.count()).select_from(RouteStop)
                                .where(RouteStop.status != StopStatus.PLANNED)) or 0)
    return tuple(int(m) for m in marks)


async def _watch(app: FastAPI, every_s: float) -> None:
    factory = app.state.factory
    bus = app.state.bus

    def read() -> tuple[int, ...]:
        with factory() as session:
            return change_marks(session)

    last: tuple[int, ...] | None = None
    while True:
        try:
            if bus.listeners:
                marks = await run_in_threadpool(read)
                if last is not None and marks != last:
                    bus.publish("data")
                last = marks
        except Exception:  # a database hiccup must not end the watch
            log.exception("change watch failed")
        await asyncio.sleep(every_s)


def lifespan(every_s: float = 3.0) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """An app lifespan that polls the change marks while anyone listens to /events."""

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_watch(app, every_s))
        try:
            yield
        finally:
            task.cancel()

    return run
