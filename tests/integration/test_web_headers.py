"""Response headers: a 405 names every method its path allows; HSTS only when configured."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from baogong.app import create_app


@pytest.fixture
def client(factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """The app on an empty database, with HSTS off."""
    with TestClient(create_app(factory.kw["bind"], watch_s=3600, hsts_seconds=0)) as c:
        yield c


def test_a_405_lists_every_allowed_method(client: TestClient) -> None:
    """PUT on a path served for GET and POST by two routes answers 405 with Allow naming
    both (Starlette alone names the first route's methods only), on the API and on pages."""
    for path, allowed in (("/api/v1/orders", {"GET", "POST"}),
                          ("/api/v1/shifts", {"GET", "POST"}),
                          ("/api/v1/auth/token", {"POST", "DELETE"}),
                          ("/login", {"GET", "POST"})):
        r = client.put(path)
        assert r.status_code == 405, path
        assert {m.strip() for m in r.headers["allow"].split(",")} - {"HEAD"} == allowed, path


def test_hsts_only_when_configured(client: TestClient, factory: sessionmaker[Session]) -> None:
    """No Strict-Transport-Security by default; with hsts_seconds set, every response has it."""
    assert "strict-transport-security" not in client.get("/login").headers
    with TestClient(create_app(factory.kw["bind"], watch_s=3600, hsts_seconds=31536000)) as c:
        for path in ("/login", "/api/v1/openapi.json", "/static/css/app.css"):
            assert c.get(path).headers["strict-transport-security"] == "max-age=31536000"
