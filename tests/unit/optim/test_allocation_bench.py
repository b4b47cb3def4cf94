"""The allocation benchmark runs end to end in its tiny mode (so the bench code cannot rot)."""

from __future__ import annotations

import importlib.util
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


def test_bench_tiny_mode(capsys: pytest.CaptureFixture[str]) -> None:
    """`--size tiny` prints wall time, memory, LP gaps and the ratios against the greedy."""
    assert load_bench().main(["--size", "tiny"]) == 0
    out = capsys.readouterr().out
    for text in ("### tiny", "wall time", "peak memory", "gap to LP bound", "raw solver time",
                 "| served kg |", "| lowest fill rate |", "| kg·km |"):
        assert text in out
