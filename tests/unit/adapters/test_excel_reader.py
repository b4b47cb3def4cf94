"""Reading workbooks within limits: a small hostile file neither exhausts memory nor crashes."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest
from tests.data import workbooks

from baogong.adapters.excel import Limits, OpenpyxlReader, WorkbookError


def test_a_far_cell_is_read_without_allocating_the_empty_rows(tmp_path: Path) -> None:
    """A cell at J100000 costs a few MB to read, not the hundreds a full sheet grid takes."""
    path = workbooks.far_cell(tmp_path / "far.xlsx")
    assert path.stat().st_size < 10_000
    tracemalloc.start()
    try:
        sheets = OpenpyxlReader().read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    assert [number for number, _ in sheets[0].rows] == [1, 100000]
    assert sheets[0].rows[1][1][9] == "x"


def test_rows_beyond_the_limit_are_refused_naming_sheet_row_and_limit(tmp_path: Path) -> None:
    """With a limit of 1,000 rows the far cell is refused, naming the sheet, row and limit."""
    path = workbooks.far_cell(tmp_path / "far.xlsx")
    with pytest.raises(WorkbookError) as err:
        OpenpyxlReader(Limits(rows=1000)).read(path)
    assert err.value.params == {"sheet": "库存", "row": 100000, "limit": 1000}
    assert "BAOGONG_IMPORT_MAX_ROWS" in str(err.value)


def test_columns_beyond_the_limit_are_refused(tmp_path: Path) -> None:
    """With a limit of 5 columns the cell in column J is refused, naming the column."""
    path = workbooks.far_cell(tmp_path / "far.xlsx")
    with pytest.raises(WorkbookError) as err:
        OpenpyxlReader(Limits(columns=5)).read(path)
    assert err.value.params["column"] == "J" and err.value.params["sheet"] == "库存"


def test_a_merged_range_to_the_last_cell_is_refused(tmp_path: Path) -> None:
    """A merged range A2:XFD1048576 is refused by the merged-cell limit, quickly and cheaply."""
    path = workbooks.huge_merge(tmp_path / "merge.xlsx")
    tracemalloc.start()
    try:
        with pytest.raises(WorkbookError) as err:
            OpenpyxlReader().read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024
    assert err.value.params == {"sheet": "站点", "limit": Limits().merged_cells}


def test_merged_ranges_within_the_limits_fill_every_cell(tmp_path: Path) -> None:
    """A merged range within the limits carries its value into every cell it covers."""
    path = workbooks.huge_merge(tmp_path / "merge.xlsx", ref="B2:C4")
    rows = dict(OpenpyxlReader().read(path)[0].rows)
    assert rows[2] == ["S1", "一号店", "一号店"]
    assert rows[3] == rows[4] == [None, "一号店", "一号店"]


@pytest.mark.parametrize("data", [b"", b"station,product\n", b"PK\x03\x04" + bytes(range(256)) * 8])
def test_bytes_that_are_no_workbook_are_a_workbook_error(tmp_path: Path, data: bytes) -> None:
    """An empty file, a text file and random bytes behind the zip magic are refused clearly."""
    path = tmp_path / "x.xlsx"
    path.write_bytes(data)
    with pytest.raises(WorkbookError) as err:
        OpenpyxlReader().read(path)
    assert err.value.message == "not an .xlsx workbook: {error}"
