"""Watch the database for changes made by other processes and announce them as events."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from baogong.audit.marks import change_marks

log = logging.getLogger("baogong.web")


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
