"""A short-lived cache of resolved API bearer tokens, so a busy client (a delivery platform
sending hundreds of orders a second) does not cost two or three queries per request.

Only bearer tokens are cached; browser sessions are looked up every time. An entry lives at
most `ttl_s` seconds and never past the token's own expiry; a revocation made through this
server drops the entries it concerns at once (`forget`, `forget_where`).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class TokenCache(Generic[T]):
    """Values by secret for a few seconds; thread-safe, bounded."""

    def __init__(self, ttl_s: float = 10.0, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[str, tuple[float, T]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    def get(self, secret: str) -> T | None:
        """The cached value of this secret, if still fresh."""
        key = self._key(secret)
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            if hit[0] <= self.clock():
                del self._entries[key]
                return None
            return hit[1]

    def put(self, secret: str, value: T, valid_s: float) -> None:
        """Keep a value for min(ttl, valid_s) seconds."""
        life = min(self.ttl_s, valid_s)
        if life <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[self._key(secret)] = (self.clock() + life, value)

    def forget(self, secret: str) -> None:
        """Drop the entry of this secret (its token was revoked)."""
        with self._lock:
            self._entries.pop(self._key(secret), None)

    def forget_where(self, test: Callable[[T], bool]) -> None:
        """Drop every entry whose value passes the test (e.g. all of one user's tokens)."""
        with self._lock:
            for key in [k for k, (_t, v) in self._entries.items() if test(v)]:
                del self._entries[key]

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
