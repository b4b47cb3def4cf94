"""Accounts: argon2 hashes, bearer tokens, cookie sessions with CSRF, rate-limited sign-in,
role pages, the language switch, and scope enforced inside the queries themselves."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from baogong.auth import service as auth
from baogong.auth.models import AuthToken, Role, TokenKind
from baogong.auth.scope import Scope
from baogong.db import session_factory, unit_of_work
from baogong.errors import Conflict, DomainError, NotFound
from baogong.ledger import queries as ledger_q
from baogong.regions import queries as regions_q
from baogong.types import utcnow
from tests.integration.test_api_fixtures import City, client_for, token

PAGES = {"command": ("/dashboard", "id=\"map\""), "inspector": ("/dashboard", "id=\"map\""),
         "community": ("/m/community", "id=\"compounds\""),
         "driver": ("/m/driver", "id=\"stops\""),
         "enterprise": ("/m/enterprise", "id=\"picks\""),
         "volunteer": ("/m/volunteer", "id=\"team\"")}


def _login(client: TestClient, username: str, password: str = "baogong-demo") -> str:
    """Sign in through the form; returns the CSRF token of the role's home page."""
    r = client.post("/login", data={"username": username, "password": password},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert page.status_code == 200, page.text
    m = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert m
    return m.group(1)


def test_passwords_are_argon2_and_checked(city: City) -> None:
    """Passwords are stored as argon2id hashes; a wrong password or unknown user gets None."""
    factory = session_factory(city.engine)
    with unit_of_work(factory) as s:
        user = auth.create_user(s, username="hash-test", role=Role.COMMAND,
                                password="correct horse")
        assert user.password_hash.startswith("$argon2id$")
        assert auth.authenticate(s, username="hash-test", password="correct horse") is user
        assert auth.authenticate(s, username="hash-test", password="wrong horse") is None
        assert auth.authenticate(s, username="nobody", password="correct horse") is None
        with pytest.raises(Conflict):
            auth.create_user(s, username="hash-test", role=Role.COMMAND, password="x" * 9)
        with pytest.raises(DomainError):
            auth.create_user(s, username="short", role=Role.COMMAND, password="short")
        with pytest.raises(DomainError):
            auth.create_user(s, username="ent", role=Role.ENTERPRISE, password="long enough")


def test_expired_tokens_are_refused(city: City) -> None:
    """A token past its expiry no longer signs anyone in."""
    factory = session_factory(city.engine)
    with unit_of_work(factory) as s:
        user = auth.get_user(s, username="command")
        secret, row = auth.issue_token(s, user=user, kind=TokenKind.API)
        row.expires_at = utcnow() - timedelta(minutes=1)
    with factory() as s:
        assert auth.resolve_token(s, secret=secret, kind=TokenKind.API) is None
        assert s.query(AuthToken).count() >= 1


def test_scope_is_enforced_in_the_queries(city: City) -> None:
    """The query functions themselves hide what is out of scope (no route needed)."""
    factory = session_factory(city.engine)
    with factory() as s:
        ent = auth.scope_of(s, auth.get_user(s, username="enterprise"))
        assert ledger_q.site_stock(s, scope=ent, code=city.own_site)[0].code == city.own_site
        with pytest.raises(NotFound):
            ledger_q.site_stock(s, scope=ent, code=city.other_site)
        comm = auth.scope_of(s, auth.get_user(s, username="community"))
        mine = regions_q.visible_compounds(s, scope=comm)
        assert mine and all(c.path.startswith(comm.region_path or "?") for c in mine)
        assert regions_q.visible_compounds(s, scope=ent) == []
        assert regions_q.visible_compounds(s, scope=Scope("x", Role.COMMUNITY)) == []


def test_each_role_lands_on_its_page(city: City) -> None:
    """Signing in through the form opens the role's page; other roles' pages are refused."""
    for role, (path, marker) in PAGES.items():
        with client_for(city) as client:
            _login(client, role)
            page = client.get(path)
            assert page.status_code == 200 and marker in page.text, role
            other = "/m/volunteer" if role != "volunteer" else "/dashboard"
            assert client.get(other, headers={"accept": "text/html"}).status_code == 403


def test_pages_need_a_session(city: City) -> None:
    """Without a session a page redirects to the sign-in form."""
    with client_for(city) as client:
        r = client.get("/dashboard", headers={"accept": "text/html"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_cookie_writes_need_the_csrf_token(city: City) -> None:
    """With a session cookie, a write without the CSRF token is refused; with it, it passes."""
    with client_for(city) as client:
        csrf = _login(client, "enterprise")
        body = {"product": city.product, "kind": "receipt", "quantity": "1"}
        bad = client.post(f"/api/v1/sites/{city.own_site}/stock", json=body)
        assert bad.status_code == 403 and bad.json()["error"]["code"] == "csrf"
        wrong = client.post(f"/api/v1/sites/{city.own_site}/stock", json=body,
                            headers={"X-CSRF-Token": "forged"})
        assert wrong.status_code == 403
        ok = client.post(f"/api/v1/sites/{city.own_site}/stock", json=body,
                         headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 201, ok.text
        form = client.post("/m/enterprise/stock", follow_redirects=False,
                           data={"site": city.own_site, "product": city.product,
                                 "kind": "receipt", "quantity": "2", "csrf_token": csrf})
        assert form.status_code == 303
        noform = client.post("/m/enterprise/stock", follow_redirects=False,
                             data={"site": city.own_site, "product": city.product,
                                   "kind": "receipt", "quantity": "2"})
        assert noform.status_code == 403


def test_sign_in_is_rate_limited(city: City) -> None:
    """After the limit of attempts for a user name, sign-in answers 429 with Retry-After."""
    with client_for(city, login_limit=3) as client:
        for _ in range(3):
            r = client.post("/api/v1/auth/token",
                            data={"username": "command", "password": "wrong-password"})
            assert r.status_code == 401
        r = client.post("/api/v1/auth/token",
                        data={"username": "command", "password": "baogong-demo"})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        page = client.post("/login", data={"username": "command", "password": "baogong-demo"})
        assert page.status_code == 429


def test_sign_out_ends_the_session(city: City) -> None:
    """After signing out, the old cookie opens nothing."""
    with client_for(city) as client:
        csrf = _login(client, "command")
        cookie = client.cookies.get("baogong_session")
        r = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 303
        client.cookies.set("baogong_session", cookie or "")
        assert client.get("/api/v1/me").status_code == 401


def test_chinese_by_default_english_on_switch(city: City) -> None:
    """Pages and API messages are Chinese by default and English after the switch."""
    with client_for(city) as client:
        _login(client, "command")
        assert "封控户数" in client.get("/dashboard").text
        client.get("/lang/en?next=/dashboard")
        assert "Sealed households" in client.get("/dashboard").text
        headers = token(client, "command")
        r = client.get("/api/v1/sites/NOPE/stock?lang=en", headers=headers)
        assert r.json()["error"]["message"].startswith("Unknown site NOPE")


def test_driver_confirms_a_stop_from_the_page(city: City) -> None:
    """The driver's page confirms a stop through htmx and returns the updated stop."""
    with client_for(city) as client:
        csrf = _login(client, "driver")
        stop = city.driver_stops[-1]
        r = client.post(f"/m/stops/{stop}/confirm", headers={"HX-Request": "true"},
                        data={"status": "delivered", "received_by": "李", "csrf_token": csrf})
        assert r.status_code == 200 and f'id="stop-{stop}"' in r.text
        assert 'data-status="delivered"' in r.text
