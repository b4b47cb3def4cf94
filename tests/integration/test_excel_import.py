"""Importing ledger workbooks on both backends: mess is cleaned, breakage reported precisely,
nothing half-written, imports idempotent, export and import round-trip."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from baogong.audit.models import AuditEntry, Source
from baogong.audit.service import Actor
from baogong.db import unit_of_work
from baogong.ledger import stock
from baogong.ledger.excel import importer
from baogong.ledger.excel.export import export_ledger, write_template
from baogong.ledger.models import Enterprise, Site, StockBalance, StockMovement
from baogong.regions.models import Region
from baogong.sample.generator import Size, generate
from baogong.sample.load import load
from tests.data import workbooks

ACTOR = Actor("tester", Source.FILE)


@pytest.fixture
def city(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """The small sample city, committed."""
    with unit_of_work(factory) as s:
        load(s, generate(9, Size.SMALL))
    return factory


def _import(factory: sessionmaker[Session], path: Path,
            skip_invalid: bool = False) -> importer.ImportReport:
    raw = importer.read(path)
    assert not isinstance(raw, importer.Problem)
    with factory() as s:
        report = importer.import_sheets(s, raw, file_name=path.name, actor=ACTOR,
                                        skip_invalid=skip_invalid)
        if report.written:
            s.commit()
        else:
            s.rollback()
    return report


def _counts(factory: sessionmaker[Session]) -> tuple[int, ...]:
    with factory() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) or 0 for m in (
            Enterprise, Site, Region, StockMovement, StockBalance, AuditEntry))


def test_messy_workbook_is_cleaned_and_imported(city: sessionmaker[Session],
                                                tmp_path: Path) -> None:
    """Title rows, variants, merged and full-width cells and units all import correctly."""
    report = _import(city, workbooks.messy(tmp_path / "messy.xlsx"))
    assert [p.text() for p in report.errors] == []
    with city() as s:
        ent = s.scalar(select(Enterprise).where(
            Enterprise.credit_code == workbooks.GOOD_CREDIT))
        assert ent is not None and ent.name == "新穗鲜超市有限公司" and ent.key_supply
        assert ent.phone == "13800001234" and ent.contact_name == "陈 明"
        xs01 = s.scalar(select(Site).where(Site.code == "XS01"))
        xs02 = s.scalar(select(Site).where(Site.code == "XS02"))
        assert xs01 is not None and xs01.capacity_kg == Decimal(2000) and xs01.lat == 23.19
        assert xs02 is not None and xs02.enterprise_id == ent.id  # merged credit-code cell
        assert stock.balance(s, site_code="XS01", product_code="rice-5kg") == Decimal(400)
        assert stock.balance(s, site_code="XS01", product_code="mask-n95") == Decimal(60)
        assert stock.balance(s, site_code="XS02", product_code="rice-5kg") == Decimal(120)
        assert stock.ledger_mismatches(s) == []


def test_importing_twice_changes_nothing(city: sessionmaker[Session], tmp_path: Path) -> None:
    """The second import of the same file creates, updates and books nothing."""
    path = workbooks.messy(tmp_path / "messy.xlsx")
    _import(city, path)
    before = _counts(city)
    report = _import(city, path)
    assert all(t.created == t.updated == 0 for t in report.tallies.values())
    assert _counts(city) == before


def test_broken_workbook_reports_each_problem_and_writes_nothing(
    city: sessionmaker[Session], tmp_path: Path,
) -> None:
    """Every breakage is named by sheet, row and column, and the database is untouched."""
    before = _counts(city)
    report = _import(city, workbooks.broken(tmp_path / "broken.xlsx"))
    found = {(p.sheet, p.row, p.column) for p in report.errors}
    assert ("企业", 2, "统一社会信用代码") in found
    assert ("站点", 1, "") in found  # missing column 纬度
    assert ("小区", 2, "户数") in found  # 很多 is not a number
    assert ("小区", 4, "小区编码") in found  # duplicate of row 3
    assert ("库存", 2, "站点编码") in found  # unknown site
    assert ("库存", 3, "数量") in found  # negative
    assert ("库存", 4, "商品编码") in found  # N96 does not exist
    assert not report.written
    assert _counts(city) == before
    texts = " | ".join(p.text() for p in report.errors)
    assert "纬度" in texts and "很多" in texts and "N96" in texts


def test_skip_invalid_writes_only_the_valid_rows(city: sessionmaker[Session],
                                                 tmp_path: Path) -> None:
    """With skip_invalid the one valid compound row is written and the rest reported."""
    report = _import(city, workbooks.broken(tmp_path / "broken.xlsx"), skip_invalid=True)
    assert report.written and report.errors
    with city() as s:
        assert s.scalar(select(Region).where(Region.code == "440111016001-10")) is not None
        assert s.scalar(select(Region).where(Region.code == "440111016001-09")) is None
        assert stock.ledger_mismatches(s) == []


def test_export_then_import_changes_nothing(city: sessionmaker[Session], tmp_path: Path) -> None:
    """Exporting every ledger and importing it back finds every row unchanged."""
    path = tmp_path / "ledger.xlsx"
    with city() as s:
        counts = export_ledger(s, path)
    before = _counts(city)
    report = _import(city, path)
    assert report.errors == []
    for name, tally in report.tallies.items():
        assert (tally.created, tally.updated, tally.skipped) == (0, 0, 0), name
        assert tally.unchanged == counts[name], name
    assert _counts(city) == before


def test_every_change_is_audited_with_file_and_row(city: sessionmaker[Session],
                                                   tmp_path: Path) -> None:
    """Each imported change records who, the file and row, and the values before and after."""
    _import(city, workbooks.messy(tmp_path / "messy.xlsx"))
    with city() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.entity == "site",
                                                  AuditEntry.entity_key == "XS01"))
        assert entry is not None and entry.actor == "tester"
        assert entry.source_ref == "messy.xlsx 站点!3"
        assert entry.before is None and entry.after is not None
        assert entry.after["capacity_kg"] == "2000"
        count = s.scalar(select(AuditEntry).where(AuditEntry.entity == "stock",
                                                  AuditEntry.entity_key == "XS02/rice-5kg"))
        assert count is not None and count.after == {"quantity": "120.000"}


def test_template_has_every_sheet_and_imports_its_examples(tmp_path: Path) -> None:
    """The template carries the eight sheets, a notes sheet and an example row in each."""
    from openpyxl import load_workbook

    path = tmp_path / "template.xlsx"
    write_template(path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["企业", "站点", "商品", "库存", "社区", "小区", "车辆", "志愿者",
                             "说明"]
    for name in wb.sheetnames[:-1]:
        assert wb[name].max_row == 2, name
    assert wb["企业"].data_validations.dataValidation  # drop-downs for the enumerations
    headers = [c.value for c in wb["企业"][1]]
    assert headers[:7] == ["企业名称", "统一社会信用代码", "企业类型", "重点保供企业", "联系人",
                           "联系电话", "地址"]
