"""An in-process event bus for server-sent events: writes publish, dashboards listen.

Publishers may run in worker threads (sync endpoints, the planning job); each subscriber is
an asyncio queue on the server's loop, fed with call_soon_threadsafe.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

QUEUE_SIZE = 100


@dataclass
class EventBus:
    """Fan-out of small JSON events to every open SSE stream."""

    keepalive_s: float = 15.0
    version: int = 0
    """Bumped by every event that changes data (not by job progress); caches key on it."""
    _subs: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[str]]] = field(
        default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, kind: str, **data: Any) -> None:
        """Send an event (e.g. 'stock', 'plan', 'order', 'stop') to every listener."""
        if kind != "job":
            self.version += 1
        message = f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"
        with self._lock:
            subs = list(self._subs)
        for loop, queue in subs:
            try:
                loop.call_soon_threadsafe(_offer, queue, message)
            except RuntimeError:  # the loop is closed
                with self._lock:
                    self._subs.discard((loop, queue))

    @property
    def listeners(self) -> int:
        """Open streams."""
        return len(self._subs)

    async def stream(self, max_events: int | None = None) -> AsyncIterator[str]:
        """The SSE text of events as they come, with keep-alive comments in between."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)
        entry = (loop, queue)
        with self._lock:
            self._subs.add(entry)
        sent = 0
        try:
            yield "retry: 3000\n: connected\n\n"
            while max_events is None or sent < max_events:
                try:
                    message = await asyncio.wait_for(queue.get(), self.keepalive_s)
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
