"""Solve a :class:`~baogong.optim.routing.model.RoutingProblem` with PyVRP, read the routes back.

How the requirements map onto PyVRP (0.14):

* every depot is a PyVRP depot; each vehicle type starts and ends at its own depot and lives
  within the depot's opening hours (``tw_early``/``tw_late``) and its shift
  (``shift_duration``);
* cold chain and pass permits are extra load dimensions: a cold (or sealed-area) stop puts
  weight in the "cold" (or "permit") dimension, in which vehicles without the equipment have
  capacity 0, so no feasible solution puts it on them;
* loads larger than the biggest suitable vehicle are split into full-truck pieces: several
  clients at the same location, reported back under the stop's id;
* vehicle types with ``max_trips`` > 1 may reload at their depot (``reload_depots``,
  ``max_reloads``); the depot's service duration is the loading time before each trip;
* every client is optional with a prize far above any detour, so when the fleet is too small
  the solver still returns the best partial plan and the left-over stops are reported.

Stops that no vehicle could serve even alone are found before solving and never reach PyVRP.
"""

from __future__ import annotations

import time

from pyvrp import Activity, ProblemData, Route, Solution
from pyvrp import solve as pyvrp_solve

from baogong.i18n import N_
from baogong.optim.routing.budget import Budget
from baogong.optim.routing.model import (
    ProgressFn,
    RouteStop,
    RoutingProblem,
    RoutingResult,
    Unassigned,
    VehicleType,
    hhmm,
)
from baogong.optim.routing.model import Route as PlannedRoute
from baogong.optim.routing.pieces import Plan, build_data, plan_pieces
from baogong.optim.routing.roads import IntMatrix, road_matrices


def _repair(data: ProblemData, solution: Solution) -> Solution:
    """Drop clients from an infeasible solution's routes until every route is feasible."""
    routes = []
    for route in solution.routes():
        vt = route.vehicle_type()
        acts = [Activity(a.type, a.idx) for a in route.schedule()][1:-1]
        candidate = Route(data, acts, vt)
        while acts and not candidate.is_feasible():
            best: tuple[float, list[Activity]] | None = None
            for k, act in enumerate(acts):
                if not act.is_client():
                    continue
                trial = acts[:k] + acts[k + 1 :]
                r = Route(data, trial, vt)
                score = float(sum(r.excess_load()) + r.time_warp() + r.excess_distance())
                if best is None or score < best[0]:
                    best = (score, trial)
            if best is None:
                break
            acts = best[1]
            while acts and acts[0].is_depot():
                acts = acts[1:]
            while acts and acts[-1].is_depot():
                acts = acts[:-1]
            acts = [a for k, a in enumerate(acts) if not (a.is_depot() and acts[k - 1].is_depot())]
            candidate = Route(data, acts, vt)
        if acts and candidate.is_feasible():
            routes.append(candidate)
    return Solution(data, routes)


def _search(
    problem: RoutingProblem,
    plan: Plan,
    dist: IntMatrix,
    dur: IntMatrix,
    seed: int,
    budget: Budget,
) -> tuple[Solution, list[VehicleType]]:
    """Try with every piece required; if that finds no feasible plan, let pieces drop out."""
    data, used = build_data(problem, plan, dist, dur, required=True)
    budget.give_up = 0.3
    first = pyvrp_solve(data, budget, seed=seed, collect_stats=False, display=False)
    if first.best.is_feasible():
        return first.best, used
    # No feasible plan with everything required (or no time left to find one): drop the
    # visits that break a constraint and, if time remains, search on with optional pieces.
    budget.give_up = None
    optional, used = build_data(problem, plan, dist, dur, required=False)
    start = _repair(optional, first.best)
    second = pyvrp_solve(
        optional, budget, seed=seed, collect_stats=False, display=False, initial_solution=start
    )
    return second.best, used


def solve(
    problem: RoutingProblem,
    time_limit_s: float = 10.0,
    seed: int = 0,
    *,
    max_iterations: int | None = None,
    progress: ProgressFn | None = None,
) -> RoutingResult:
    """Route the day: check stops, split oversize loads, solve with PyVRP, report.

    Parameters
    ----------
    problem
        The routing problem.
    time_limit_s
        Wall-clock budget for the search (the checks and model building come on top).
    seed
        Seed of the random number stream; the same seed and limits give the same routes
        when the search is stopped by ``max_iterations``.
    max_iterations
        Optional iteration cap (reproducible runs in tests).
    progress
        Optional callback, called every iteration with the fraction of time used.
    """
    if time_limit_s < 0:
        raise ValueError("time_limit_s < 0 not understood.")
    if max_iterations is not None and max_iterations < 0:
        raise ValueError("max_iterations < 0 not understood.")
    started = time.perf_counter()
    dist, dur, reach = road_matrices(problem)
    plan = plan_pieces(problem, dur, reach)
    if not plan.pieces:
        if progress is not None:
            progress(1.0, 0.0)
        return RoutingResult((), plan.refused, 0, time.perf_counter() - started)
    budget = Budget(time_limit_s, max_iterations, progress)
    best, used = _search(problem, plan, dist, dur, seed, budget)

    routes: list[PlannedRoute] = []
    delivered: dict[int, float] = {}
    numbering: dict[str, int] = {}
    ordered = sorted(best.routes(), key=lambda r: (r.vehicle_type(), r.start_time(), r.distance()))
    for route in ordered:
        vt = used[route.vehicle_type()]
        numbering[vt.id] = numbering.get(vt.id, 0) + 1
        stops = []
        for act in route.schedule():
            if not act.is_client():
                continue
            piece = plan.pieces[act.idx]
            delivered[piece.stop] = delivered.get(piece.stop, 0.0) + piece.load_kg
            stops.append(
                RouteStop(
                    id=problem.stops[piece.stop].id,
                    arrival=hhmm(act.start_time, seconds=True),
                    load_kg=piece.load_kg,
                    trip=act.trip + 1,
                    arrival_s=int(act.start_time),
                )
            )
        routes.append(
            PlannedRoute(
                vehicle=f"{vt.id}-{numbering[vt.id]}",
                vehicle_type=vt.id,
                depot=vt.depot,
                stops=tuple(stops),
                distance_m=int(route.distance()),
                duration_s=int(route.duration()),
                start=hhmm(route.start_time(), seconds=True),
                end=hhmm(route.end_time(), seconds=True),
                trips=int(route.num_trips()),
            )
        )

    missing: list[Unassigned] = []
    planned = sorted({p.stop for p in plan.pieces})
    for s in planned:
        stop = problem.stops[s]
        got = delivered.get(s, 0.0)
        if got <= 0.0 and not any(rs.id == stop.id for r in routes for rs in r.stops):
            missing.append(
                Unassigned(
                    stop.id,
                    "not_served",
                    N_(
                        "no vehicle had capacity or time left for it "
                        "(fleet too small or windows too tight)"
                    ),
                )
            )
        elif got + 1e-6 < stop.load_kg:
            missing.append(
                Unassigned(
                    stop.id,
                    "partly_served",
                    N_(
                        "{missing_kg} kg of {load_kg} kg could not be delivered: "
                        "no vehicle had capacity or time left"
                    ),
                    {"missing_kg": _kg(stop.load_kg - got), "load_kg": _kg(stop.load_kg)},
                )
            )
    by_position = {s.id: i for i, s in enumerate(problem.stops)}
    unassigned = sorted((*plan.refused, *missing), key=lambda u: by_position[u.id])
    return RoutingResult(
        routes=tuple(routes),
        unassigned=tuple(unassigned),
        distance_m=int(sum(r.distance_m for r in routes)),
        solve_s=time.perf_counter() - started,
        feasible=bool(best.is_feasible()),
        iterations=budget.iterations,
    )


def _kg(value: float) -> float | int:
    rounded = round(value, 3)
    return int(rounded) if rounded == int(rounded) else rounded
