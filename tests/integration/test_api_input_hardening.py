"""Issue 16, items 7 and 8 on both backends: days and moments outside a sane window and
numbers or booleans of the wrong JSON type are refused with 422; idempotency keys belong to
one account whatever its name, fit the documented 200 characters, and are never empty."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from baogong import migrate
from baogong.app import create_app
from baogong.auth.models import Role, User
from baogong.auth.service import create_user
from baogong.db import make_engine, session_factory, unit_of_work
from baogong.demand.models import Channel, Order
from baogong.regions.models import Region, RegionLevel
from baogong.sample.generator import Size, generate
from baogong.sample.load import load
from tests.conftest import PgDatabases, _wipe
from tests.integration.test_api_orders import PASSWORD, _body, _orders

DAY_READS = ("/api/v1/plans/latest", "/api/v1/alerts", "/api/v1/routes", "/api/v1/stops",
             "/api/v1/compounds", "/api/v1/orders", "/api/v1/shifts", "/api/v1/dashboard")


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """The small city with a command account and two community accounts of one community,
    one named like the other plus ':1'."""
    _wipe(engine)
    factory = session_factory(engine)
    with unit_of_work(factory) as s:
        load(s, generate(9, Size.SMALL))
        create_user(s, username="boss", role=Role.COMMAND, password=PASSWORD)
        for name in ("worker", "worker:1"):
            create_user(s, username=name, role=Role.COMMUNITY, password=PASSWORD,
                        community="440111016001")
    with TestClient(create_app(engine, watch_s=3600)) as c:
        yield c
    _wipe(engine)


def _auth(client: TestClient, user: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": user, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_days_outside_the_window_or_as_numbers_are_refused(client: TestClient) -> None:
    """day=0 is not 1970-01-01 and 1999 or 9999 are not service days: every read with a day
    answers 422 naming the field, while a day in the window is read as usual."""
    boss = _auth(client, "boss")
    for path in DAY_READS:
        for bad in ("0", "1999-12-31", "9999-12-31", "20220409"):
            r = client.get(path, params={"day": bad}, headers=boss)
            assert r.status_code == 422, (path, bad, r.text)
            assert r.json()["error"]["field"] == "day"
        assert client.get(path, params={"day": "2022-04-09"}, headers=boss).status_code in (
            200, 404), path


def test_plans_and_zones_outside_the_window_are_refused(client: TestClient) -> None:
    """POST /plans refuses 9999-12-31, 0001-01-01 and 0 (422, no job started); a zone from
    the year 564, or ending in 9999, is refused by the API and by the service."""
    from baogong.errors import DomainError
    from baogong.regions import service as regions
    from baogong.regions.models import ZoneStatus

    boss = _auth(client, "boss")
    for bad in ("9999-12-31", "0001-01-01", 0):
        r = client.post("/api/v1/plans", json={"day": bad}, headers=boss)
        assert r.status_code == 422 and r.json()["error"]["field"] == "day", r.text
    assert client.app.state.jobs.jobs == {}  # type: ignore[attr-defined]
    for body in ({"valid_from": "0564-01-01T00:00:00"},
                 {"valid_from": "2022-04-09T00:00:00", "valid_to": "9999-12-31T00:00:00"},
                 {"valid_from": 1649462400}):
        r = client.post("/api/v1/zones", json={"region": "440111016", "status": "sealed",
                                               **body}, headers=boss)
        assert r.status_code == 422, (body, r.text)
    from datetime import datetime

    factory = session_factory(client.app.state.engine)  # type: ignore[attr-defined]
    with unit_of_work(factory) as s, pytest.raises(DomainError) as err:
        regions.declare_zone(s, region_code="440111016", status=ZoneStatus.SEALED,
                             valid_from=datetime(564, 1, 1))
    assert err.value.field == "valid_from"


def test_booleans_are_not_numbers(client: TestClient, engine: Engine) -> None:
    """"quantity": true is not 1, "3" is not 3, and "vulnerable": 1 is not true: 422 naming
    the field, and no order is written."""
    worker = _auth(client, "worker")
    for line in ({"pack": "veg-10", "quantity": True}, {"pack": "veg-10", "quantity": "3"}):
        body = _body() | {"lines": [line]}
        r = client.post("/api/v1/orders", json=body, headers=worker)
        assert r.status_code == 422 and r.json()["error"]["field"] == "lines.0.quantity", r.text
    body = _body()
    body["household"]["vulnerable"] = 1
    r = client.post("/api/v1/orders", json=body, headers=worker)
    assert r.status_code == 422 and r.json()["error"]["field"] == "household.vulnerable"
    assert _orders(engine) == 0


def test_idempotency_keys_belong_to_one_account(client: TestClient, engine: Engine) -> None:
    """'worker' with key '1:k' and 'worker:1' with key 'k' are two orders, not a replay of
    one another's (whatever ':' a user name holds)."""
    first = client.post("/api/v1/orders", json=_body(),
                        headers=_auth(client, "worker") | {"Idempotency-Key": "1:k"})
    assert first.status_code == 201, first.text
    other = client.post("/api/v1/orders", json=_body(),
                        headers=_auth(client, "worker:1") | {"Idempotency-Key": "k"})
    assert other.status_code == 201, other.text
    assert other.json()["id"] != first.json()["id"] and other.json()["owner"] == "worker:1"
    assert _orders(engine) == 2


def test_keys_of_up_to_200_characters_work_and_empty_ones_are_refused(
    client: TestClient, engine: Engine,
) -> None:
    """Keys of 193 to 200 characters make an order and replay it; a 201-character key and an
    empty key are refused (422 naming the header), writing nothing."""
    worker = _auth(client, "worker:1")
    for n in (193, 200):
        headers = worker | {"Idempotency-Key": "k" * n}
        body = _body(room=str(n))
        first = client.post("/api/v1/orders", json=body, headers=headers)
        assert first.status_code == 201, (n, first.text)
        again = client.post("/api/v1/orders", json=body, headers=headers)
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    for bad in ("k" * 201, ""):
        r = client.post("/api/v1/orders", json=_body(room="9"),
                        headers=worker | {"Idempotency-Key": bad})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["field"] == "idempotency-key"
    assert _orders(engine) == 2


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_stored_keys_move_to_the_user_id(backend: str, tmp_path: Path,
                                         pg_databases: PgDatabases) -> None:
    """Migration 0009 rewrites a key stored as '<user name>:<key>' (the name holding ':') to
    '<user id>:<key>' and back on downgrade."""
    url = f"sqlite:///{tmp_path / 'keys.db'}" if backend == "sqlite" else pg_databases.create()
    eng = make_engine(url)
    migrate.upgrade(eng, "0008")
    with eng.begin() as conn:  # rows as the models of revision 0008 write them
        conn.execute(insert(Region.__table__).values(id=1, code="c", name="c",
                                                     level=RegionLevel.COMPOUND, path="/1/"))
        conn.execute(insert(User.__table__).values(id=7, username="worker:1", role=Role.COMMUNITY,
                                                   password_hash="x"))
        conn.execute(insert(Order.__table__).values(
            compound_id=1, channel=Channel.PLATFORM, building="1", room="1", phone="138",
            owner="worker:1", service_day=date(2022, 4, 9), idempotency_key="worker:1:k:2"))
    migrate.upgrade(eng)
    with eng.connect() as conn:
        assert conn.execute(text("SELECT idempotency_key FROM orders")).scalar() == "7:k:2"
    migrate.downgrade(eng, "0008")
    with eng.connect() as conn:
        assert conn.execute(text("SELECT idempotency_key FROM orders")).scalar() == "worker:1:k:2"
    eng.dispose()
