"""Routing benchmark: PyVRP (through baogong) against best-known solutions and OR-Tools.

    python bench/routing.py                                  # full run, ~15 min on 1 core
    python bench/routing.py --time-limits 2 --instances RC208 --district-stops 60

For each VRPLIB instance in ../shared/benchmarks/vrp/ and each time limit it prints the cost
and the gap to the best-known solution of baogong's solver (PyVRP) and of OR-Tools' routing
solver (guided local search) given the same time. Then it routes a synthetic district day
(hand-off points around Guangzhou Baiyun, several depots, a mixed fleet with cold-chain and
permit vans, windows 07:00-12:00) and prints wall time and vehicles used.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from baogong.optim.routing import (
    Depot,
    RoutingOptions,
    RoutingProblem,
    Stop,
    VehicleType,
    solve,
)
from baogong.optim.routing.vrplib import SCALE, best_known, read_instance, solve_vrplib

DEFAULT_DIR = Path(
    os.environ.get(
        "BAOGONG_VRP_BENCH", Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "vrp"
    )
)
INSTANCES = ("X-n101-k25", "RC208", "PR11A", "X-n502-k39")
CENTRE = (23.20, 113.30)  # Guangzhou, Baiyun district


@dataclass(frozen=True)
class Row:
    """One instance at one time limit."""

    instance: str
    clients: int
    bks: float | None
    time_limit: float
    pyvrp: float | None
    ortools: float | None

    def gap(self, cost: float | None) -> float | None:
        """Gap to the best-known solution in percent."""
        if cost is None or not self.bks:
            return None
        return 100.0 * (cost - self.bks) / self.bks


def ortools_cost(path: Path, time_limit: float, rounding: str | None = None) -> float | None:
    """OR-Tools routing (guided local search) on the same integer data; None if no solution."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    data, convention = read_instance(path, rounding)
    dist = data.distance_matrix(0)
    dur = data.duration_matrix(0)
    clients = data.clients()
    n = data.num_locations
    demand = [0] * n
    service = [0] * n
    early = [0] * n
    late = [0] * n
    for c in clients:
        demand[c.location] = int(c.delivery[0]) if c.delivery else 0
        service[c.location] = int(c.service_duration)
        early[c.location] = int(c.tw_early)
        late[c.location] = int(c.tw_late)

    types = []
    for vt in data.vehicle_types():
        types.extend([vt] * vt.num_available)
    if len(types) > len(clients) // 2:  # unlimited fleet (X set): a generous bound is enough
        cap = types[0].capacity[0] if types[0].capacity else 1
        bound = math.ceil(1.3 * sum(demand) / max(1, cap)) + 3
        types = types[: max(bound, 1)]
    starts = [int(vt.start_depot) for vt in types]
    ends = [int(vt.end_depot) for vt in types]
    manager = pywrapcp.RoutingIndexManager(n, len(types), starts, ends)
    model = pywrapcp.RoutingModel(manager)

    def distance_cb(i: int, j: int) -> int:
        return int(dist[manager.IndexToNode(i), manager.IndexToNode(j)])

    arc = model.RegisterTransitCallback(distance_cb)
    model.SetArcCostEvaluatorOfAllVehicles(arc)

    def demand_cb(i: int) -> int:
        return int(demand[manager.IndexToNode(i)])

    load = model.RegisterUnaryTransitCallback(demand_cb)
    capacities = [int(vt.capacity[0]) if vt.capacity else sum(demand) for vt in types]
    model.AddDimensionWithVehicleCapacity(load, 0, capacities, True, "load")

    big = 2**62
    finite_shift = any(vt.shift_duration < big for vt in types)
    if data.has_time_windows() or finite_shift:
        horizon = max(
            [t for t in late if t < big] + [int(vt.tw_late) for vt in types if vt.tw_late < big]
        )

        def time_cb(i: int, j: int) -> int:
            a, b = manager.IndexToNode(i), manager.IndexToNode(j)
            return int(service[a] + dur[a, b])

        transit = model.RegisterTransitCallback(time_cb)
        model.AddDimension(transit, horizon, horizon, False, "time")
        tdim = model.GetDimensionOrDie("time")
        for c in clients:
            index = manager.NodeToIndex(c.location)
            tdim.CumulVar(index).SetRange(early[c.location], min(late[c.location], horizon))
        for v, vt in enumerate(types):
            lo, hi = int(vt.tw_early), min(int(vt.tw_late), horizon)
            tdim.CumulVar(model.Start(v)).SetRange(lo, hi)
            tdim.CumulVar(model.End(v)).SetRange(lo, hi)
            if vt.shift_duration < big:
                tdim.SetSpanUpperBoundForVehicle(int(vt.shift_duration), v)
            model.AddVariableMinimizedByFinalizer(tdim.CumulVar(model.Start(v)))

    params = pywrapcp.DefaultRoutingSearchParameters()
    # PATH_CHEAPEST_ARC does best on CVRP and Solomon instances but finds no first solution
    # on the multi-depot PR instances within a minute; parallel cheapest insertion does.
    strategy = routing_enums_pb2.FirstSolutionStrategy
    params.first_solution_strategy = (
        strategy.PARALLEL_CHEAPEST_INSERTION if data.num_depots > 1 else strategy.PATH_CHEAPEST_ARC
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(time_limit * 1000))
    solution = model.SolveWithParameters(params)
    if solution is None:
        return None
    return float(solution.ObjectiveValue()) / SCALE[convention]


def run_instances(
    directory: Path, names: list[str], limits: list[float], seed: int, with_ortools: bool
) -> list[Row]:
    """Solve every instance at every time limit with both solvers, printing as it goes."""
    rows = []
    print(
        "| instance | clients | BKS | time (s) | PyVRP cost | PyVRP gap | OR-Tools cost "
        "| OR-Tools gap |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        path = directory / f"{name}.vrp"
        if not path.exists():
            print(f"| {name} | missing: {path} | | | | | | |")
            continue
        bks = best_known(path)
        for limit in limits:
            ours = solve_vrplib(path, limit, seed)
            theirs = ortools_cost(path, limit) if with_ortools else None
            row = Row(name, ours.num_clients, bks, limit, ours.cost, theirs)
            rows.append(row)
            print(
                f"| {name} | {row.clients} | {_fmt(bks)} | {limit:g} | {_fmt(row.pyvrp)} "
                f"| {_pct(row.gap(row.pyvrp))} | {_fmt(row.ortools)} "
                f"| {_pct(row.gap(row.ortools))} |",
                flush=True,
            )
    return rows


def district_problem(
    n_stops: int = 400, n_depots: int = 8, seed: int = 7, vehicle_cost_m: int = 0
) -> RoutingProblem:
    """A synthetic district day: hand-off points in clusters around Baiyun, 8 depots."""
    rng = random.Random(seed)
    lat0, lon0 = CENTRE
    km_lat, km_lon = 1 / 111.0, 1 / (111.0 * math.cos(math.radians(lat0)))
    depots = []
    for d in range(n_depots):
        angle = 2 * math.pi * d / n_depots
        r = rng.uniform(4, 9)
        depots.append(
            Depot(
                f"D{d + 1}",
                lat0 + r * math.sin(angle) * km_lat,
                lon0 + r * math.cos(angle) * km_lon,
                (6 * 60, 14 * 60),
            )
        )
    vehicle_types = []
    for depot in depots:
        vehicle_types += [
            VehicleType(f"{depot.id}-van", 4, 1500, depot.id, shift_minutes=480, max_trips=3),
            VehicleType(f"{depot.id}-pass", 2, 1500, depot.id, permit=True, max_trips=3),
            VehicleType(
                f"{depot.id}-cold", 2, 1000, depot.id, cold_chain=True, permit=True, max_trips=2
            ),
            VehicleType(f"{depot.id}-truck", 1, 5000, depot.id),
        ]
    centres = [
        (lat0 + rng.gauss(0, 5) * km_lat, lon0 + rng.gauss(0, 5) * km_lon) for _ in range(30)
    ]
    stops = []
    for s in range(n_stops):
        clat, clon = rng.choice(centres)
        big = rng.random() < 0.03
        stops.append(
            Stop(
                f"H{s + 1:03d}",
                clat + rng.gauss(0, 1.2) * km_lat,
                clon + rng.gauss(0, 1.2) * km_lon,
                float(rng.randint(2000, 4000) if big else rng.randint(50, 600)),
                cold=rng.random() < 0.15,
                service_minutes=10,
                window=(7 * 60, 12 * 60),
                needs_permit=rng.random() < 0.25,
            )
        )
    options = RoutingOptions(vehicle_cost_m=vehicle_cost_m)
    return RoutingProblem(tuple(depots), tuple(vehicle_types), tuple(stops), options=options)


def run_district(
    n_stops: int, time_limit: float, seed: int, vehicle_costs: list[int]
) -> list[dict[str, float]]:
    """Route the synthetic district day once per fixed vehicle cost; print wall time etc."""
    print()
    print(
        "| district day | stops | depots | fleet | load (t) | vehicle cost (m) | time limit (s) "
        "| wall (s) | vehicles used | trips | km | unassigned | feasible |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    return [_district(n_stops, time_limit, seed, cost) for cost in vehicle_costs]


def _district(n_stops: int, time_limit: float, seed: int, vehicle_cost: int) -> dict[str, float]:
    problem = district_problem(n_stops, seed=seed + 7, vehicle_cost_m=vehicle_cost)
    started = time.perf_counter()
    result = solve(problem, time_limit, seed)
    wall = time.perf_counter() - started
    fleet = sum(vt.count for vt in problem.vehicle_types)
    load = sum(s.load_kg for s in problem.stops)
    trips = sum(r.trips for r in result.routes)
    print(
        f"| synthetic Baiyun | {len(problem.stops)} | {len(problem.depots)} | {fleet} "
        f"| {load / 1000:.1f} | {vehicle_cost} | {time_limit:g} | {wall:.1f} "
        f"| {result.vehicles_used} "
        f"| {trips} | {result.distance_m / 1000:.1f} | {len(result.unassigned)} "
        f"| {result.is_feasible()} |",
        flush=True,
    )
    return {
        "wall_s": wall,
        "vehicles_used": result.vehicles_used,
        "unassigned": len(result.unassigned),
        "feasible": float(result.is_feasible()),
    }


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}%"


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--time-limits", default="10,60", help="comma-separated seconds")
    parser.add_argument("--instances", default=",".join(INSTANCES), help="comma-separated")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="instance directory")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-ortools", action="store_true", help="skip OR-Tools")
    parser.add_argument("--district-stops", type=int, default=400, help="0 skips the district")
    parser.add_argument("--district-time", type=float, default=30.0, help="seconds")
    parser.add_argument(
        "--vehicle-costs",
        default="0,20000",
        help="comma-separated fixed costs per vehicle (m) for the district runs",
    )
    args = parser.parse_args(argv)

    limits = [float(t) for t in args.time_limits.split(",") if t.strip()]
    names = [n.strip() for n in args.instances.split(",") if n.strip()]
    print(f"# routing benchmark ({time.strftime('%Y-%m-%d %H:%M')} UTC, seed {args.seed})")
    print()
    run_instances(args.dir, names, limits, args.seed, not args.no_ortools)
    if args.district_stops > 0:
        costs = [int(c) for c in args.vehicle_costs.split(",") if c.strip()]
        run_district(args.district_stops, args.district_time, args.seed, costs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
