"""Workbooks in and out: openpyxl behind a small interface, with a fake for tests."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from baogong.i18n import N_

Progress = Callable[[int], None]
"""Called with the number of rows read so far."""


@dataclass
class RawSheet:
    """The cell values of one sheet: (1-based row number, values) for each non-empty row.

    Cells of a merged range all carry the range's value, so a name merged down over the
    rows of its sites reads on every row.
    """

    name: str
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


class WorkbookError(Exception):
    """The file is not a workbook we can read, or it is beyond the reading limits.

    `message` is an English message id with `{placeholders}` filled from `params`.
    """

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message.format(**params))
        self.message, self.params = message, params


@dataclass(frozen=True)
class Limits:
    """What a workbook may hold, so that a small hostile file cannot exhaust memory."""

    rows: int = 300_000
    """Last row number of a sheet."""
    columns: int = 200
    """Last column number of a sheet."""
    merged_cells: int = 100_000
    """Cells covered by the merged ranges of a sheet."""
    unpacked_mb: int = 500
    """Size of the workbook's parts once unzipped."""


class WorkbookReader(Protocol):
    """Reads every sheet of a workbook."""

    def read(self, path: Path, progress: Progress | None = None) -> list[RawSheet]:
        """The sheets in workbook order."""
        ...


class OpenpyxlReader:
    """Reads .xlsx files with openpyxl, streaming (read-only mode) and within limits."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()

    def read(self, path: Path, progress: Progress | None = None) -> list[RawSheet]:
        """The sheets of an .xlsx file, merged cells filled."""
        try:
            with zipfile.ZipFile(path) as archive:
                unpacked = sum(i.file_size for i in archive.infolist())
            if unpacked > self.limits.unpacked_mb * 1024 * 1024:
                raise WorkbookError(N_("the workbook unpacks to {mb} MB; at most {limit} MB are "
                                       "read (BAOGONG_IMPORT_MAX_UNPACKED_MB)"),
                                    mb=unpacked // (1024 * 1024), limit=self.limits.unpacked_mb)
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                done = [0]
                out = [self._sheet(wb, ws, progress, done) for ws in wb.worksheets]
            finally:
                wb.close()
        except WorkbookError:
            raise
        except Exception as exc:  # whatever the bytes make openpyxl raise, the file is at fault
            raise WorkbookError(N_("not an .xlsx workbook: {error}"),
                                error=str(exc) or type(exc).__name__) from exc
        if progress:
            progress(done[0])
        return out

    def _sheet(self, wb: Any, ws: Any, progress: Progress | None, done: list[int]) -> RawSheet:
        """One sheet, row by row from its XML, refused as soon as it passes a limit."""
        limits = self.limits
        rows: dict[int, list[Any]] = {}
        # openpyxl's read-only sheets expose no merged ranges: parse the sheet XML with its
        # own streaming parser, which collects them after the rows.
        with ws._get_source() as src:
            parser = WorkSheetParser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                     date_formats=wb._date_formats,
                                     timedelta_formats=wb._timedelta_formats)
            for number, found in parser.parse():
                if number > limits.rows:
                    raise _too_many_rows(ws.title, number, limits)
                if not found:
                    continue
                width = max(c["column"] for c in found)
                if width > limits.columns:
                    raise _too_many_columns(ws.title, width, limits)
                row: list[Any] = [None] * width
                for c in found:
                    row[c["column"] - 1] = c["value"]
                rows[number] = row
                done[0] += 1
                if progress and done[0] % 5000 == 0:
                    progress(done[0])
        ranges = [CellRange(m.ref) for m in (parser.merged_cells.mergeCell
                                             if parser.merged_cells else [])]
        area = 0
        for rng in ranges:
            area += (rng.max_row - rng.min_row + 1) * (rng.max_col - rng.min_col + 1)
            if area > limits.merged_cells:
                raise WorkbookError(N_("merged cells of sheet {sheet} cover more than {limit} "
                                       "cells (BAOGONG_IMPORT_MAX_MERGED_CELLS)"),
                                    sheet=ws.title, limit=limits.merged_cells)
            if rng.max_row > limits.rows:
                raise _too_many_rows(ws.title, rng.max_row, limits)
            if rng.max_col > limits.columns:
                raise _too_many_columns(ws.title, rng.max_col, limits)
        for rng in ranges:
            top = rows.get(rng.min_row, [])
            value = top[rng.min_col - 1] if rng.min_col <= len(top) else None
            for r in range(rng.min_row, rng.max_row + 1):
                row = rows.setdefault(r, [])
                row.extend([None] * (rng.max_col - len(row)))
                for c in range(rng.min_col, rng.max_col + 1):
                    row[c - 1] = value
        sheet = RawSheet(ws.title)
        sheet.rows = [(r, values) for r, values in sorted(rows.items())
                      if any(v is not None and str(v).strip() != "" for v in values)]
        return sheet


def _too_many_rows(sheet: str, row: int, limits: Limits) -> WorkbookError:
    return WorkbookError(N_("sheet {sheet} reaches row {row}; at most {limit} rows are read "
                            "(BAOGONG_IMPORT_MAX_ROWS)"), sheet=sheet, row=row,
                         limit=limits.rows)


def _too_many_columns(sheet: str, column: int, limits: Limits) -> WorkbookError:
    return WorkbookError(N_("sheet {sheet} reaches column {column}; at most {limit} columns "
                            "are read (BAOGONG_IMPORT_MAX_COLUMNS)"), sheet=sheet,
                         column=get_column_letter(column), limit=limits.columns)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""How text starts that a spreadsheet may run as a formula (OWASP, CSV/formula injection)."""


def as_text(value: Any) -> Any:
    """A value to write into a cell: text that a spreadsheet could take for a formula gets a
    leading apostrophe, so that it stays text; numbers, dates and other text pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def from_text(value: str) -> str:
    """The text `as_text` wrote, without the apostrophe it added (for importing exports)."""
    if value[:1] == "'" and value[1:2] and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def append_row(ws: Worksheet, values: Iterable[Any]) -> None:
    """Append one row to a sheet, user text written as text (every export writes through this)."""
    ws.append([as_text(v) for v in values])
