"""`baogong import`, `template` and `export` as a user runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.data import workbooks

pytestmark = pytest.mark.slow  # the installed command in subprocesses, the sample city each

BAOGONG = shutil.which("baogong", path=str(Path(sys.executable).parent)) or "baogong"


def _run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BAOGONG_DATABASE_URL": url}
    env.pop("BAOGONG_LANG", None)
    return subprocess.run([BAOGONG, *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False)


def _ledger(url: str, path: Path) -> list[list[object]]:
    """Every cell of an export of the database (stock dates aside)."""
    assert _run(url, "export", "ledger", "-o", str(path)).returncode == 0
    wb = load_workbook(path)
    return [[c.value for c in row] for ws in wb.worksheets for row in ws.iter_rows()]


def test_broken_file_fails_in_chinese_and_writes_nothing(tmp_path: Path) -> None:
    """A broken workbook exits 1, names sheet, row and column in Chinese, and stores nothing."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert _run(url, "sample", "load", "--size", "small").returncode == 0
    before = _ledger(url, tmp_path / "before.xlsx")
    proc = _run(url, "import", str(workbooks.broken(tmp_path / "broken.xlsx")))
    assert proc.returncode == 1
    assert "工作表 库存 第 3 行 数量" in proc.stderr
    assert "N96" in proc.stderr
    assert _ledger(url, tmp_path / "after.xlsx") == before


def test_dry_run_writes_nothing_and_english_on_request(tmp_path: Path) -> None:
    """--dry-run checks a good file without writing; --lang en reports in English."""
    url = f"sqlite:///{tmp_path / 'b.db'}"
    assert _run(url, "sample", "load", "--size", "small").returncode == 0
    messy = workbooks.messy(tmp_path / "messy.xlsx")
    assert _run(url, "import", "--dry-run", str(messy)).returncode == 0
    sites = {row[0] for row in _ledger(url, tmp_path / "x.xlsx")}
    assert "XS01" not in sites
    assert _run(url, "import", str(messy)).returncode == 0
    assert "XS01" in {row[0] for row in _ledger(url, tmp_path / "y.xlsx")}
    proc = _run(url, "--lang", "en", "import", str(workbooks.broken(tmp_path / "br.xlsx")))
    assert proc.returncode == 1
    assert "sheet 库存 row 3 column 数量" in proc.stderr


def test_blank_template_imports_nothing_and_large_changes_need_yes(tmp_path: Path) -> None:
    """The blank template changes nothing and says its example rows were skipped; an import
    changing every compound exits 1 naming the counts until --yes is given."""
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert _run(url, "sample", "load", "--size", "small").returncode == 0
    before = _ledger(url, tmp_path / "before.xlsx")
    template = tmp_path / "template.xlsx"
    assert _run(url, "template", "ledger", "-o", str(template)).returncode == 0
    proc = _run(url, "import", str(template))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("模板示例行，未导入") == 8
    assert _ledger(url, tmp_path / "after.xlsx") == before
    edited = tmp_path / "edited.xlsx"
    assert _run(url, "export", "ledger", "-o", str(edited)).returncode == 0
    wb = load_workbook(edited)
    ws = wb["小区"]
    col = [c.value for c in ws[1]].index("户数") + 1
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col).value += 1
    wb.save(edited)
    proc = _run(url, "import", str(edited))
    assert proc.returncode == 1 and "--yes" in proc.stderr and "小区" in proc.stderr
    assert _ledger(url, tmp_path / "still.xlsx") == before
    assert _run(url, "import", "--yes", str(edited)).returncode == 0
    assert _ledger(url, tmp_path / "changed.xlsx") != before
