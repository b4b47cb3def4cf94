"""Ledger administration over the API on both backends: workbook upload, stock counts and
history, supplier qualification and the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from baogong.app import create_app
from baogong.auth.models import Role
from baogong.auth.service import create_user
from baogong.db import session_factory, unit_of_work
from baogong.ledger import stock
from baogong.ledger.models import Enterprise, Qualification, Site
from baogong.sample.generator import Size, generate
from baogong.sample.load import load
from tests.conftest import _wipe
from tests.data import workbooks

PASSWORD = "ledger-test-pw"


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """The app on the small city with a command account and one enterprise account."""
    _wipe(engine)
    with unit_of_work(session_factory(engine)) as s:
        load(s, generate(9, Size.SMALL))
        ent = s.scalars(select(Enterprise).where(
            Enterprise.qualification == Qualification.VERIFIED).order_by(Enterprise.id)).first()
        assert ent is not None
        create_user(s, username="boss", role=Role.COMMAND, password=PASSWORD)
        create_user(s, username="shop", role=Role.ENTERPRISE, password=PASSWORD,
                    org=ent.credit_code)
    with TestClient(create_app(engine, watch_s=3600)) as c:
        yield c
    _wipe(engine)


def _auth(client: TestClient, user: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": user, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _sites(engine: Engine, credit: str | None = None) -> tuple[str, str]:
    with session_factory(engine)() as s:
        ent = s.scalars(select(Enterprise).where(
            Enterprise.qualification == Qualification.VERIFIED).order_by(Enterprise.id)).first()
        assert ent is not None
        own = s.scalars(select(Site.code).where(Site.enterprise_id == ent.id)
                        .order_by(Site.code)).first()
        other = s.scalars(select(Site.code).where(Site.enterprise_id != ent.id)
                          .order_by(Site.code)).first()
        assert own and other
        return own, other


def test_upload_broken_workbook_reports_problems_and_writes_nothing(
    client: TestClient, tmp_path: Path,
) -> None:
    """A broken upload comes back with every problem located and written false."""
    path = workbooks.broken(tmp_path / "broken.xlsx")
    with path.open("rb") as fh:
        r = client.post("/api/v1/imports", headers=_auth(client, "boss"),
                        files={"file": ("broken.xlsx", fh)})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["written"] is False
    assert {"sheet": "库存", "row": 4, "column": "商品编码"} in [
        {k: p[k] for k in ("sheet", "row", "column")} for p in body["problems"]]


def test_upload_good_workbook_then_dry_run_changes_nothing(client: TestClient,
                                                           tmp_path: Path) -> None:
    """A clean upload is written; a dry run of the same file reports it all unchanged."""
    path = workbooks.messy(tmp_path / "messy.xlsx")
    boss = _auth(client, "boss")
    with path.open("rb") as fh:
        first = client.post("/api/v1/imports", headers=boss, files={"file": ("m.xlsx", fh)})
    assert first.json()["written"] is True, first.text
    with path.open("rb") as fh:
        again = client.post("/api/v1/imports", params={"dry_run": True}, headers=boss,
                            files={"file": ("m.xlsx", fh)}).json()
    assert again["written"] is False and again["dry_run"] is True
    assert all(t["created"] == t["updated"] == 0 for t in again["tallies"].values())


def test_only_the_command_centre_imports(client: TestClient, tmp_path: Path) -> None:
    """An enterprise account may not upload a ledger."""
    path = workbooks.messy(tmp_path / "messy.xlsx")
    with path.open("rb") as fh:
        r = client.post("/api/v1/imports", headers=_auth(client, "shop"),
                        files={"file": ("m.xlsx", fh)})
    assert r.status_code == 403


def test_enterprise_reports_counts_for_its_own_sites_only(client: TestClient,
                                                          engine: Engine) -> None:
    """A count in 吨 books the difference at an own site; another firm's site is not found."""
    own, other = _sites(engine)
    shop = _auth(client, "shop")
    with session_factory(engine)() as s:
        before = stock.balance(s, site_code=own, product_code="rice-2.5kg")
    r = client.post(f"/api/v1/sites/{own}/counts", headers=shop,
                    json={"product": "rice-2.5kg", "quantity": "0.5", "unit": "吨"})
    assert r.status_code == 200, r.text
    assert Decimal(r.json()["counted"]) == Decimal(200)
    assert Decimal(r.json()["adjustment"]) == Decimal(200) - before
    history = client.get(f"/api/v1/sites/{own}/movements", headers=shop).json()
    assert history[0]["kind"] == "adjustment" and history[0]["by"] == "shop"
    assert client.post(f"/api/v1/sites/{other}/counts", headers=shop,
                       json={"product": "rice-2.5kg", "quantity": 1}).status_code == 404


def test_suspending_a_supplier_is_audited(client: TestClient, engine: Engine) -> None:
    """Suspension needs a reason, changes the status and shows up in the audit trail."""
    with session_factory(engine)() as s:
        credit = s.scalars(select(Enterprise.credit_code).order_by(Enterprise.id)).first()
    boss = _auth(client, "boss")
    url = f"/api/v1/enterprises/{credit}/qualification"
    assert client.post(url, headers=boss, json={"action": "suspend"}).status_code == 400
    r = client.post(url, headers=boss, json={"action": "suspend", "reason": "假冒商品"})
    assert r.json()["qualification"] == "suspended"
    trail = client.get("/api/v1/audit", params={"entity": "enterprise", "key": credit},
                       headers=boss).json()["items"]
    assert trail[0]["action"] == "suspend" and trail[0]["actor"] == "boss"
    assert trail[0]["after"]["qualification"] == "suspended"
    by_boss = client.get("/api/v1/audit", params={"actor": "boss"}, headers=boss).json()
    assert by_boss["total"] >= 1 and {e["actor"] for e in by_boss["items"]} == {"boss"}
    nobody = client.get("/api/v1/audit", params={"actor": "nobody"}, headers=boss).json()
    assert nobody["total"] == 0 and nobody["items"] == []
    assert client.get("/api/v1/audit", headers=_auth(client, "shop")).status_code == 403
