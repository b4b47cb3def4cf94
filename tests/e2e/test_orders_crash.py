"""Crash test: the server is killed (SIGKILL) in the middle of an order load and restarted;
every order whose creation was acknowledged is there exactly once, and retries are safe."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid

import pytest

from baogong.loadtest import orders as load
from tests.conftest import BACKENDS

N = 300


@pytest.mark.slow
@pytest.mark.skipif("postgresql" not in BACKENDS, reason="PostgreSQL not among the backends")
def test_acknowledged_orders_survive_a_kill_exactly_once(pg_admin_url: str) -> None:
    """Kill the server after 60 acknowledged orders; after a restart, resending every key
    returns the acknowledged orders unchanged and stores each key's order once."""
    name = f"baogong_crash_{uuid.uuid4().hex[:8]}"
    url = load.create_database(pg_admin_url, name)
    try:
        load.prepare(url)
        server = load.Server(url, workers=1).start()
        try:
            token = load.token(server.base)
            keys = [f"crash-{i}" for i in range(N)]
            before = load.LoadResult()
            loader = threading.Thread(target=lambda: asyncio.run(load.run_load(
                server.base, token, N, 0.0, 8, keys=keys, timeout_s=5, result=before)))
            loader.start()
            deadline = time.monotonic() + 120
            while len(before.acked) < 60 and time.monotonic() < deadline:
                time.sleep(0.05)
            server.kill()
            loader.join(60)
            acked = dict(before.acked)
            assert len(acked) >= 60
            assert len(acked) < N  # the kill came in the middle of the load
            server = load.Server(url, workers=1, port=server.port).start()
            after = asyncio.run(load.run_load(server.base, load.token(server.base), N, 0.0, 8,
                                              keys=keys))
        finally:
            server.stop()
        assert after.errors == 0
        assert {k: after.acked[k] for k in acked} == acked
        assert load.count_orders(url) == (N, N)
    finally:
        load.drop_database(pg_admin_url, name)
