"""Workbooks in and out: openpyxl behind a small interface, with a fake for tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

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
    """The file is not a workbook we can read."""


class WorkbookReader(Protocol):
    """Reads every sheet of a workbook."""

    def read(self, path: Path, progress: Progress | None = None) -> list[RawSheet]:
        """The sheets in workbook order."""
        ...


class OpenpyxlReader:
    """Reads .xlsx files with openpyxl."""

    def read(self, path: Path, progress: Progress | None = None) -> list[RawSheet]:
        """The sheets of an .xlsx file, merged cells filled."""
        try:
            wb = openpyxl.load_workbook(path, data_only=True)
        except (InvalidFileException, OSError, KeyError, ValueError) as exc:
            raise WorkbookError(str(exc)) from exc
        out = []
        done = 0
        for ws in wb.worksheets:
            fill: dict[tuple[int, int], Any] = {}
            for rng in ws.merged_cells.ranges:
                value = ws.cell(rng.min_row, rng.min_col).value
                for r in range(rng.min_row, rng.max_row + 1):
                    for c in range(rng.min_col, rng.max_col + 1):
                        fill[(r, c)] = value
            sheet = RawSheet(ws.title)
            for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
                row = list(values)
                if fill:
                    for c in range(len(row)):
                        if (r, c + 1) in fill:
                            row[c] = fill[(r, c + 1)]
                if any(v is not None and str(v).strip() != "" for v in row):
                    sheet.rows.append((r, row))
                done += 1
                if progress and done % 5000 == 0:
                    progress(done)
            out.append(sheet)
        wb.close()
        if progress:
            progress(done)
        return out

