"""Import a ledger workbook: parse, check, write (or not), and report every problem."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from baogong.adapters.excel import (
    Limits,
    OpenpyxlReader,
    RawSheet,
    WorkbookError,
    WorkbookReader,
)
from baogong.audit.service import Actor
from baogong.config import get_settings
from baogong.delivery.models import Vehicle
from baogong.i18n import N_, gettext
from baogong.ledger.excel import apply_stock
from baogong.ledger.excel.apply import APPLIERS, Context, Tally
from baogong.ledger.excel.parse import Problem, parse_workbook
from baogong.ledger.models import Enterprise, Product, Site, StockBalance
from baogong.ledger.service import seed_categories
from baogong.regions.models import Region, RegionLevel
from baogong.types import Progress, no_progress
from baogong.workforce.models import Volunteer

CONFIRM_SHARE = 0.10
"""An import that changes more than this share of a sheet's existing records needs a confirm."""


@dataclass
class ImportReport:
    """The outcome: per-sheet tallies, every problem, and whether anything was written."""

    file_name: str
    problems: list[Problem] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=dict)
    written: bool = False
    large: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Sheets whose import changes more than CONFIRM_SHARE of the existing records:
    sheet -> (records changed, records existing)."""
    unconfirmed: bool = False
    """True when nothing was written only because the large changes were not confirmed."""

    def large_text(self) -> str:
        """The large changes as one line: 站点 120 of 400, ..."""
        return "; ".join(gettext(N_("{sheet}: {changed} of {existing}")).format(
            sheet=k, changed=c, existing=e) for k, (c, e) in self.large.items())

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop an all-or-nothing import (warnings excluded)."""
        return [p for p in self.problems if not p.warning]


def limits() -> Limits:
    """The reading limits of this process (BAOGONG_IMPORT_MAX_*)."""
    s = get_settings()
    return Limits(rows=s.import_max_rows, columns=s.import_max_columns,
                  merged_cells=s.import_max_merged_cells, unpacked_mb=s.import_max_unpacked_mb)


def read(path: Path, reader: WorkbookReader | None = None, step: Progress = no_progress,
         name: str | None = None) -> list[RawSheet] | Problem:
    """The raw sheets of a file, or the problem that it cannot be read.

    `name` is the file's name in messages (an upload's own name, not its path on disk).
    """
    name = name or path.name
    if not path.is_file():
        return Problem(name, None, "", None, N_("no such file"))
    step(N_("Reading the workbook"), max(1, path.stat().st_size // 20))
    try:
        return (reader or OpenpyxlReader(limits())).read(path, progress=lambda n: step("", 0))
    except WorkbookError as err:
        return Problem(name, None, "", None, err.message, err.params)


def _existing(session: Session, sheets: Iterable[str]) -> dict[str, int]:
    """How many records each sheet's import could change, before the import."""
    tables: dict[str, Select[int]] = {
        "企业": select(func.count()).select_from(Enterprise),
        "站点": select(func.count()).select_from(Site),
        "商品": select(func.count()).select_from(Product),
        "库存": select(func.count()).select_from(StockBalance),
        "社区": select(func.count()).select_from(Region).where(
            Region.level == RegionLevel.COMMUNITY),
        "小区": select(func.count()).select_from(Region).where(
            Region.level == RegionLevel.COMPOUND),
        "车辆": select(func.count()).select_from(Vehicle),
        "志愿者": select(func.count()).select_from(Volunteer),
    }
    return {name: session.scalar(tables[name]) or 0 for name in sheets}


def import_sheets(session: Session, raw: list[RawSheet], *, file_name: str, actor: Actor,
                  skip_invalid: bool = False, confirmed: bool = False,
                  step: Progress = no_progress) -> ImportReport:
    """Parse and apply; the caller commits only if `report.written` is True.

    All-or-nothing by default: any error and nothing is to be written. With skip_invalid,
    valid rows are written and the others reported. Changing more than CONFIRM_SHARE of the
    existing records of any sheet is written only when confirmed.
    """
    report = ImportReport(file_name)
    parsed, problems = parse_workbook(raw)
    report.problems.extend(problems)
    seed_categories(session)
    existing = _existing(session, parsed)
    ctx = Context(session, actor, file_name, tallies=report.tallies)
    for name, sheet in parsed.items():
        report.tallies[name] = Tally(skipped=sum(
            1 for p in sheet.problems if p.row is not None and not p.warning))
    for name, apply in APPLIERS:
        if name in parsed:
            step(name, len(parsed[name].rows))
            apply(ctx, parsed[name])
            step("", len(parsed[name].rows))
    if "库存" in parsed:
        step("库存", len(parsed["库存"].rows))
        apply_stock.stock(ctx, parsed["库存"], advance=lambda n: step("", n))
    session.flush()
    report.problems.extend(ctx.problems)
    report.large = {name: (t.updated, existing[name]) for name, t in report.tallies.items()
                    if t.updated > CONFIRM_SHARE * existing[name]}
    report.written = skip_invalid or not report.errors
    if report.written and report.large and not confirmed:
        report.written, report.unconfirmed = False, True
    return report
