"""The ledger pages on both backends: workbook upload, stock counts with movement history,
and the audit trail, each for the roles allowed and refused, with CSRF-checked cookie posts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from baogong.app import create_app
from baogong.audit.models import AuditEntry
from baogong.auth.demo import DEMO_PASSWORD, create_demo_users
from baogong.auth.models import Role, User
from baogong.db import session_factory, unit_of_work
from baogong.ledger import stock
from baogong.ledger.excel import upload
from baogong.ledger.models import Enterprise, Product, Site, StockBalance
from baogong.sample.generator import Size, generate
from baogong.sample.load import load
from tests.conftest import _wipe
from tests.data import workbooks

ROLES = ("command", "inspector", "enterprise", "community", "driver", "volunteer")
HTML = {"Accept": "text/html"}


@dataclass(frozen=True)
class Town:
    """The small city with one account per role, and a site inside and outside the
    enterprise account's scope."""

    engine: Engine
    own_site: str
    other_site: str
    product: str


@pytest.fixture(scope="module")
def town(engine: Engine) -> Iterator[Town]:
    """Load the small city and the demo accounts; empty the database afterwards."""
    _wipe(engine)
    with unit_of_work(session_factory(engine)) as s:
        load(s, generate(5, Size.SMALL))
        create_demo_users(s)
        ent = s.scalar(select(User.enterprise_id).where(User.role == Role.ENTERPRISE))
        row = s.execute(
            select(Site.code, Product.code).join(StockBalance, StockBalance.site_id == Site.id)
            .join(Product, Product.id == StockBalance.product_id)
            .where(Site.enterprise_id == ent, StockBalance.quantity > 10)
            .order_by(Site.code, Product.code)).first()
        assert row is not None
        own, code = row
        other = s.scalars(select(Site.code).join(Enterprise).where(Enterprise.id != ent)
                          .order_by(Site.code)).first()
        assert own and other
    yield Town(engine, own, other, code)
    _wipe(engine)


@pytest.fixture(scope="module")
def client(town: Town) -> Iterator[TestClient]:
    """A browser-like client of the app (cookie sessions, HTML wanted)."""
    with TestClient(create_app(town.engine, login_limit=1000, watch_s=3600),
                    headers=HTML) as c:
        yield c


def signin(client: TestClient, username: str) -> str:
    """Sign in through the form as a demo account; returns the session's CSRF token."""
    client.cookies.clear()
    r = client.post("/login", data={"username": username, "password": DEMO_PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    m = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert m, page.text[:300]
    return m.group(1)


def _upload(client: TestClient, csrf: str, path: Path, name: str | None = None,
            **options: str) -> httpx2.Response:
    with path.open("rb") as fh:
        r: httpx2.Response = client.post("/ledgers/import", data={"csrf_token": csrf, **options},
                                        files={"file": (name or path.name, fh)})
    return r


def _audit_count(town: Town) -> int:
    with session_factory(town.engine)() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_its_pages(role: str, client: TestClient, town: Town) -> None:
    """Import and export for the command centre, stock pages for enterprise (own sites),
    command and inspectors, the audit page for command and inspectors; others are refused."""
    signin(client, role)
    expected = {
        "/ledgers/import": 200 if role == "command" else 403,
        "/ledgers/export.xlsx": 200 if role == "command" else 403,
        "/ledgers/template.xlsx": 200,
        "/ledgers/sites": 200 if role in ("command", "inspector", "enterprise") else 403,
        f"/ledgers/sites/{town.own_site}/stock":
            200 if role in ("command", "inspector", "enterprise") else 403,
        f"/ledgers/sites/{town.other_site}/stock":
            200 if role in ("command", "inspector") else 404 if role == "enterprise" else 403,
        "/audit": 200 if role in ("command", "inspector") else 403,
    }
    got = {path: client.get(path).status_code for path in expected}
    assert got == expected
    home = client.get("/ledgers/sites" if role in ("command", "inspector", "enterprise")
                      else "/").text
    assert ('id="nav-import"' in home) == (role == "command")
    assert ('id="nav-audit"' in home) == (role in ("command", "inspector"))


def test_anonymous_is_sent_to_sign_in(client: TestClient, town: Town) -> None:
    """Without a session every new page redirects to the sign-in form."""
    client.cookies.clear()
    for path in ("/ledgers/import", "/ledgers/sites", f"/ledgers/sites/{town.own_site}/stock",
                 "/audit", "/ledgers/export.xlsx"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path


def test_downloads_are_workbooks(client: TestClient) -> None:
    """The template and the export are .xlsx workbooks with the ledger sheets."""
    signin(client, "command")
    for path in ("/ledgers/template.xlsx", "/ledgers/export.xlsx"):
        r = client.get(path)
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        assert {"企业", "站点", "库存"} <= set(load_workbook(BytesIO(r.content)).sheetnames)


def test_import_with_errors_lists_every_problem_and_writes_nothing(
        client: TestClient, town: Town, tmp_path: Path) -> None:
    """A broken workbook shows the problem table (sheet, row, column, value, reason) in the
    user's language, and not a single row is written."""
    csrf = signin(client, "command")
    before = _audit_count(town)
    r = _upload(client, csrf, workbooks.broken(tmp_path / "broken.xlsx"))
    assert r.status_code == 200, r.text
    text = r.text
    assert 'data-written="no"' in text and 'id="import-problems"' in text
    assert re.search(r"<td>库存</td><td class=\"num\">4</td><td>商品编码</td><td>N96", text)
    assert re.search(r'<p class="error" id="import-summary">', text)
    assert _audit_count(town) == before
    with session_factory(town.engine)() as s:
        assert s.scalar(select(Site).where(Site.code == "ZZ01")) is None


def test_dry_run_then_import_records_the_file_in_the_audit_trail(
        client: TestClient, town: Town, tmp_path: Path) -> None:
    """A dry run reports the counts and writes nothing; the real import writes and each
    audit entry names the uploaded file and row; the htmx post gets the result alone."""
    csrf = signin(client, "command")
    path = workbooks.messy(tmp_path / "messy.xlsx")
    before = _audit_count(town)
    dry = _upload(client, csrf, path, "台账.xlsx", dry_run="true")
    assert 'data-written="no"' in dry.text and 'data-sheet="企业"' in dry.text
    assert _audit_count(town) == before
    with path.open("rb") as fh:
        real = client.post("/ledgers/import", headers={"HX-Request": "true"},
                           data={"csrf_token": csrf}, files={"file": ("台账.xlsx", fh)})
    assert real.status_code == 200 and 'data-written="yes"' in real.text
    assert "<html" not in real.text  # the fragment only, for htmx
    with session_factory(town.engine)() as s:
        refs = s.scalars(select(AuditEntry.source_ref).where(AuditEntry.id > 0)
                         .order_by(AuditEntry.id.desc()).limit(5)).all()
    assert refs and all("台账.xlsx" in ref for ref in refs)


def test_bad_uploads_are_refused_clearly(client: TestClient, tmp_path: Path) -> None:
    """Not an xlsx is 400, over the API's limit (50 MB) is 413, a post without the CSRF token
    is 403, and an enterprise account may not import."""
    csrf = signin(client, "command")
    text = tmp_path / "ledger.xlsx"
    text.write_text("站点编码,商品编码\n", encoding="utf-8")
    r = _upload(client, csrf, text)
    assert r.status_code == 400 and 'id="import-error"' in r.text
    r = _upload(client, csrf, text, "ledger.csv")
    assert r.status_code == 400
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"PK\x03\x04" + b"\0" * (upload.MAX_UPLOAD + 10))
    assert _upload(client, csrf, big).status_code == 413
    assert _upload(client, "wrong", text).status_code == 403
    ent = signin(client, "enterprise")
    assert _upload(client, ent, text).status_code == 403


def test_count_books_an_adjustment_at_own_sites_only(client: TestClient, town: Town) -> None:
    """An enterprise's count books the difference as an adjustment shown first in the
    history; another firm's site is not found; inspectors may not count; a reason is needed."""
    csrf = signin(client, "enterprise")
    url = f"/ledgers/sites/{town.own_site}/stock"
    with session_factory(town.engine)() as s:
        book = stock.balance(s, site_code=town.own_site, product_code=town.product)
    form = {"csrf_token": csrf, "product": [town.product, ""], "counted": [str(book - 3), ""],
            "reason": "daily count"}
    missing = client.post(url, data={**form, "reason": " "})
    assert missing.status_code == 400 and 'id="count-error"' in missing.text
    r = client.post(url, data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert 'id="count-booked"' in page.text
    first = re.search(r'<tr data-kind="(\w+)"><td>[^<]*</td><td>[^<]*</td>'
                      r'<td class="num">(-?[\d.]+) ', page.text)
    assert first and first.groups() == ("adjustment", "-3")
    with session_factory(town.engine)() as s:
        assert stock.balance(s, site_code=town.own_site,
                             product_code=town.product) == book - Decimal(3)
    other = client.post(f"/ledgers/sites/{town.other_site}/stock",
                        data={**form, "counted": ["1", ""]})
    assert other.status_code == 404
    assert client.post(url, data={**form, "csrf_token": "x"}).status_code == 403
    inspector = signin(client, "inspector")
    assert client.post(url, data={**form, "csrf_token": inspector}).status_code == 403


def test_audit_page_filters_by_record_and_actor(client: TestClient, town: Town) -> None:
    """The audit page lists the newest first and narrows to one record and one actor."""
    csrf = signin(client, "command")
    key = f"{town.own_site}/{town.product}"
    with session_factory(town.engine)() as s:
        book = stock.balance(s, site_code=town.own_site, product_code=town.product)
    r = client.post(f"/ledgers/sites/{town.own_site}/stock", follow_redirects=False,
                    data={"csrf_token": csrf, "product": [town.product],
                          "counted": [str(book + 7)], "reason": "复核"})
    assert r.status_code == 303, r.text
    page = client.get("/audit", params={"entity": "stock", "key": key})
    rows = re.findall(r'<tr class="entry" data-entity="([^"]+)" data-key="([^"]+)">', page.text)
    assert rows and set(rows) == {("stock", key)}
    assert "<td>command</td>" in page.text.split('class="entry"')[1]
    mine = client.get("/audit", params={"actor": "command", "entity": "stock"}).text
    assert 'class="entry"' in mine
    none = client.get("/audit", params={"actor": "nobody-at-all"}).text
    assert 'class="entry"' not in none
    signin(client, "inspector")
    assert client.get("/audit", params={"entity": "stock"}).status_code == 200
