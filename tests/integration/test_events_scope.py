"""Issue 16, item 9: the live event stream carries to each account only the events about
records its REST reads would show it (a driver: its stops and its home site's stock, not
other communities' orders or other enterprises' stock)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.integration.test_api_fixtures import City, build_city, client_for, token, wipe

OUTSIDE_COMPOUND = "440111006001-01"  # 黄石: outside the community account's area
OUTSIDE_REGION = "440111007"  # a subdistrict outside it


@pytest.fixture(scope="module")
def city(engine: Engine) -> Iterator[City]:
    """The small city, planned and routed, with one account per role."""
    c = build_city(engine)
    yield c
    wipe(c)


@pytest.fixture(scope="module")
def client(city: City) -> Iterator[TestClient]:
    """A client of one app on the city (its lifespan started), keep-alives every 0.2 s."""
    with client_for(city, watch_s=3600) as c:
        c.app.state.bus.keepalive_s = 0.2  # type: ignore[attr-defined]
        yield c


def _order(compound: str, room: str) -> dict[str, Any]:
    return {"compound": compound, "household": {"building": "9", "room": room,
                                                "phone": "13800001234"},
            "lines": [{"pack": "veg-10", "quantity": 1}]}


def _writes(city: City, tokens: dict[str, dict[str, str]], n: int
            ) -> list[Callable[[TestClient], Any]]:
    """Writes by the command centre and the community account that concern records outside
    every other bounded account's scope (n keeps households and hours apart between runs)."""
    own = sorted(city.community_compounds)[0]
    shift = {"volunteer": city.other_volunteer, "handoff": city.other_handoff,
             "day": "2022-04-09", "start": f"1{n}:00", "end": f"1{n}:30", "task": "carry"}
    return [
        lambda c: c.post("/api/v1/orders", json=_order(own, f"9{n}"),
                         headers=tokens["community"]),
        lambda c: c.post("/api/v1/orders", json=_order(OUTSIDE_COMPOUND, f"8{n}"),
                         headers=tokens["command"]),
        lambda c: c.post(f"/api/v1/sites/{city.other_site}/stock", headers=tokens["command"],
                         json={"product": city.product, "kind": "receipt", "quantity": "1"}),
        lambda c: c.post("/api/v1/zones", headers=tokens["command"],
                         json={"region": OUTSIDE_REGION, "status": "precaution",
                               "valid_from": "2022-04-20T00:00:00+08:00"}),
        lambda c: c.post("/api/v1/shifts", json=shift, headers=tokens["command"]),
    ]


def _events(client: TestClient, listener: dict[str, str],
            actions: list[Callable[[TestClient], Any]]) -> list[str]:
    """The kinds of events the listener receives while the actions run and a second after
    (each action must succeed)."""
    bus = client.app.state.bus  # type: ignore[attr-defined]
    other = TestClient(client.app)
    done = threading.Event()

    def act() -> None:
        for _ in range(200):
            if bus.listeners:
                break
            time.sleep(0.02)
        for action in actions:
            r = action(other)
            assert r.status_code < 300, r.text
        done.set()

    threading.Thread(target=act, daemon=True).start()
    kinds: list[str] = []
    deadline = time.monotonic() + 60
    with client.stream("GET", "/api/v1/events", headers=listener) as r:
        assert r.status_code == 200
        for line in r.iter_lines():  # keep-alives come every 0.2 s
            if line.startswith("event:"):
                kinds.append(line.split(":", 1)[1].strip())
            if done.is_set() and deadline > time.monotonic() + 1:
                deadline = time.monotonic() + 1  # what the last write published has come
            if time.monotonic() > deadline:
                break
    return kinds


@pytest.mark.parametrize(("role", "n"), [("driver", 1), ("enterprise", 2), ("community", 3),
                                         ("volunteer", 4)])
def test_each_account_receives_only_events_in_its_scope(client: TestClient, city: City,
                                                        role: str, n: int) -> None:
    """Orders of other communities, stock of other enterprises' sites, zones and shifts
    elsewhere never reach a bounded account; a write in its own scope does (its stop, its
    site's stock, its compound's order, its duty)."""
    tokens = {name: token(client, name) for name in ("command", "community", role)}
    own = {"driver": lambda c: c.post(f"/api/v1/stops/{city.driver_stops[n]}/confirm",
                                      headers=tokens["driver"],
                                      json={"status": "delivered", "received_by": "王"}),
           "enterprise": lambda c: c.post(f"/api/v1/sites/{city.own_site}/stock",
                                          headers=tokens["enterprise"],
                                          json={"product": city.product, "kind": "receipt",
                                                "quantity": "1"}),
           "community": lambda c: c.post(
               "/api/v1/orders", headers=tokens["community"],
               json=_order(sorted(city.community_compounds)[0], f"7{n}")),
           "volunteer": lambda c: c.post("/api/v1/me/availability", headers=tokens["volunteer"],
                                         json={"availability": "on_duty"})}[role]
    writes = _writes(city, tokens, n)
    if role == "community":
        writes = writes[1:]  # its own order is in scope
    kinds = _events(client, tokens[role], [*writes, own])
    expected = {"driver": "stop", "enterprise": "stock", "community": "order",
                "volunteer": "duty"}[role]
    assert kinds == [expected]


def test_the_command_centre_receives_every_event(client: TestClient, city: City) -> None:
    """The command centre (and inspectors) receive the events of every write."""
    tokens = {name: token(client, name) for name in ("command", "community", "inspector")}
    writes = _writes(city, tokens, 5)
    kinds = _events(client, tokens["inspector"], writes)
    assert kinds == ["order", "order", "stock", "zone", "shift"]
