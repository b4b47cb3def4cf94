"""Issue 16, items 11 to 13: token revocation, sign-in limits that cannot lock the owner out,
common passwords refused, and a shift cancelled only within the canceller's teams."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from baogong.app import create_app
from baogong.auth import service as auth
from baogong.auth.models import Role
from baogong.db import unit_of_work
from baogong.errors import DomainError

PASSWORD = "long-secret-pw"
ACCOUNTS = {"boss": (Role.COMMAND, {}), "wang": (Role.COMMUNITY, {"community": "440111016001"}),
            "lin": (Role.VOLUNTEER, {"volunteer": "V1"})}


@pytest.fixture
def app(crew: sessionmaker[Session]) -> object:
    """The crew with a command, a community (萧岗) and a volunteer account; limit 3 a minute."""
    with unit_of_work(crew) as s:
        for name, (role, bound) in ACCOUNTS.items():
            auth.create_user(s, username=name, role=role, password=PASSWORD, **bound)
    return create_app(crew.kw["bind"], login_limit=3, watch_s=3600)


@pytest.fixture
def client(app: object) -> Iterator[TestClient]:
    """A client of the app."""
    with TestClient(app) as c:  # type: ignore[arg-type]
        yield c


def _token(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": name, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_a_revoked_token_stops_at_once_and_the_others_keep_working(client: TestClient) -> None:
    """DELETE /auth/token revokes the token sent (even while it sits in the 10 s cache) and
    leaves the user's other tokens working."""
    first, second = _token(client, "lin"), _token(client, "lin")
    assert client.get("/api/v1/me", headers=first).status_code == 200  # now cached
    assert client.delete("/api/v1/auth/token", headers=first).status_code == 204
    assert client.get("/api/v1/me", headers=first).status_code == 401
    assert client.get("/api/v1/me", headers=second).status_code == 200


def test_a_password_change_or_deactivation_revokes_every_token(client: TestClient) -> None:
    """A new password, and a deactivation, end every token of the user at once; the old
    password no longer signs in and the new one does; a change of nothing is refused."""
    boss = _token(client, "boss")
    assert client.patch("/api/v1/users/lin", json={}, headers=boss).status_code == 400
    tokens = [_token(client, "lin"), _token(client, "lin")]
    for t in tokens:
        assert client.get("/api/v1/me", headers=t).status_code == 200
    r = client.patch("/api/v1/users/lin", json={"password": "another-long-pw"}, headers=boss)
    assert r.status_code == 200, r.text
    assert [client.get("/api/v1/me", headers=t).status_code for t in tokens] == [401, 401]
    r = client.post("/api/v1/auth/token", data={"username": "lin", "password": PASSWORD})
    assert r.status_code == 401
    fresh = _token(client, "lin", "another-long-pw")
    assert client.get("/api/v1/me", headers=fresh).status_code == 200
    r = client.patch("/api/v1/users/lin", json={"active": False}, headers=boss)
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/api/v1/me", headers=fresh).status_code == 401
    audit = client.get("/api/v1/audit?entity=user&key=lin", headers=boss).json()["items"]
    assert len(audit) == 2 and "another-long-pw" not in str(audit)


def test_failed_attempts_do_not_lock_the_owner_out(app: object) -> None:
    """Past the limit of failures for a user name, a stranger is refused (429) even with the
    right password, but the owner's client, which signed in before, still signs in."""
    with TestClient(app) as owner, TestClient(app) as stranger:  # type: ignore[arg-type]
        _token(owner, "boss")
        for _ in range(3):
            r = stranger.post("/api/v1/auth/token",
                              data={"username": "boss", "password": "wrong-password"})
            assert r.status_code == 401
        r = stranger.post("/api/v1/auth/token", data={"username": "boss", "password": PASSWORD})
        assert r.status_code == 429
        assert client_signs_in(owner, "boss")
        page = owner.post("/login", data={"username": "boss", "password": PASSWORD},
                          follow_redirects=False)
        assert page.status_code == 303
        r = owner.post("/api/v1/auth/token", data={"username": "boss", "password": "nope-nope"})
        assert r.status_code == 401


def client_signs_in(client: TestClient, name: str) -> bool:
    """Whether the client gets a token with the right password."""
    r = client.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
    return r.status_code == 200


def test_common_passwords_are_refused(client: TestClient, crew: sessionmaker[Session]) -> None:
    """A password from the common-password list is refused with a clear message, however it
    is written, by the service and by the API; a long unusual one is taken."""
    with unit_of_work(crew) as s, pytest.raises(DomainError) as err:
        auth.create_user(s, username="zhao", role=Role.COMMAND, password="Password123")
    assert err.value.field == "password" and "common" in err.value.text()
    boss = _token(client, "boss")
    for bad in ("iloveyou1", "qwertyuiop", "12345678"):
        r = client.post("/api/v1/users", json={"username": "zhao", "password": bad,
                                               "role": "command"}, headers=boss)
        assert r.status_code == 400 and r.json()["error"]["field"] == "password", bad
    r = client.patch("/api/v1/users/lin?lang=en", json={"password": "password1"}, headers=boss)
    assert r.status_code == 400 and "common" in r.json()["error"]["message"]
    r = client.post("/api/v1/users", json={"username": "zhao", "password": "萧岗-晚班-2022",
                                           "role": "command"}, headers=boss)
    assert r.status_code == 201, r.text


def test_a_community_cancels_only_its_teams_shifts(client: TestClient) -> None:
    """A shift of a volunteer of another community's team, at a hand-off point inside the
    worker's area (assigned by the command centre), cannot be cancelled by that worker (404,
    as for assigning), while the command centre can."""
    boss, wang = _token(client, "boss"), _token(client, "wang")
    body = {"volunteer": "V3", "day": "2022-04-09", "start": "08:00", "end": "09:00",
            "task": "carry", "handoff": "H1"}
    r = client.post("/api/v1/shifts", json=body, headers=boss)
    assert r.status_code == 201, r.text
    shift = r.json()["id"]
    assert client.post("/api/v1/shifts", json={**body, "start": "10:00", "end": "11:00"},
                       headers=wang).status_code == 404
    r = client.delete(f"/api/v1/shifts/{shift}", headers=wang)
    assert r.status_code == 404, r.text
    assert client.delete(f"/api/v1/shifts/{shift}", headers=boss).status_code == 204
