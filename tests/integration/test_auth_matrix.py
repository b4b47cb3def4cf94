"""Every role against every resource, reading and writing, inside and outside its scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.test_api_fixtures import City, token

ROLES = ("command", "inspector", "enterprise", "community", "driver", "volunteer")


Case = tuple[str, str, Callable[[City], str], dict[str, Any] | None, dict[str, int]]


def _all(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def _only(ok: int, roles: tuple[str, ...], other: int = 403) -> dict[str, int]:
    return {r: ok if r in roles else other for r in ROLES}


STOCK_IN = {"product": "rice-2.5kg", "kind": "receipt", "quantity": "1", "reason": "matrix"}
# each role gets its own afternoon hour ({slot}), so successes of earlier roles never overlap
SHIFT_IN = {"day": "2022-04-09", "start": "1{slot}:00", "end": "1{slot}:30", "task": "carry"}

# (name, method, path, body, expected status by role)
CASES: list[Case] = [
    ("regions", "GET", lambda c: "/api/v1/regions", None, _all(200)),
    ("products", "GET", lambda c: "/api/v1/products", None, _all(200)),
    ("packs", "GET", lambda c: "/api/v1/packs", None, _all(200)),
    ("me", "GET", lambda c: "/api/v1/me", None, _all(200)),
    ("compounds", "GET", lambda c: "/api/v1/compounds", None,
     _only(200, ("command", "inspector", "community", "volunteer"))),
    ("enterprises", "GET", lambda c: "/api/v1/enterprises", None,
     _only(200, ("command", "inspector", "enterprise"))),
    ("sites", "GET", lambda c: "/api/v1/sites", None,
     _only(200, ("command", "inspector", "enterprise", "driver"))),
    ("own site stock", "GET", lambda c: f"/api/v1/sites/{c.own_site}/stock", None,
     {**_only(200, ("command", "inspector", "enterprise")), "driver": 404}),
    ("other site stock", "GET", lambda c: f"/api/v1/sites/{c.other_site}/stock", None,
     {**_only(200, ("command", "inspector")), "enterprise": 404, "driver": 404}),
    ("driver's site stock", "GET", lambda c: f"/api/v1/sites/{c.driver_site}/stock", None,
     {**_only(200, ("command", "inspector", "driver")), "enterprise": 404}),
    ("latest plan", "GET", lambda c: "/api/v1/plans/latest", None,
     _only(200, ("command", "inspector", "enterprise", "community"))),
    ("plan flows", "GET", lambda c: f"/api/v1/plans/{c.plan_id}/flows", None,
     _only(200, ("command", "inspector", "enterprise", "community"))),
    ("routes", "GET", lambda c: "/api/v1/routes", None,
     _only(200, ("command", "inspector", "enterprise", "driver"))),
    ("stops", "GET", lambda c: "/api/v1/stops", None,
     _only(200, ("command", "inspector", "enterprise", "driver", "community"))),
    ("alerts", "GET", lambda c: "/api/v1/alerts", None, _only(200, ("command", "inspector"))),
    ("dashboard", "GET", lambda c: "/api/v1/dashboard", None,
     _only(200, ("command", "inspector"))),
    ("audit", "GET", lambda c: "/api/v1/audit", None, _only(200, ("command", "inspector"))),
    ("my team", "GET", lambda c: "/api/v1/me/team", None, _only(200, ("volunteer",))),
    ("ledger import page", "GET", lambda c: "/ledgers/import", None, _only(200, ("command",))),
    ("own site stock page", "GET", lambda c: f"/ledgers/sites/{c.own_site}/stock", None,
     _only(200, ("command", "inspector", "enterprise"))),
    ("other site stock page", "GET", lambda c: f"/ledgers/sites/{c.other_site}/stock", None,
     {**_only(200, ("command", "inspector")), "enterprise": 404}),
    ("audit page", "GET", lambda c: "/audit", None, _only(200, ("command", "inspector"))),
    ("post own stock", "POST", lambda c: f"/api/v1/sites/{c.own_site}/stock", STOCK_IN,
     _only(201, ("command", "enterprise"))),
    ("post other stock", "POST", lambda c: f"/api/v1/sites/{c.other_site}/stock", STOCK_IN,
     {**_only(201, ("command",)), "enterprise": 404}),
    ("confirm other stop", "POST", lambda c: f"/api/v1/stops/{c.other_stops[-1]}/confirm",
     {"status": "failed", "note": "matrix"},
     {**_only(403, ()), "driver": 404, "community": 404, "command": -1}),
    ("declare zone", "POST", lambda c: "/api/v1/zones",
     {"region": "440111007", "status": "precaution", "valid_from": "2022-04-20T00:00:00+08:00"},
     _only(201, ("command",))),
    ("add user", "POST", lambda c: "/api/v1/users",
     {"username": "u-{role}", "password": "secret-password", "role": "inspector"},
     _only(201, ("command",))),
    ("start duty", "POST", lambda c: "/api/v1/me/availability", {"availability": "on_duty"},
     _only(200, ("volunteer",))),
    ("shifts", "GET", lambda c: "/api/v1/shifts", None,
     _only(200, ("command", "inspector", "community", "volunteer"))),
    ("shift in area", "POST", lambda c: "/api/v1/shifts",
     {**SHIFT_IN, "volunteer": "{c.volunteer}", "handoff": "{c.own_handoff}"},
     _only(201, ("command", "community"))),
    ("shift outside area", "POST", lambda c: "/api/v1/shifts",
     {**SHIFT_IN, "volunteer": "{c.other_volunteer}", "handoff": "{c.other_handoff}"},
     {**_only(201, ("command",)), "community": 404}),
    ("cancel shift outside area", "DELETE", lambda c: f"/api/v1/shifts/{c.other_shift}", None,
     {**_only(403, ()), "community": 404, "command": -1}),
    ("run plan", "POST", lambda c: "/api/v1/plans", {"day": "2022-04-09"},
     {**_only(403, ()), "command": -1}),
]


def comps_codes(comps: list[dict[str, Any]]) -> set[str]:
    """The codes of a page of compounds."""
    return {c["code"] for c in comps}


def _scoped_counts(client: TestClient, headers: dict[str, str], city: City, role: str) -> None:
    """Lists that a bounded role may read hold only its own records."""
    if role == "community":
        comps = client.get("/api/v1/compounds?limit=500", headers=headers).json()["items"]
        assert comps and {c["code"] for c in comps} >= city.community_compounds
        assert all(c["code"].startswith(next(iter(city.community_compounds))[:12])
                   for c in comps)
        shifts = client.get("/api/v1/shifts?limit=500", headers=headers).json()["items"]
        assert city.own_shift in {s["id"] for s in shifts}
        assert all(s["compound"] in comps_codes(comps) for s in shifts)
        stops = client.get("/api/v1/stops?limit=500", headers=headers).json()["items"]
        ids = {s["id"] for s in stops}
        assert ids.isdisjoint(city.other_stops)
    if role == "volunteer":
        shifts = client.get("/api/v1/shifts?limit=500", headers=headers).json()["items"]
        assert city.own_shift in {s["id"] for s in shifts}
        assert {s["volunteer"] for s in shifts} == {city.volunteer}
    if role == "driver":
        stops = client.get("/api/v1/stops?limit=500", headers=headers).json()["items"]
        assert {s["id"] for s in stops} == set(city.driver_stops)
    if role == "enterprise":
        ents = client.get("/api/v1/enterprises", headers=headers).json()
        assert ents["total"] == 1
        sites = client.get("/api/v1/sites?limit=500", headers=headers).json()["items"]
        assert city.own_site in {s["code"] for s in sites}
        assert city.other_site not in {s["code"] for s in sites}


@pytest.mark.parametrize("role", ROLES)
def test_role_against_every_resource(role: str, client: TestClient, city: City) -> None:
    """Each role gets exactly the statuses of the matrix, and bounded lists hold only its own."""
    headers = token(client, role)
    wrong = []
    for name, method, path, body, expected in CASES:
        want = expected[role]
        if want == -1:
            continue  # the command centre's success here changes shared state; tested apart
        if body is not None:
            body = {k: (v.format(role=role, slot=ROLES.index(role), c=city)
                        if isinstance(v, str) else v) for k, v in body.items()}
        r = client.request(method, path(city), json=body, headers=headers)
        if r.status_code != want:
            wrong.append(f"{name}: {method} {path(city)} -> {r.status_code}, want {want}: "
                         f"{r.text[:200]}")
        if r.status_code >= 400:
            assert set(r.json()) == {"error"} and r.json()["error"]["code"]
    assert wrong == []
    _scoped_counts(client, headers, city, role)


@pytest.mark.parametrize("role", ["driver", "community", "command"])
def test_stop_confirmation_within_scope(role: str, client: TestClient, city: City) -> None:
    """A driver confirms its own stops, a community its own hand-off points, the command
    centre any; each confirmation is audited."""
    stop = {"driver": city.driver_stops, "community": city.community_stops,
            "command": city.other_stops}[role][0]
    headers = token(client, role)
    r = client.post(f"/api/v1/stops/{stop}/confirm", headers=headers,
                    json={"status": "delivered", "received_by": "王"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "delivered" and r.json()["confirmed_by"] == role
    again = client.post(f"/api/v1/stops/{stop}/confirm", headers=headers,
                        json={"status": "delivered", "received_by": "王"})
    assert again.status_code == 409
    audit = client.get(f"/api/v1/audit?entity=route_stop&key={stop}",
                       headers=token(client, "command")).json()["items"]
    assert audit and audit[0]["actor"] == role and audit[0]["after"]["status"] == "delivered"


def test_shift_cancelled_within_scope(client: TestClient, city: City) -> None:
    """The community worker cancels a shift in its area (204, then 404), audited; the command
    centre cancels one anywhere."""
    headers = token(client, "community")
    assert client.delete(f"/api/v1/shifts/{city.own_shift}", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/shifts/{city.own_shift}", headers=headers).status_code == 404
    command = token(client, "command")
    audit = client.get(f"/api/v1/audit?entity=shift&key={city.own_shift}",
                       headers=command).json()["items"]
    assert audit and audit[0]["actor"] == "community" and audit[0]["action"] == "delete"
    r = client.delete(f"/api/v1/shifts/{city.other_shift}", headers=command)
    assert r.status_code == 204


def test_anonymous_is_refused_everywhere(client: TestClient, city: City) -> None:
    """Without a token every resource but the token endpoint answers 401 in the error shape."""
    for name, method, path, body, _exp in CASES:
        r = client.request(method, path(city), json=body)
        assert r.status_code == 401, name
        assert r.json()["error"]["code"] == "unauthenticated"
