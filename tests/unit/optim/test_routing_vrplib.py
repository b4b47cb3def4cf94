"""VRPLIB mode: reading conventions, cost in the instance's units, client numbers as ids."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from baogong.delivery.route_commands import register
from baogong.optim.routing.vrplib import best_known, rounding_for, solve_vrplib

DATA = Path(__file__).parents[2] / "data" / "routing"


def test_rounding_follows_the_instance_family(tmp_path: Path) -> None:
    """CVRP rounds, VRPTW uses the DIMACS convention, multi-depot PR instances are exact."""
    assert rounding_for(DATA / "tiny_cvrp.vrp") == "round"
    assert rounding_for(DATA / "tiny_vrptw.vrp") == "dimacs"
    md = tmp_path / "PR01.vrp"
    md.write_text("NAME: PR01\nTYPE: MDVRPTW\nDIMENSION: 3\n", "utf-8")
    assert rounding_for(md) == "exact"


def test_tiny_cvrp_reaches_its_optimum() -> None:
    """The tiny CVRP is solved to its known optimum 60, every client once, capacity kept."""
    result = solve_vrplib(DATA / "tiny_cvrp.vrp", time_limit_s=1, max_iterations=300)
    assert result.feasible
    assert result.cost == 60
    assert best_known(DATA / "tiny_cvrp.vrp") == 60
    ids = sorted(cid for r in result.routes for cid, _, _ in r.stops)
    assert ids == [1, 2, 3, 4, 5]
    for route in result.routes:
        assert sum(load for _, _, load in route.stops) <= 10


def test_tiny_vrptw_meets_windows_in_instance_units() -> None:
    """With DIMACS rounding, arrivals are reported in the instance's own time units."""
    result = solve_vrplib(DATA / "tiny_vrptw.vrp", time_limit_s=1, max_iterations=300)
    assert result.feasible and result.rounding == "dimacs"
    windows = {1: (0, 10), 2: (20, 30), 3: (40, 50), 4: (5, 15)}
    for route in result.routes:
        for cid, arrival, _ in route.stops:
            lo, hi = windows[cid]
            assert lo <= arrival <= hi
    assert result.cost is not None and result.cost >= 20  # at least 4 x 5 out and back


def test_cli_vrplib_writes_cost_and_gap(tmp_path: Path) -> None:
    """`route --vrplib` writes summary.cost and, with a .sol next to it, the gap."""
    main = typer.Typer()

    @main.callback()
    def _root() -> None:
        pass

    register(main)
    out = tmp_path / "routes.json"
    result = CliRunner().invoke(
        main,
        [
            "route",
            "--vrplib",
            str(DATA / "tiny_cvrp.vrp"),
            "--output",
            str(out),
            "--time-limit",
            "0.5",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(out.read_text("utf-8"))["summary"]
    assert summary["cost"] == 60 and summary["best_known"] == 60 and summary["gap_pct"] == 0
