"""Ledger imports that must not hurt, on both backends: the template's example rows are never
imported, large changes wait for confirmation, hostile or odd uploads get a 4xx, and an
import runs off the event loop."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from baogong.app import create_app
from baogong.audit.models import AuditEntry, Source
from baogong.audit.service import Actor
from baogong.auth.demo import DEMO_PASSWORD, create_demo_users
from baogong.db import session_factory, unit_of_work
from baogong.ledger.excel import importer
from baogong.ledger.excel.export import export_ledger, write_template
from baogong.ledger.models import Enterprise, Site, StockBalance, StockMovement
from baogong.regions.models import Region, RegionLevel
from baogong.sample.generator import Size, generate
from baogong.sample.load import load
from tests.conftest import _wipe
from tests.data import workbooks

ACTOR = Actor("tester", Source.FILE)


@pytest.fixture
def city(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """The small sample city with the demo accounts, committed; emptied afterwards."""
    _wipe(engine)
    factory = session_factory(engine)
    with unit_of_work(factory) as s:
        load(s, generate(9, Size.SMALL))
        create_demo_users(s)
    yield factory
    _wipe(engine)


@pytest.fixture
def client(city: sessionmaker[Session], engine: Engine) -> Iterator[TestClient]:
    """The app on the small city."""
    with TestClient(create_app(engine, login_limit=1000, watch_s=3600)) as c:
        yield c


def _token(client: TestClient) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": "command",
                                                "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _signin(client: TestClient) -> str:
    r = client.post("/login", data={"username": "command", "password": DEMO_PASSWORD},
                    headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"], headers={"Accept": "text/html"})
    m = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert m
    return m.group(1)


def _state(factory: sessionmaker[Session]) -> tuple[object, ...]:
    """Counts of the ledgers and the audit trail, and every compound's households."""
    with factory() as s:
        counts = tuple(s.scalar(select(func.count()).select_from(m)) for m in (
            Enterprise, Site, Region, StockMovement, StockBalance, AuditEntry))
        households = tuple(s.execute(select(Region.code, Region.households).where(
            Region.level == RegionLevel.COMPOUND).order_by(Region.code)))
    return counts, households


def _import(factory: sessionmaker[Session], path: Path,
            confirmed: bool = False) -> importer.ImportReport:
    raw = importer.read(path)
    assert not isinstance(raw, importer.Problem), raw
    with factory() as s:
        extra = {"confirmed": True} if confirmed else {}
        report = importer.import_sheets(s, raw, file_name=path.name, actor=ACTOR, **extra)
        s.commit() if report.written else s.rollback()
    return report


def _more_households(factory: sessionmaker[Session], path: Path) -> Path:
    """The city's own export with one more household in every compound."""
    with factory() as s:
        export_ledger(s, path)
    wb = load_workbook(path)
    ws = wb["小区"]
    col = [c.value for c in ws[1]].index("户数") + 1
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col).value += 1
    wb.save(path)
    return path


def test_the_blank_template_imports_nothing(city: sessionmaker[Session],
                                            tmp_path: Path) -> None:
    """The downloaded template imported as it is changes no record and says each example
    row was skipped."""
    path = tmp_path / "template.xlsx"
    write_template(path)
    before = _state(city)
    report = _import(city, path)
    assert report.errors == []
    assert _state(city) == before
    skipped = {p.sheet for p in report.problems
               if p.warning and p.message == "example row of the template, not imported"}
    assert skipped == {"企业", "站点", "商品", "库存", "社区", "小区", "车辆", "志愿者"}
    assert all(str(p.value).startswith("示例-") for p in report.problems if p.warning)


def test_a_large_change_waits_for_confirmation(city: sessionmaker[Session],
                                               tmp_path: Path) -> None:
    """Changing every compound is not written unless confirmed; the report names the counts."""
    path = _more_households(city, tmp_path / "ledger.xlsx")
    before = _state(city)
    report = _import(city, path)
    assert not report.written and report.unconfirmed
    changed, existing = report.large["小区"]
    assert changed == existing > 0
    assert f"小区: {changed} of {existing}" in report.large_text()
    assert _state(city) == before
    assert _import(city, path, confirmed=True).written
    assert _state(city) != before


def test_api_refuses_a_large_change_with_409_unless_confirmed(
    client: TestClient, city: sessionmaker[Session], tmp_path: Path,
) -> None:
    """POST /imports answers 409 naming the counts and writes nothing; confirm=true writes."""
    path = _more_households(city, tmp_path / "ledger.xlsx")
    auth = _token(client)
    before = _state(city)
    with path.open("rb") as fh:
        r = client.post("/api/v1/imports", headers=auth, files={"file": ("l.xlsx", fh)})
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "confirm" and "小区" in r.json()["error"]["message"]
    assert _state(city) == before
    with path.open("rb") as fh:
        r = client.post("/api/v1/imports", headers=auth, params={"confirm": True},
                        files={"file": ("l.xlsx", fh)})
    assert r.status_code == 200 and r.json()["written"] is True, r.text


def test_page_asks_for_confirmation_before_a_large_change(
    client: TestClient, city: sessionmaker[Session], tmp_path: Path,
) -> None:
    """The upload page shows a confirmation step and writes nothing until it is confirmed."""
    path = _more_households(city, tmp_path / "ledger.xlsx")
    csrf = _signin(client)
    before = _state(city)
    with path.open("rb") as fh:
        r = client.post("/ledgers/import", headers={"HX-Request": "true"},
                        data={"csrf_token": csrf}, files={"file": ("l.xlsx", fh)})
    assert r.status_code == 200 and 'id="import-confirm"' in r.text
    assert 'data-written="no"' in r.text and "小区" in r.text
    assert _state(city) == before
    with path.open("rb") as fh:
        r = client.post("/ledgers/import", headers={"HX-Request": "true"},
                        data={"csrf_token": csrf, "confirm": "true"},
                        files={"file": ("l.xlsx", fh)})
    assert 'data-written="yes"' in r.text and 'id="import-confirm"' not in r.text


LONG_NAME = "台账" * 50 + ".xlsx"
NOT_WORKBOOKS = {
    "text": ("ledger.xlsx", "站点编码,商品编码\n".encode()),
    "empty": ("ledger.xlsx", b""),
    "zip magic, then noise": ("ledger.xlsx", b"PK\x03\x04" + bytes(range(256)) * 8),
    "dot-dot name": ("..", b"PK\x03\x04" + bytes(64)),
    "long name, noise": (LONG_NAME, b"PK\x03\x04" + bytes(range(256)) * 8),
}


@pytest.mark.parametrize("case", list(NOT_WORKBOOKS))
def test_uploads_that_are_no_workbook_get_a_clear_400(client: TestClient, case: str) -> None:
    """A text file, an empty file, noise behind the zip magic or an odd name: 400 with a
    message saying what is wrong, on the API and the page alike."""
    name, data = NOT_WORKBOOKS[case]
    r = client.post("/api/v1/imports", headers=_token(client), files={"file": (name, data)})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["field"] == "file" and r.json()["error"]["message"]
    csrf = _signin(client)
    page = client.post("/ledgers/import", headers={"HX-Request": "true"},
                       data={"csrf_token": csrf}, files={"file": (name, data)})
    assert page.status_code == 400 and 'id="import-error"' in page.text, page.text


@pytest.mark.parametrize("name", ["..", "../../etc/passwd.xlsx", LONG_NAME])
def test_a_good_workbook_under_an_odd_name_is_no_server_error(
    client: TestClient, tmp_path: Path, name: str,
) -> None:
    """The client's file name is never a path: `..` is refused as not .xlsx, a path is cut to
    its base name, and a 100-character Chinese name imports."""
    data = workbooks.messy(tmp_path / "messy.xlsx").read_bytes()
    r = client.post("/api/v1/imports", headers=_token(client), files={"file": (name, data)})
    if name == "..":
        assert r.status_code == 400, r.text
    else:
        assert r.status_code == 200 and r.json()["written"] is True, r.text
        assert r.json()["file"] == Path(name).name


def test_a_hostile_workbook_is_refused_naming_sheet_and_limit(client: TestClient,
                                                              tmp_path: Path) -> None:
    """A merged range to XFD1048576 is a 400 naming the sheet and the limit, on both surfaces."""
    data = workbooks.huge_merge(tmp_path / "merge.xlsx").read_bytes()
    r = client.post("/api/v1/imports", headers=_token(client),
                    files={"file": ("merge.xlsx", data)})
    assert r.status_code == 400, r.text
    message = r.json()["error"]["message"]
    assert "站点" in message and "100000" in message.replace(",", ""), message
    csrf = _signin(client)
    page = client.post("/ledgers/import", headers={"HX-Request": "true"},
                       data={"csrf_token": csrf}, files={"file": ("merge.xlsx", data)})
    assert page.status_code == 400 and "站点" in page.text


def test_other_requests_are_served_while_an_import_runs(
    client: TestClient, engine: Engine, tmp_path: Path,
) -> None:
    """With the import held up by a lock in the database, the API still answers at once."""
    data = workbooks.messy(tmp_path / "messy.xlsx").read_bytes()
    auth = _token(client)
    client.get("/api/v1/openapi.json")
    result: list[httpx.Response] = []
    with engine.connect() as blocker:
        if engine.dialect.name == "postgresql":
            blocker.execute(text("BEGIN"))
            blocker.execute(text("LOCK TABLE product_categories IN ACCESS EXCLUSIVE MODE"))
        else:  # the connection's begin hook takes SQLite's write lock
            blocker.execute(text("SELECT 1"))
        importing = threading.Thread(target=lambda: result.append(client.post(
            "/api/v1/imports", headers=auth, files={"file": ("m.xlsx", data)})))
        importing.start()
        importing.join(1.0)
        assert importing.is_alive(), "the import should wait for the lock"
        served = threading.Event()
        other = threading.Thread(target=lambda: (client.get("/api/v1/openapi.json"),
                                                 served.set()))
        other.start()
        assert served.wait(5.0), "another request waited for the import"
        blocker.rollback()
    importing.join(30)
    other.join(30)
    assert result and result[0].status_code == 200, result
