"""Import a ledger workbook: parse, check, write (or not), and report every problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from baogong.adapters.excel import OpenpyxlReader, RawSheet, WorkbookError, WorkbookReader
from baogong.audit.service import Actor
from baogong.i18n import N_
from baogong.ledger.excel import apply_stock
from baogong.ledger.excel.apply import APPLIERS, Context, Tally
from baogong.ledger.excel.parse import Problem, parse_workbook
from baogong.ledger.service import seed_categories
from baogong.types import Progress


def _quiet(_label: str, _n: int) -> None:
    return None


@dataclass
class ImportReport:
    """The outcome: per-sheet tallies, every problem, and whether anything was written."""

    file_name: str
    problems: list[Problem] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=dict)
    written: bool = False

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop an all-or-nothing import (warnings excluded)."""
        return [p for p in self.problems if not p.warning]


def read(path: Path, reader: WorkbookReader | None = None,
         step: Progress = _quiet) -> list[RawSheet] | Problem:
    """The raw sheets of a file, or the problem that it cannot be read."""
    if not path.exists():
        return Problem(path.name, None, "", None, N_("no such file"))
    step(N_("Reading the workbook"), max(1, path.stat().st_size // 20))
    try:
        return (reader or OpenpyxlReader()).read(path, progress=lambda n: step("", 0))
    except WorkbookError as err:
        return Problem(path.name, None, "", None, N_("not an .xlsx workbook: {error}"),
                       {"error": str(err)})


def import_sheets(session: Session, raw: list[RawSheet], *, file_name: str, actor: Actor,
                  skip_invalid: bool = False, step: Progress = _quiet) -> ImportReport:
    """Parse and apply; the caller commits only if `report.written` is True.

    All-or-nothing by default: any error and nothing is to be written. With skip_invalid,
    valid rows are written and the others reported.
    """
    report = ImportReport(file_name)
    parsed, problems = parse_workbook(raw)
    report.problems.extend(problems)
    seed_categories(session)
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
    report.written = skip_invalid or not report.errors
    return report
