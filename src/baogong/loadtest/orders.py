"""Bounded order load on loopback: a throwaway database, a server process, a client.

Used by bench/orders.py and the crash test; it only ever talks to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import aiohttp
import httpx2
import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

PASSWORD = "load-test-password"
USER = "loadtest"


def _conninfo(url: str) -> str:
    u = make_url(url)
    return f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"


def create_database(admin_url: str, name: str) -> str:
    """Create an empty database next to the admin one; returns its URL."""
    with psycopg.connect(_conninfo(admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    """Drop a database made by create_database."""
    with psycopg.connect(_conninfo(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(url: str) -> None:
    """Migrate, load the small sample city and add the command account that places orders."""
    from baogong import migrate
    from baogong.auth.models import Role
    from baogong.auth.service import create_user
    from baogong.db import make_engine, session_factory, unit_of_work
    from baogong.sample.generator import Size, generate
    from baogong.sample.load import load

    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(session_factory(engine)) as s:
        load(s, generate(1, Size.SMALL))
        create_user(s, username=USER, role=Role.COMMAND, password=PASSWORD)
    engine.dispose()


def compounds(url: str) -> list[str]:
    """Codes of the compounds to order for."""
    from baogong.db import make_engine
    from baogong.regions.models import Region, RegionLevel

    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(Region.code).where(Region.level == RegionLevel.COMPOUND)
                            .order_by(Region.code)).scalars().all()
    engine.dispose()
    return list(rows)


def count_orders(url: str) -> tuple[int, int]:
    """(orders stored, distinct idempotency keys)."""
    from baogong.db import make_engine
    from baogong.demand.models import Order

    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(Order)).scalar_one()
        keys = conn.execute(select(func.count(func.distinct(Order.idempotency_key)))).scalar_one()
    engine.dispose()
    return int(n), int(keys)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`uvicorn baogong.app:create_app` in a child process on loopback."""

    def __init__(self, url: str, *, workers: int = 1, port: int | None = None) -> None:
        self.url = url
        self.workers = workers
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        """Start and wait until the API answers (at most 60 s)."""
        env = {**os.environ, "BAOGONG_DATABASE_URL": self.url}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "baogong.app:create_app",
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
             "--log-level", "warning", "--no-access-log"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read() if self.proc.stderr else b""
                self._close()
                raise RuntimeError(f"server exited: {err!r}")
            try:
                if httpx2.get(f"{self.base}/api/v1/openapi.json", timeout=2).status_code == 200:
                    return self
            except httpx2.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not start within 60 s")

    def kill(self) -> None:
        """SIGKILL the server and its workers (no graceful shutdown)."""
        if self.proc and self.proc.poll() is None:
            subprocess.run(["pkill", "-KILL", "-P", str(self.proc.pid)], check=False)
            self.proc.kill()
            self.proc.wait(10)
        self._close()

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), then kill if needed."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close()

    def _close(self) -> None:
        """Close our end of the server's error pipe once it is done."""
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object | TracebackType) -> None:
        self.stop()


def token(base: str) -> str:
    """A bearer token of the load-test account."""
    r = httpx2.post(f"{base}/api/v1/auth/token", data={"username": USER, "password": PASSWORD},
                   timeout=30)
    r.raise_for_status()
    return str(r.json()["access_token"])


def body(compound: str, i: int) -> dict[str, Any]:
    """A valid platform order for household i of a compound."""
    return {"compound": compound, "channel": "platform",
            "household": {"building": str(1 + i % 30), "unit": str(1 + i % 4),
                          "room": str(101 + i % 1200), "phone": f"138{i % 100_000_000:08d}",
                          "vulnerable": i % 20 == 0},
            "lines": [{"pack": "veg-10" if i % 3 else "anxin-1", "quantity": 1 + i % 2}]}


@dataclass
class LoadResult:
    """What the client saw."""

    latencies: list[float] = field(default_factory=list)
    created: int = 0
    replayed: int = 0
    retries: int = 0
    errors: int = 0
    replays_matched: bool = True
    acked: dict[str, int] = field(default_factory=dict)


async def run_load(base: str, token_: str, n: int, retry_share: float, concurrency: int,
                   *, seed: int = 1, codes: list[str] | None = None,
                   keys: list[str] | None = None, stop_after: int | None = None,
                   timeout_s: float = 30.0, result: LoadResult | None = None) -> LoadResult:
    """Send n orders (key i -> order i), retrying a share of them with the same key.

    A request that fails at the transport level (server gone) is counted in errors and its
    key is not acknowledged. With stop_after, sending stops once that many are acknowledged.
    Pass `result` to watch it fill from another thread.
    """
    rng = random.Random(seed)
    codes = codes or ["440111016001-01", "440111016001-02", "440111006001-01",
                      "440111008001-01"]
    keys = keys or [f"k-{seed}-{i}" for i in range(n)]
    result = result if result is not None else LoadResult()
    queue: asyncio.Queue[tuple[int, bool]] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait((i, False))
    retry = {i for i in range(n) if rng.random() < retry_share}
    result.retries = len(retry)
    headers = {"Authorization": f"Bearer {token_}"}
    url = f"{base}/api/v1/orders"

    async def worker(client: aiohttp.ClientSession) -> None:
        while True:
            try:
                i, _is_retry = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            if stop_after is not None and len(result.acked) >= stop_after:
                return
            key = keys[i]
            t0 = time.perf_counter()
            try:
                async with client.post(url, json=body(codes[i % len(codes)], i),
                                       headers=headers | {"Idempotency-Key": key}) as r:
                    status = r.status
                    got: Any = (await r.json())["id"] if status in (200, 201) else None
            except (TimeoutError, aiohttp.ClientError):
                result.errors += 1
                continue
            result.latencies.append(time.perf_counter() - t0)
            if status == 201:
                result.created += 1
                result.acked[key] = int(got)
                if i in retry:
                    queue.put_nowait((i, True))
            elif status == 200:
                result.replayed += 1
                if key in result.acked and result.acked[key] != got:
                    result.replays_matched = False
                result.acked.setdefault(key, int(got))
            else:
                result.errors += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return result
