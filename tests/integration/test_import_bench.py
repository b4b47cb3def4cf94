"""The import benchmark runs end to end at a tiny size (so its code cannot rot)."""

import runpy
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "import.py"


def test_import_bench_tiny(capsys: object) -> None:
    """bench/import.py imports 300 generated stock rows and prints rows per second."""
    module = runpy.run_path(str(BENCH))
    result = module["run"](300, None)
    assert result["rows_per_s"] > 0 and result["total_s"] >= result["floor_s"] * 0.5
