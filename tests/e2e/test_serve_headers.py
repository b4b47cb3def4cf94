"""`baogong serve` as run in production: no `server` banner, X-Forwarded-For believed only
from configured proxies (so a client on loopback cannot dodge the per-address sign-in limit
by rotating it), HSTS when configured."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from baogong.loadtest.orders import free_port

pytestmark = pytest.mark.slow  # each test starts `baogong serve` in a subprocess

BAOGONG = shutil.which("baogong", path=str(Path(sys.executable).parent)) or "baogong"


def _serve(tmp_path: Path, **env: str) -> Iterator[str]:
    port = free_port()
    full = {**os.environ, "BAOGONG_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", **env}
    subprocess.run([BAOGONG, "db", "upgrade"], env=full, check=True, capture_output=True)
    proc = subprocess.Popen([BAOGONG, "serve", "--port", str(port)], env=full,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(f"{base}/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(15)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`baogong serve` with the default settings."""
    yield from _serve(tmp_path)


def test_no_banner_and_forwarded_addresses_not_believed(server: str) -> None:
    """No `server` header; 50 failed sign-ins from one address, each with a new
    X-Forwarded-For, exhaust the per-address limit (5 x 10 a minute): the 51st is 429."""
    r = httpx.get(f"{server}/login")
    assert r.status_code == 200 and "server" not in r.headers
    assert "strict-transport-security" not in r.headers
    codes = []
    for i in range(51):
        r = httpx.post(f"{server}/api/v1/auth/token",
                       data={"username": f"nobody{i}", "password": "wrong-password"},
                       headers={"X-Forwarded-For": f"203.0.113.{i}"})
        codes.append(r.status_code)
    assert codes[:50] == [401] * 50 and codes[50] == 429


def test_hsts_and_trusted_proxy_when_configured(tmp_path: Path) -> None:
    """With BAOGONG_HSTS_SECONDS and loopback as the trusted proxy, responses carry HSTS and
    each forwarded address has its own limit (the 51st attempt is not refused)."""
    for base in _serve(tmp_path, BAOGONG_HSTS_SECONDS="31536000",
                       BAOGONG_TRUSTED_PROXIES="127.0.0.1"):
        r = httpx.get(f"{base}/login")
        assert r.headers["strict-transport-security"] == "max-age=31536000"
        codes = [httpx.post(f"{base}/api/v1/auth/token",
                            data={"username": f"nobody{i}", "password": "wrong-password"},
                            headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
                 for i in range(51)]
        assert set(codes) == {401}
