"""The API's one error shape, pagination, filters, OpenAPI, audited writes, live events and
the planning job."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from tests.integration.test_api_fixtures import City, client_for, token


@pytest.fixture(scope="module")
def command(client: TestClient) -> dict[str, str]:
    """The command centre's bearer header."""
    return token(client, "command")


def test_openapi_lists_the_resources(client: TestClient) -> None:
    """The spec is at /api/v1/openapi.json and names every resource of the API."""
    spec = client.get("/api/v1/openapi.json").json()
    paths = set(spec["paths"])
    for p in ("/api/v1/regions", "/api/v1/compounds", "/api/v1/enterprises", "/api/v1/sites",
              "/api/v1/sites/{code}/stock", "/api/v1/products", "/api/v1/packs",
              "/api/v1/plans/latest", "/api/v1/plans/{plan_id}/flows", "/api/v1/routes",
              "/api/v1/alerts", "/api/v1/auth/token"):
        assert p in paths, p


def test_errors_have_one_shape(client: TestClient, command: dict[str, str]) -> None:
    """Unknown records, bad parameters, bad bodies and unknown paths share one error shape."""
    cases = [
        (client.get("/api/v1/sites/NOPE/stock", headers=command), 404, "not_found", "code"),
        (client.get("/api/v1/compounds?limit=0", headers=command), 422, "invalid", "limit"),
        (client.post("/api/v1/sites/NOPE/stock", headers=command, json={"kind": "x"}), 422,
         "invalid", None),
        (client.get("/api/v1/nowhere", headers=command), 404, "not_found", None),
        (client.get("/api/v1/compounds?region=999", headers=command), 404, "not_found",
         "code"),
    ]
    for r, status, code, field in cases:
        assert r.status_code == status, r.text
        body = r.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
        assert body["error"]["code"] == code
        if field:
            assert body["error"]["field"] == field


def test_refused_issue_books_nothing(client: TestClient, city: City,
                                    command: dict[str, str]) -> None:
    """Issuing more than the balance is refused (409, the stock rule's message, the field at
    fault) and books nothing: the balance, the audit trail and the event version stay put."""
    url = f"/api/v1/sites/{city.own_site}/stock"
    bus = client.app.state.bus  # type: ignore[attr-defined]

    def balance() -> dict[str, str]:
        return {ln["product"]: ln["quantity"]
                for ln in client.get(url, headers=command).json()["lines"]}

    def audited() -> int:
        return int(client.get("/api/v1/audit?entity=stock", headers=command).json()["total"])

    before, entries, version = balance(), audited(), bus.version
    assert Decimal(before[city.product]) > 0
    r = client.post(url, headers=command,
                    json={"product": city.product, "kind": "issue", "quantity": "999999"})
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "conflict" and error["field"] == "quantity"
    assert before[city.product] in error["message"]  # "... exceeds the balance of 69.000"
    assert balance() == before
    assert audited() == entries
    assert bus.version == version


def test_pagination_and_filters(client: TestClient, command: dict[str, str]) -> None:
    """limit/offset windows add up to the total; region and status filters narrow compounds."""
    full = client.get("/api/v1/compounds?limit=500", headers=command).json()
    assert full["total"] == len(full["items"]) > 4
    first = client.get("/api/v1/compounds?limit=3&offset=0", headers=command).json()
    second = client.get("/api/v1/compounds?limit=3&offset=3", headers=command).json()
    assert [c["code"] for c in first["items"] + second["items"]] == [
        c["code"] for c in full["items"][:6]]
    assert first["total"] == full["total"] and first["limit"] == 3
    sealed = client.get("/api/v1/compounds?status=sealed&limit=500", headers=command).json()
    assert 0 < sealed["total"] < full["total"]
    assert {c["status"] for c in sealed["items"]} == {"sealed"}
    yun = client.get("/api/v1/compounds?region=440111016&limit=500", headers=command).json()
    assert yun["total"] and all(c["code"].startswith("440111016") for c in yun["items"])
    before = client.get("/api/v1/compounds?status=sealed&day=2022-04-01",
                        headers=command).json()
    assert before["total"] == 0


def test_stock_write_is_audited_and_announced(client: TestClient, city: City,
                                              command: dict[str, str]) -> None:
    """A receipt changes the balance, leaves an audit entry (who, what, before and after) and
    bumps the event bus version so dashboards recompute."""
    bus = client.app.state.bus  # type: ignore[attr-defined]
    version = bus.version
    stock = client.get(f"/api/v1/sites/{city.own_site}/stock", headers=command).json()
    before = {ln["product"]: float(ln["quantity"]) for ln in stock["lines"]}
    ent = token(client, "enterprise")
    r = client.post(f"/api/v1/sites/{city.own_site}/stock", headers=ent,
                    json={"product": city.product, "kind": "receipt", "quantity": "12",
                          "reason": "delivery from the base"})
    assert r.status_code == 201, r.text
    assert float(r.json()["quantity"]) == before.get(city.product, 0) + 12
    entry = client.get("/api/v1/audit?entity=stock", headers=command).json()["items"][0]
    assert entry["actor"] == "enterprise" and entry["source"] == "api"
    assert entry["entity_key"] == f"{city.own_site}/{city.product}"
    assert float(entry["after"]["quantity"]) - float(entry["before"]["quantity"]) == 12
    assert bus.version > version


def test_dashboard_data_has_every_layer(client: TestClient, command: dict[str, str]) -> None:
    """The dashboard carries the KPI tiles, compounds with status and fill, sites, hand-off
    points, routes, charts and alerts."""
    d = client.get("/api/v1/dashboard", headers=command).json()
    k = d["kpis"]
    assert k["sealed_households"] > 0 and k["packs_planned"] > 0 and k["vehicles_out"] > 0
    assert set(k) >= {"packs_delivered", "fill_rate", "volunteers_on_duty", "open_alerts"}
    statuses = {c[4] for c in d["compounds"]}
    assert "sealed" in statuses and "normal" in statuses
    assert any(c[5] is not None for c in d["compounds"])
    assert d["sites"] and d["handoffs"] and d["routes"] and d["charts"]["cover"]
    assert isinstance(d["alerts"], list) and k["open_alerts"] == len(d["alerts"])


def test_events_stream_carries_changes(client: TestClient, city: City) -> None:
    """An open /events stream receives the event a stock write publishes."""
    headers = token(client, "command")
    bus = client.app.state.bus  # type: ignore[attr-defined]
    got: list[str] = []

    def write_when_listening() -> None:
        for _ in range(100):
            if bus.listeners:
                break
            time.sleep(0.05)
        bus.publish("stock", site=city.own_site, product=city.product)

    threading.Thread(target=write_when_listening, daemon=True).start()
    with client.stream("GET", "/api/v1/events", headers=headers) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            got.append(line)
            if line.startswith("data:"):
                break
    assert "event: stock" in got
    assert any(city.own_site in line for line in got)


def test_writes_from_other_processes_reach_the_stream(city: City) -> None:
    """A stock receipt booked straight in the database (as the CLI or an Excel import would)
    is noticed by the change watch and announced as a 'data' event."""
    from baogong.db import session_factory, unit_of_work
    from baogong.ledger import stock

    with client_for(city, watch_s=0.1) as client:
        headers = token(client, "command")
        bus = client.app.state.bus  # type: ignore[attr-defined]

        def write_when_listening() -> None:
            for _ in range(100):
                if bus.listeners:
                    break
                time.sleep(0.05)
            time.sleep(0.5)  # let the watch take its first reading
            with unit_of_work(session_factory(city.engine)) as s:
                stock.receive(s, site_code=city.own_site, product_code=city.product,
                              quantity=Decimal("3"), reason="cli", by="cli")

        threading.Thread(target=write_when_listening, daemon=True).start()
        got = []
        with client.stream("GET", "/api/v1/events", headers=headers) as r:
            for line in r.iter_lines():
                got.append(line)
                if line.startswith("event:"):
                    break
        assert "event: data" in got


def test_command_runs_the_plan_with_progress(client: TestClient,
                                             command: dict[str, str]) -> None:
    """POST /plans starts plan + routes in the background; the job reports steps and ends
    with a new plan that becomes the latest, audited as a run."""
    r = client.post("/api/v1/plans", headers=command, json={"day": "2022-04-09"})
    assert r.status_code == 202, r.text
    job = r.json()
    for _ in range(600):
        job = client.get(f"/api/v1/jobs/{job['id']}", headers=command).json()
        if job["state"] != "running":
            break
        time.sleep(0.1)
    assert job["state"] == "done", job
    assert job["total"] >= 1 and job["result"]["plan_id"]
    latest = client.get("/api/v1/plans/latest", headers=command).json()
    assert latest["id"] == job["result"]["plan_id"]
    audit = client.get("/api/v1/audit?entity=plan", headers=command).json()["items"]
    assert audit[0]["action"] == "create" and audit[0]["actor"] == "command"
    assert audit[0]["source"] == "api" and audit[0]["after"]["plan"] == latest["id"]


def test_rate_limiter_window() -> None:
    """Attempts beyond the limit wait until the oldest leaves the window; reset clears a key."""
    from baogong.web.ratelimit import RateLimiter

    rl = RateLimiter(limit=2, window_s=10)
    assert rl.hit("k", now=0) == 0 and rl.hit("k", now=1) == 0
    assert rl.hit("k", now=2) == pytest.approx(8)
    assert rl.hit("k", now=10.5) == 0
    rl.reset("k")
    assert rl.hit("k", now=11) == 0 and rl.hit("k", now=11, factor=5) == 0


def test_event_bus_feeds_listeners_from_threads() -> None:
    """Events published from another thread reach an open stream, in order."""
    import asyncio

    from baogong.auth.scope import Audience, whole_city
    from baogong.web.events import EventBus

    bus = EventBus(Audience(), keepalive_s=0.05)

    async def listen() -> list[str]:
        got: list[str] = []
        stream = bus.stream(whole_city(), max_events=2)
        got.append(await anext(stream))
        threading.Thread(target=lambda: [bus.publish("stock", n=i) for i in range(2)]).start()
        async for chunk in stream:
            if not chunk.startswith(":"):
                got.append(chunk)
        return got

    got = asyncio.run(listen())
    assert [g.split("\n")[0] for g in got[1:]] == ["event: stock", "event: stock"]
    assert bus.version == 2 and bus.listeners == 0
