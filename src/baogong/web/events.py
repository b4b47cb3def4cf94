"""An in-process event bus for server-sent events: writes publish, dashboards listen.

Publishers may run in worker threads (sync endpoints, the planning job); each subscriber is
an asyncio queue on the server's loop, fed with call_soon_threadsafe. Every event carries the
audience of the records it concerns and reaches only the subscribers whose scope it reaches;
an event without one goes to the bus's `unaddressed` audience. What a scope and an audience
are is the auth domain's business (auth.scope); the bus only asks `audience.reaches(scope)`.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

QUEUE_SIZE = 100
_Sub = tuple[asyncio.AbstractEventLoop, "asyncio.Queue[str]", Any]


class Audience(Protocol):
    """Who may receive an event, asked once per subscriber with the subscriber's scope."""

    def reaches(self, scope: Any, /) -> bool:
        """Whether a subscriber of this scope may see the event."""
        ...


@dataclass
class EventBus:
    """Fan-out of small JSON events to every open SSE stream."""

    unaddressed: Audience
    """Who receives an event published without an audience (the command centre's staff)."""
    keepalive_s: float = 15.0
    max_age_s: float = 300.0
    """A stream ends after this long and the browser reconnects (EventSource does by itself),
    signing in again: a revoked or expired token keeps no stream open for longer."""
    version: int = 0
    """Bumped by every event that changes data (not by job progress); caches key on it."""
    _subs: set[_Sub] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, kind: str, audience: Audience | None = None, **data: Any) -> None:
        """Send an event (e.g. 'stock', 'plan', 'order', 'stop') to every listener it reaches
        (without an audience: the `unaddressed` one)."""
        if kind != "job":
            self.version += 1
        message = f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"
        to = audience or self.unaddressed
        with self._lock:
            subs = [sub for sub in self._subs if to.reaches(sub[2])]
        for sub in subs:
            try:
                sub[0].call_soon_threadsafe(_offer, sub[1], message)
            except RuntimeError:  # the loop is closed
                with self._lock:
                    self._subs.discard(sub)

    @property
    def listeners(self) -> int:
        """Open streams."""
        return len(self._subs)

    async def stream(self, scope: Any, max_events: int | None = None) -> AsyncIterator[str]:
        """The SSE text of the events this scope may see as they come, with keep-alive
        comments in between."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)
        entry = (loop, queue, scope)
        with self._lock:
            self._subs.add(entry)
        sent = 0
        end = time.monotonic() + self.max_age_s
        try:
            yield "retry: 3000\n: connected\n\n"
            while (max_events is None or sent < max_events) and (
                    left := end - time.monotonic()) > 0:
                try:
                    message = await asyncio.wait_for(queue.get(), min(self.keepalive_s, left))
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                sent += 1
                yield message
        finally:
            with self._lock:
                self._subs.discard(entry)


def _offer(queue: asyncio.Queue[str], message: str) -> None:
    if queue.full():  # a slow listener loses the oldest event, never blocks the publisher
        queue.get_nowait()
    queue.put_nowait(message)
