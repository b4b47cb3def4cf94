"""The routing benchmark runs end to end in a tiny mode."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).parents[3] / "bench" / "routing.py"
DATA = Path(__file__).parents[2] / "data" / "routing"


def load_bench() -> ModuleType:
    """Import bench/routing.py (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_routing", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_bench_tiny_mode() -> None:
    """Both solvers report a cost and a gap on a tiny instance; a small district is routed."""
    # A process of its own: OR-Tools cannot load once highspy is in the process.
    args = ["--dir", str(DATA), "--instances", "tiny_cvrp", "--time-limits", "0.5",
            "--district-stops", "40", "--district-time", "1"]
    done = subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    row = next(line for line in out.splitlines() if line.startswith("| tiny_cvrp"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[4] == "60" and cells[5] == "0.00%"  # PyVRP at the optimum
    assert cells[6] != "-"  # OR-Tools found a solution too
    assert "| synthetic Baiyun | 40 |" in out


def test_district_problem_is_well_formed() -> None:
    """The synthetic district has 8 depots, cold-chain vans and stops inside 07:00-12:00."""
    bench = load_bench()
    problem = bench.district_problem(100)
    assert len(problem.depots) == 8 and len(problem.stops) == 100
    assert any(vt.cold_chain for vt in problem.vehicle_types)
    assert all(s.window == (420, 720) for s in problem.stops)
