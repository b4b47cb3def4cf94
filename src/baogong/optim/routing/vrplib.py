"""Standard VRPLIB instances (CVRP, VRPTW, multi-depot VRPTW) solved with PyVRP.

The cost is reported in the instance family's own distance convention so it can be compared
with published best-known solutions:

* ``round``  - X set and other CVRP instances: Euclidean distance rounded to an integer;
* ``dimacs`` - Solomon / Homberger VRPTW: truncated to one decimal (scaled by 10 inside);
* ``exact``  - Cordeau / Vidal multi-depot instances: exact (scaled by 1000 inside).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyvrp import ProblemData, read, read_solution
from pyvrp import solve as pyvrp_solve

from baogong.optim.routing.budget import Budget
from baogong.optim.routing.model import ProgressFn

#: Rounding convention -> factor by which PyVRP's integer distances exceed the convention.
SCALE = {"round": 1, "trunc": 1, "dimacs": 10, "exact": 1000}


def _header(path: Path) -> dict[str, str]:
    spec: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if ":" not in line or line.strip().endswith("SECTION"):
                break
            key, _, value = line.partition(":")
            spec[key.strip().upper()] = value.strip().strip('"')
    return spec


def rounding_for(path: Path) -> str:
    """The rounding convention of an instance's family, from its header."""
    spec = _header(path)
    kind = spec.get("TYPE", "").upper()
    name = spec.get("NAME", path.stem).upper()
    if kind.startswith("MD") or re.match(r"^PR\d", name):
        return "exact"
    if "TW" in kind:
        return "dimacs"
    return "round"


def read_instance(path: Path, rounding: str | None = None) -> tuple[ProblemData, str]:
    """Read a VRPLIB file with PyVRP, using the family's convention unless one is given."""
    convention = rounding or rounding_for(path)
    if convention not in SCALE:
        raise ValueError(f"rounding {convention!r} not understood; use one of {list(SCALE)}")
    return read(str(path), round_func=convention), convention


@dataclass(frozen=True)
class VrplibRoute:
    """A route with the instance's location numbers (depots first, as in ``.sol`` files)."""

    vehicle: str
    depot: int
    stops: tuple[tuple[int, float, int], ...]  # (client number, service start, load)
    distance: float
    duration: float


@dataclass(frozen=True)
class VrplibResult:
    """Routes and the cost in the instance's own convention (``None`` if infeasible)."""

    instance: str
    rounding: str
    cost: float | None
    feasible: bool
    routes: tuple[VrplibRoute, ...]
    solve_s: float
    iterations: int
    num_clients: int

    @property
    def vehicles_used(self) -> int:
        """Number of routes."""
        return len(self.routes)

    def to_dict(self) -> dict[str, Any]:
        """The output JSON (same layout as the routing interface; ids are client numbers)."""
        return {
            "routes": [
                {
                    "vehicle": r.vehicle,
                    "depot": r.depot,
                    "stops": [
                        {"id": cid, "arrival": arrival, "load": load}
                        for cid, arrival, load in r.stops
                    ],
                    "distance": r.distance,
                    "duration": r.duration,
                }
                for r in self.routes
            ],
            "unassigned": [],
            "summary": {
                "instance": self.instance,
                "rounding": self.rounding,
                "cost": self.cost,
                "feasible": self.feasible,
                "vehicles_used": self.vehicles_used,
                "solve_s": round(self.solve_s, 3),
                "iterations": self.iterations,
            },
        }


def solve_vrplib(
    path: Path,
    time_limit_s: float,
    seed: int = 0,
    *,
    rounding: str | None = None,
    max_iterations: int | None = None,
    progress: ProgressFn | None = None,
) -> VrplibResult:
    """Solve one VRPLIB instance; the cost is in the instance's distance convention."""
    started = time.perf_counter()
    data, convention = read_instance(path, rounding)
    scale = SCALE[convention]
    res = pyvrp_solve(
        data, Budget(time_limit_s, max_iterations, progress), seed=seed, collect_stats=False
    )
    best = res.best
    clients = data.clients()
    routes = []
    for number, route in enumerate(best.routes(), start=1):
        stops = tuple(
            (
                int(clients[act.idx].location),
                act.start_time / scale,
                int(sum(clients[act.idx].delivery)),
            )
            for act in route.schedule()
            if act.is_client()
        )
        routes.append(
            VrplibRoute(
                vehicle=f"vehicle-{number}",
                depot=int(route.start_depot()),
                stops=stops,
                distance=route.distance() / scale,
                duration=route.duration() / scale,
            )
        )
    cost = res.cost()
    return VrplibResult(
        instance=path.stem,
        rounding=convention,
        cost=round(cost / scale, 6) if best.is_feasible() else None,
        feasible=bool(best.is_feasible()),
        routes=tuple(routes),
        solve_s=time.perf_counter() - started,
        iterations=int(res.num_iterations),
        num_clients=data.num_clients,
    )


def best_known(path: Path, rounding: str | None = None) -> float | None:
    """Cost of the ``.sol`` file next to the instance, re-evaluated in our convention.

    The routes of the best-known solution are read with PyVRP and their distance computed
    with the same rounding as :func:`solve_vrplib`, so the two numbers are comparable
    whatever scale the ``Cost`` line of the file uses.
    """
    sol = path.with_suffix(".sol")
    if not sol.exists():
        return None
    data, convention = read_instance(path, rounding)
    solution = read_solution(str(sol), data)
    return float(solution.distance()) / SCALE[convention]
