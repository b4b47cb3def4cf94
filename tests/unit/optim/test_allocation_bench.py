"""The allocation benchmark runs end to end in its tiny mode (so the bench code cannot rot)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).parents[3] / "bench" / "allocation.py"


def load_bench() -> ModuleType:
    """Import bench/allocation.py (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_allocation", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _table(out: str) -> dict[str, tuple[float, float]]:
    """The comparison table: metric -> (ours, greedy)."""
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("metric", "---"):
            try:
                rows[cells[0]] = (float(cells[1].replace(",", "")),
                                  float(cells[2].replace(",", "")))
            except ValueError:
                continue
    return rows


def test_bench_tiny_mode(capsys: pytest.CaptureFixture[str]) -> None:
    """`--size tiny` prints its figures, and they say what the allocator promises: as much
    served as the greedy, no priority kg unmet, a fairer lowest fill rate, fewer kg x km, and
    LP gaps within rounding."""
    assert load_bench().main(["--size", "tiny"]) == 0
    out = capsys.readouterr().out
    assert "60 communities x 12 sites x 4 products" in out
    table = _table(out)
    served, greedy_served = table["served kg"]
    assert served >= greedy_served * 0.999 and served > 0
    assert table["priority kg unmet"][0] == 0
    assert table["lowest fill rate"][0] > table["lowest fill rate"][1]
    assert table["kg·km"][0] < table["kg·km"][1]
    gaps = re.search(r"gap to LP bound: priority kg (\S+), served kg (\S+), min fill (\S+) "
                     r"\(abs\), kg·km (\S+)", out)
    assert gaps is not None
    assert all(float(g.rstrip(",")) < 1e-2 for g in gaps.groups()), gaps.groups()
