"""POST/GET /api/v1/orders on both backends: exactly once per key, scope, masking, lifecycle."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from baogong.app import create_app
from baogong.audit.models import AuditEntry
from baogong.auth.models import Role
from baogong.auth.service import create_user
from baogong.db import session_factory, unit_of_work
from baogong.demand.models import Order, OrderEvent, OrderLine, OrderStatus
from baogong.sample.generator import Size, generate
from baogong.sample.load import load
from tests.conftest import _wipe

PASSWORD = "orders-test-pw"
OWN = "440111016001-01"  # a compound of community 440111016001
OTHER = "440111006001-01"  # a compound in 黄石, outside that community


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """The app on the small city with a command, a community and a driver account."""
    _wipe(engine)
    factory = session_factory(engine)
    with unit_of_work(factory) as s:
        city = generate(9, Size.SMALL)
        load(s, city)
        create_user(s, username="boss", role=Role.COMMAND, password=PASSWORD)
        create_user(s, username="worker", role=Role.COMMUNITY, password=PASSWORD,
                    community="440111016001")
        create_user(s, username="other-worker", role=Role.COMMUNITY, password=PASSWORD,
                    community="440111006001")
    with TestClient(create_app(engine, watch_s=3600)) as c:
        yield c
    _wipe(engine)


def _token(client: TestClient, user: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": user, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _body(compound: str = OWN, room: str = "502") -> dict[str, Any]:
    return {"compound": compound, "channel": "platform",
            "household": {"building": "3", "unit": "1", "room": room, "phone": "13800001234",
                          "vulnerable": False},
            "lines": [{"pack": "veg-10", "quantity": 1}]}


def _orders(engine: Engine) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(Order)) or 0


def test_smallest_order_is_created_then_replayed(client: TestClient, engine: Engine) -> None:
    """The documented smallest order is created (201); the same key returns it again (200)."""
    auth = _token(client, "worker") | {"Idempotency-Key": "abc-1"}
    first = client.post("/api/v1/orders", json=_body(), headers=auth)
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/orders", json=_body(), headers=auth)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["status"] == "submitted"
    assert first.json()["lines"][0]["unit_price"] == "10.00"
    assert _orders(engine) == 1


def test_an_order_is_written_with_its_lines_event_and_audit_entry_once(
    client: TestClient, engine: Engine,
) -> None:
    """Intake writes the order, its lines, its first event and one audit entry; a replay none."""
    auth = _token(client, "worker") | {"Idempotency-Key": "abc-audit"}
    body = _body() | {"lines": [{"pack": "veg-10", "quantity": 2},
                                {"pack": "anxin-1", "quantity": 1}]}
    order_id = client.post("/api/v1/orders", json=body, headers=auth).json()["id"]
    assert client.post("/api/v1/orders", json=body, headers=auth).status_code == 200
    with session_factory(engine)() as s:
        lines = s.scalars(select(OrderLine).where(OrderLine.order_id == order_id)
                          .order_by(OrderLine.id)).all()
        events = s.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id)).all()
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "order",
                                                     AuditEntry.entity_key == str(order_id))).all()
    assert [(ln.quantity, str(ln.unit_price)) for ln in lines] == [(2, "10.00"), (1, "68.00")]
    assert [(e.from_status, e.to_status, e.by) for e in events] == [
        (None, OrderStatus.SUBMITTED, "worker")]
    assert [(a.actor, a.action, a.source.value) for a in entries] == [("worker", "create", "api")]
    assert entries[0].after == {"compound": OWN, "channel": "platform"}


def test_key_reused_with_another_body_is_409(client: TestClient, engine: Engine) -> None:
    """The same key with a different body is refused and creates nothing."""
    auth = _token(client, "worker") | {"Idempotency-Key": "abc-2"}
    assert client.post("/api/v1/orders", json=_body(), headers=auth).status_code == 201
    r = client.post("/api/v1/orders", json=_body(room="601"), headers=auth)
    assert r.status_code == 409
    assert r.json()["error"]["field"] == "Idempotency-Key"
    assert _orders(engine) == 1


def test_concurrent_requests_with_the_same_keys_make_one_order_each(
    client: TestClient, engine: Engine,
) -> None:
    """Sixteen clients sending four keys at once create exactly four orders."""
    auth = _token(client, "boss")
    start = threading.Barrier(16)
    codes: list[int] = []

    def send(i: int) -> None:
        start.wait()
        r = client.post("/api/v1/orders", json=_body(room=str(100 + i % 4)),
                        headers=auth | {"Idempotency-Key": f"race-{i % 4}"})
        codes.append(r.status_code)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] * 12 + [201] * 4
    assert _orders(engine) == 4


def test_community_orders_only_for_its_own_compounds(client: TestClient) -> None:
    """A community account is refused for another community's compound and sees only its own."""
    worker = _token(client, "worker")
    assert client.post("/api/v1/orders", json=_body(OTHER), headers=worker).status_code == 403
    boss = _token(client, "boss")
    assert client.post("/api/v1/orders", json=_body(OTHER), headers=boss).status_code == 201
    mine = client.post("/api/v1/orders", json=_body(), headers=worker).json()
    listed = client.get("/api/v1/orders", headers=worker).json()["items"]
    assert [o["id"] for o in listed] == [mine["id"]]
    other = _token(client, "other-worker")
    assert client.get(f"/api/v1/orders/{mine['id']}", headers=other).status_code == 404


def test_phone_is_masked_for_others_than_owner_and_command(client: TestClient) -> None:
    """The owner and the command centre see the number; another community worker does not."""
    boss = _token(client, "boss")
    made = client.post("/api/v1/orders", json=_body(OTHER), headers=boss).json()
    assert made["household"]["phone"] == "13800001234"
    other = _token(client, "other-worker")
    seen = client.get(f"/api/v1/orders/{made['id']}", headers=other).json()
    assert seen["household"]["phone"] == "138****1234"


def test_lifecycle_over_the_api_and_forbidden_move(client: TestClient) -> None:
    """Accept then cancel with a reason works; delivering a cancelled order is a 409."""
    worker = _token(client, "worker")
    made = client.post("/api/v1/orders", json=_body(), headers=worker).json()
    url = f"/api/v1/orders/{made['id']}/transitions"
    assert client.post(url, json={"to": "accepted"}, headers=worker).status_code == 200
    r = client.post(url, json={"to": "cancelled", "reason": "居民取消"}, headers=worker)
    assert r.status_code == 200
    assert [e["to_status"] for e in r.json()["events"]] == ["submitted", "accepted",
                                                            "cancelled"]
    assert client.post(url, json={"to": "delivered"}, headers=worker).status_code == 409


def test_cursor_pagination_walks_every_order(client: TestClient) -> None:
    """Pages of two follow the cursor until no next cursor is given."""
    boss = _token(client, "boss")
    made = {client.post("/api/v1/orders", json=_body(room=str(r)), headers=boss).json()["id"]
            for r in range(5)}
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/orders", params=params, headers=boss).json()
        seen += [o["id"] for o in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(made)
