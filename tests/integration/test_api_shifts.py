"""The shifts API and the volunteer's page on both backends: assign, list in scope, refuse
with the field at fault, cancel; "My shifts" with its empty state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from baogong.app import create_app
from baogong.auth import service as auth
from baogong.auth.models import Role
from baogong.db import unit_of_work
from baogong.types import CHINA_TZ

PASSWORD = "long-secret-pw"
ACCOUNTS = {"boss": (Role.COMMAND, {}), "wang": (Role.COMMUNITY, {"community": "440111016001"}),
            "lin": (Role.VOLUNTEER, {"volunteer": "V1"}),
            "he": (Role.VOLUNTEER, {"volunteer": "V3"}),
            "chen": (Role.INSPECTOR, {})}


@pytest.fixture
def client(crew: sessionmaker[Session]) -> Iterator[TestClient]:
    """The crew with one account each: command, 萧岗's worker, volunteers V1 and V3."""
    with unit_of_work(crew) as s:
        for name, (role, bound) in ACCOUNTS.items():
            auth.create_user(s, username=name, role=role, password=PASSWORD, **bound)
    engine = crew.kw["bind"]
    with TestClient(create_app(engine, login_limit=1000, watch_s=3600)) as c:
        yield c


def _headers(client: TestClient, name: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _body(volunteer: str = "V1", start: str = "08:00", end: str = "12:00",
          day: str = "2022-04-09", **kw: str) -> dict[str, str]:
    return {"volunteer": volunteer, "day": day, "start": start, "end": end, "task": "carry",
            "handoff": "H1", **kw}


def test_assign_list_refuse_and_cancel_through_the_api(client: TestClient) -> None:
    """The command centre assigns (times in UTC in the answer); each role lists its scope;
    rule breaks answer 400/409 naming the field; a community cancels in its area (204);
    assigning and cancelling are announced on the live stream."""
    boss, wang = _headers(client, "boss"), _headers(client, "wang")
    bus = client.app.state.bus  # type: ignore[attr-defined]
    version = bus.version
    r = client.post("/api/v1/shifts", json=_body(note="带名单"), headers=boss)
    assert bus.version > version
    assert r.status_code == 201, r.text
    shift = r.json()
    assert shift["starts_at"].startswith("2022-04-09T00:00:00") and shift["day"] == "2022-04-09"
    assert shift["compound"] == "440111016001-01" and shift["handoff_name"] == "H1北门"
    assert client.post("/api/v1/shifts", json=_body("V3", handoff="H2"),
                       headers=boss).status_code == 201
    for body, status, field in ((_body(start="11:00", end="13:00"), 409, "start"),
                                (_body(start="12:00", end="09:00"), 400, "end"),
                                (_body("V2"), 409, "availability"),
                                (_body("V3", start="13:00", end="15:00", handoff="H2"), 409,
                                 "hours_per_day"),
                                (_body("V3", start="13:00", end="14:00", handoff="H2"), 404,
                                 "volunteer")):
        who = wang if field == "volunteer" else boss
        r = client.post("/api/v1/shifts", json=body, headers=who)
        assert (r.status_code, r.json()["error"]["field"]) == (status, field), r.text
    assert client.post("/api/v1/shifts", json=_body(start="08:00+08:00"),
                       headers=boss).status_code == 422

    def seen(name: str, query: str = "") -> set[str]:
        page = client.get(f"/api/v1/shifts{query}", headers=_headers(client, name)).json()
        assert page["total"] == len(page["items"])
        return {x["volunteer"] for x in page["items"]}

    assert seen("boss") == seen("chen") == {"V1", "V3"}
    assert seen("wang") == seen("lin") == {"V1"} and seen("he") == {"V3"}
    assert seen("boss", "?volunteer=V3&day=2022-04-09") == {"V3"}
    assert seen("boss", "?day=2022-04-10") == set()
    r = client.post("/api/v1/shifts", json=_body(start="13:00", end="14:00"), headers=wang)
    assert r.status_code == 201, r.text
    version = bus.version
    assert client.delete(f"/api/v1/shifts/{r.json()['id']}", headers=wang).status_code == 204
    assert bus.version > version
    other = client.get("/api/v1/shifts?volunteer=V3", headers=boss).json()["items"][0]["id"]
    assert client.delete(f"/api/v1/shifts/{other}", headers=wang).status_code == 404
    assert client.delete(f"/api/v1/shifts/{other}",
                         headers=_headers(client, "lin")).status_code == 403
    audit = client.get("/api/v1/audit?entity=shift", headers=boss).json()["items"]
    assert {(a["action"], a["actor"]) for a in audit} >= {("create", "boss"),
                                                         ("create", "wang"),
                                                         ("delete", "wang")}


def _signin(client: TestClient, name: str) -> None:
    r = client.post("/login", data={"username": name, "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def test_the_volunteer_page_lists_today_and_upcoming_shifts(client: TestClient) -> None:
    """/m/volunteer shows today's and later shifts with time, place and task (not past ones);
    a volunteer without shifts reads the empty-state message, in Chinese by default."""
    boss = _headers(client, "boss")
    today = datetime.now(CHINA_TZ).date()
    for day, start, end in ((today, "08:00", "10:00"), (today + timedelta(days=1), "09:00",
                                                        "11:00"),
                            (today - timedelta(days=1), "15:00", "16:00")):
        r = client.post("/api/v1/shifts", json=_body(day=day.isoformat(), start=start, end=end,
                                                     task="door_to_door"), headers=boss)
        assert r.status_code == 201, r.text
    _signin(client, "lin")
    page = client.get("/m/volunteer")
    assert page.status_code == 200
    assert "我的班次" in page.text and page.text.count('class="shift') == 2
    assert "08:00–10:00" in page.text and "09:00–11:00" in page.text
    assert "15:00–16:00" not in page.text
    assert "H1北门" in page.text and "萧岗花园" in page.text and "封控区送货上门" in page.text
    assert "今天" in page.text
    client.cookies.clear()
    _signin(client, "he")
    empty = client.get("/m/volunteer")
    assert empty.status_code == 200 and 'id="no-shifts"' in empty.text
    assert "暂无为您安排的班次" in empty.text
