"""The min-cost-flow workers: forked or spawned, same plan; no process left behind."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from baogong.optim.allocation import Options, Problem, Result, solve, solver, workers

BENCH = Path(__file__).parents[3] / "bench"

# Runs in a fresh interpreter (no HiGHS loaded yet, one thread): the workers are forked.
_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
from allocation import make_problem
from baogong.optim.allocation import Options, solve
from test_allocation_workers import digest
res = solve(make_problem(300, 40, 5, seed=7, options=Options(method="network")))
print(res.summary.workers, digest(res))
"""


def digest(result: Result) -> str:
    """A fingerprint of the flows of a plan."""
    h = hashlib.sha256()
    for arr in (result.flow_site, result.flow_comm, result.flow_prod, result.flow_qty,
                result.flow_pri, np.round(result.flow_km, 9)):
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def _problem() -> Problem:
    sys.path.insert(0, str(BENCH))
    try:
        from allocation import make_problem
    finally:
        sys.path.remove(str(BENCH))
    problem: Problem = make_problem(300, 40, 5, seed=7, options=Options(method="network"))
    return problem


def _children() -> list[int]:
    """Live child processes of this process (zombies included)."""
    me = str(os.getpid())
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            out.append(int(entry.name))
    return out


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_forked_and_spawned_workers_give_the_same_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh process forks its workers; one that already ran HiGHS spawns them: same plan."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).parent), *filter(None, [os.environ.get("PYTHONPATH")])])}
    out = subprocess.run([sys.executable, "-c", _SCRIPT, str(BENCH)], check=True,
                         capture_output=True, text=True, env=env).stdout.split()
    assert out[0] == "fork"
    monkeypatch.setattr(workers, "fork_safe", lambda: False)
    res = solve(_problem())
    assert res.summary.workers == "spawn"
    assert not res.violations()
    assert digest(res) == out[1]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("fork", [True, False])
def test_failure_before_the_flows_leaves_no_worker(monkeypatch: pytest.MonkeyPatch,
                                                   fork: bool) -> None:
    """The workers start before the aggregate LP; if it fails they are stopped and reaped."""
    def boom(*_args: object, **_kwargs: object) -> None:
        raise ValueError("boom")

    before = set(_children())
    monkeypatch.setattr(workers, "fork_safe", lambda: fork)
    monkeypatch.setattr(solver, "solve_aggregate", boom)
    with pytest.raises(ValueError, match="boom"):
        solve(_problem())
    assert set(_children()) <= before


# Runs in a fresh interpreter so that the forked workers see the patched limits.
_PRICING = """
import sys
sys.path.insert(0, sys.argv[1])
from allocation import make_problem
from baogong.optim.allocation import Options, solve
from baogong.optim.allocation import network
network.PRICE_CELLS = network.WIDE_CELLS = 0  # every product counts as large (as on the city)
network.LARGE_PRICE_ROUNDS = int(sys.argv[2])
res = solve(make_problem(300, 40, 5, seed=7, options=Options(method="network")))
assert not res.violations()
print(res.summary.kg_km, res.summary.proven_products)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_large_products_get_a_pricing_round() -> None:
    """One pricing round lowers a large product's kg x km most of the way to the optimum
    that pricing to the end proves."""
    got = {}
    for rounds in (0, 1, 100):
        out = subprocess.run([sys.executable, "-c", _PRICING, str(BENCH), str(rounds)],
                             check=True, capture_output=True, text=True).stdout.split()
        got[rounds] = (float(out[0]), int(out[1]))
    assert got[100][1] == 5 and got[0][1] == 0
    assert got[100][0] <= got[1][0] < got[0][0]
    assert got[1][0] - got[100][0] < 0.1 * (got[0][0] - got[100][0])
