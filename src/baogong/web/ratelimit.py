"""A small in-memory rate limiter (sliding window), for sign-in attempts."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class RateLimiter:
    """At most `limit` attempts per key within `window_s` seconds."""

    limit: int = 5
    window_s: float = 60.0
    _hits: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hit(self, key: str, now: float | None = None, factor: int = 1) -> float:
        """Count an attempt (allowing `factor` times the limit); returns 0 if allowed, else the
        seconds to wait."""
        t = time.monotonic() if now is None else now
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and q[0] <= t - self.window_s:
                q.popleft()
            if len(q) >= self.limit * factor:
                return max(0.1, q[0] + self.window_s - t)
            q.append(t)
            if len(self._hits) > 10_000:  # forget idle keys
                for k in [k for k, v in self._hits.items() if not v]:
                    del self._hits[k]
            return 0.0

    def wait(self, key: str, now: float | None = None, factor: int = 1) -> float:
        """The seconds to wait before the next attempt under this key (0: allowed now),
        without counting one."""
        t = time.monotonic() if now is None else now
        with self._lock:
            q = self._hits.get(key)
            while q and q[0] <= t - self.window_s:
                q.popleft()
            if q is None or len(q) < self.limit * factor:
                return 0.0
            return max(0.1, q[0] + self.window_s - t)

    def reset(self, key: str) -> None:
        """Forget a key's attempts (after a successful sign-in)."""
        with self._lock:
            self._hits.pop(key, None)
