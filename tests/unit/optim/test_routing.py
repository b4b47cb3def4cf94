"""The routing core: records check themselves; solve() honours every constraint or says why."""

from __future__ import annotations

import pytest

from baogong.optim.routing import (
    Depot,
    Matrix,
    RoutingInputError,
    RoutingOptions,
    RoutingProblem,
    RoutingResult,
    Stop,
    VehicleType,
    solve,
)

BASE = (23.20, 113.30)


def depot(id_: str = "S1", lat: float = BASE[0], lon: float = BASE[1]) -> Depot:
    return Depot(id_, lat, lon, (6 * 60, 20 * 60))


def stop(id_: str, dlat: float, dlon: float, load: float, **kw: object) -> Stop:
    return Stop(id_, BASE[0] + dlat, BASE[1] + dlon, load, **kw)  # type: ignore[arg-type]


def run(problem: RoutingProblem, iterations: int = 400) -> RoutingResult:
    result = solve(problem, time_limit_s=2.0, seed=1, max_iterations=iterations)
    assert result.is_feasible()
    return result


def reasons(result: RoutingResult) -> dict[str, str]:
    return {u.id: u.code for u in result.unassigned}


def delivered(result: RoutingResult) -> dict[str, float]:
    out: dict[str, float] = {}
    for route in result.routes:
        for s in route.stops:
            out[s.id] = out.get(s.id, 0.0) + s.load_kg
    return out


# --- records ---------------------------------------------------------------------------


def test_stop_window_backwards_names_record_and_field() -> None:
    """A stop whose window closes before it opens is refused, naming the stop and 'window'."""
    with pytest.raises(RoutingInputError) as info:
        Stop("H1", 23.2, 113.3, 100, window=(600, 420))
    assert info.value.record == "stop H1"
    assert info.value.field == "window"


def test_negative_load_is_refused() -> None:
    """A negative load is an input error on field load_kg."""
    with pytest.raises(ValueError, match="stop H2: load_kg"):
        Stop("H2", 23.2, 113.3, -5)


def test_vehicle_type_with_unknown_depot_is_refused() -> None:
    """A vehicle type based at a depot that does not exist is refused on field 'depot'."""
    with pytest.raises(RoutingInputError) as info:
        RoutingProblem((depot(),), (VehicleType("van", 1, 1000, "S9"),), ())
    assert (info.value.record, info.value.field) == ("vehicle type van", "depot")


def test_zero_capacity_and_duplicate_ids_are_refused() -> None:
    """Capacity must be positive and stop ids unique."""
    with pytest.raises(RoutingInputError, match="capacity_kg"):
        VehicleType("van", 1, 0, "S1")
    with pytest.raises(RoutingInputError, match="duplicate"):
        RoutingProblem(
            (depot(),),
            (VehicleType("van", 1, 1000, "S1"),),
            (stop("H1", 0, 0.01, 1), stop("H1", 0, 0.02, 1)),
        )


def test_matrix_of_wrong_size_is_refused() -> None:
    """A matrix must have one row per depot and stop."""
    m = Matrix(((0.0, 1.0), (1.0, 0.0)), ((0.0, 1.0), (1.0, 0.0)))
    with pytest.raises(RoutingInputError) as info:
        RoutingProblem(
            (depot(),),
            (VehicleType("van", 1, 1000, "S1"),),
            (stop("H1", 0, 0.01, 1), stop("H2", 0, 0.02, 1)),
            m,
        )
    assert info.value.record == "matrix"


# --- solving ---------------------------------------------------------------------------


def test_capacity_is_respected() -> None:
    """Four 600 kg stops on 1000 kg vans need four vans; no van carries more than 1000 kg."""
    stops = tuple(stop(f"H{i}", 0.01 * i, 0.01, 600) for i in range(1, 5))
    result = run(RoutingProblem((depot(),), (VehicleType("van", 5, 1000, "S1"),), stops))
    assert result.is_complete()
    assert result.vehicles_used == 4
    assert all(r.load_kg <= 1000 for r in result.routes)


def test_time_windows_are_met() -> None:
    """Every service starts inside the stop's window, even when windows force the order."""
    stops = (
        stop("LATE", 0.01, 0.0, 10, window=(9 * 60, 9 * 60 + 30), service_minutes=10),
        stop("EARLY", 0.02, 0.0, 10, window=(7 * 60, 7 * 60 + 30), service_minutes=10),
        stop("MID", 0.03, 0.0, 10, window=(8 * 60, 8 * 60 + 30), service_minutes=10),
    )
    problem = RoutingProblem((depot(),), (VehicleType("van", 1, 1000, "S1"),), stops)
    result = run(problem)
    assert result.is_complete()
    windows = {s.id: s.window for s in stops}
    visits = [s for r in result.routes for s in r.stops]
    assert [s.id for s in visits] == ["EARLY", "MID", "LATE"]
    for s in visits:
        early, late = windows[s.id]
        assert early * 60 <= s.arrival_s <= late * 60


def test_cold_stops_only_ride_cold_vehicles() -> None:
    """Chilled loads go on the cold-chain van, the rest may go on any van."""
    stops = (
        stop("C1", 0.01, 0.00, 100, cold=True),
        stop("C2", 0.02, 0.00, 100, cold=True),
        stop("D1", 0.01, 0.01, 100),
        stop("D2", 0.02, 0.01, 100),
    )
    fleet = (VehicleType("van", 2, 1000, "S1"), VehicleType("cold", 1, 500, "S1", cold_chain=True))
    result = run(RoutingProblem((depot(),), fleet, stops))
    assert result.is_complete()
    for route in result.routes:
        if any(s.id.startswith("C") for s in route.stops):
            assert route.vehicle_type == "cold"


def test_cold_stop_without_cold_vehicle_is_reported() -> None:
    """With no cold-chain vehicle, a chilled stop is unassigned with reason no_cold_vehicle."""
    stops = (stop("C1", 0.01, 0.0, 100, cold=True), stop("D1", 0.02, 0.0, 100))
    result = run(RoutingProblem((depot(),), (VehicleType("van", 1, 1000, "S1"),), stops))
    assert reasons(result) == {"C1": "no_cold_vehicle"}
    assert "cold-chain" in result.unassigned[0].reason
    assert delivered(result) == {"D1": 100}


def test_permit_stop_needs_permit_vehicle() -> None:
    """A stop in a sealed area is only served by a vehicle with a pass permit."""
    stops = (stop("P1", 0.01, 0.0, 100, needs_permit=True), stop("D1", 0.02, 0.0, 100))
    fleet = (VehicleType("van", 2, 1000, "S1"), VehicleType("pass", 1, 1000, "S1", permit=True))
    result = run(RoutingProblem((depot(),), fleet, stops))
    assert result.is_complete()
    for route in result.routes:
        if any(s.id == "P1" for s in route.stops):
            assert route.vehicle_type == "pass"


def test_oversize_load_is_split_into_full_truck_trips() -> None:
    """3500 kg on 1500 kg vans becomes 1500 + 1500 + 500 kg visits under the same stop id."""
    stops = (stop("BIG", 0.02, 0.0, 3500), stop("H2", 0.01, 0.01, 200))
    result = run(RoutingProblem((depot(),), (VehicleType("van", 4, 1500, "S1"),), stops))
    assert result.is_complete()
    loads = sorted(s.load_kg for r in result.routes for s in r.stops if s.id == "BIG")
    assert loads == [500, 1500, 1500]
    assert all(r.load_kg <= 1500 for r in result.routes)


def test_split_load_partly_served_when_fleet_is_short() -> None:
    """With too few vans for a split load, the shortfall is reported under the stop id."""
    stops = (stop("BIG", 0.02, 0.0, 3500),)
    result = run(RoutingProblem((depot(),), (VehicleType("van", 2, 1500, "S1"),), stops))
    assert delivered(result) == {"BIG": 3000}
    assert reasons(result) == {"BIG": "partly_served"}
    assert "500 kg of 3500 kg" in result.unassigned[0].reason


def test_multiple_depots_each_serve_their_side() -> None:
    """Two depots far apart: each van serves the stops near its own depot and returns there."""
    west, east = depot("W", 23.2, 113.2), depot("E", 23.2, 113.5)
    stops = (
        Stop("W1", 23.21, 113.21, 100),
        Stop("W2", 23.19, 113.19, 100),
        Stop("E1", 23.21, 113.51, 100),
        Stop("E2", 23.19, 113.49, 100),
    )
    fleet = (VehicleType("w", 1, 1000, "W"), VehicleType("e", 1, 1000, "E"))
    result = run(RoutingProblem((west, east), fleet, stops))
    assert result.is_complete()
    for route in result.routes:
        assert {s.id[0] for s in route.stops} == {route.depot}


def test_multi_trip_vehicle_reloads_at_its_depot() -> None:
    """One van allowed three trips delivers three loads that each fill it."""
    stops = tuple(stop(f"H{i}", 0.01 * i, 0.0, 800) for i in range(1, 4))
    one_trip = run(RoutingProblem((depot(),), (VehicleType("van", 1, 1000, "S1"),), stops))
    assert len(one_trip.unassigned) == 2
    assert {u.code for u in one_trip.unassigned} == {"not_served"}
    three = run(
        RoutingProblem((depot(),), (VehicleType("van", 1, 1000, "S1", max_trips=3),), stops)
    )
    assert three.is_complete()
    assert three.vehicles_used == 1
    assert three.routes[0].trips == 3
    assert sorted(s.trip for s in three.routes[0].stops) == [1, 2, 3]


def test_impossible_stops_are_reported_before_solving() -> None:
    """Unmeetable windows, too-long round trips, missing roads and an empty fleet get reasons."""
    stops = (
        stop("OK", 0.01, 0.0, 100),
        stop("EARLY", 0.40, 0.0, 100, window=(6 * 60, 6 * 60 + 30)),
        stop("FAR", 1.0, 0.0, 100),
        stop("NOROAD", 0.02, 0.0, 100),
    )
    n = 1 + len(stops)
    dist = [[0.0 if i == j else 1000.0 for j in range(n)] for i in range(n)]
    dur = [[0.0 if i == j else 300.0 for j in range(n)] for i in range(n)]
    dur[0][2] = dur[2][0] = 3600.0  # EARLY: an hour away, window closes 30 min after opening
    dur[0][3] = dur[3][0] = 4 * 3600.0  # FAR: 8 h round trip on a 4 h shift
    dist_rows = [list(r) for r in dist]
    dur_rows = [list(r) for r in dur]
    for row in (dist_rows, dur_rows):
        row[0][4] = None  # type: ignore[call-overload]
    matrix = Matrix(tuple(map(tuple, dist_rows)), tuple(map(tuple, dur_rows)))
    fleet = (VehicleType("van", 2, 1000, "S1", shift_minutes=240),)
    result = run(RoutingProblem((depot(),), fleet, stops, matrix))
    assert reasons(result) == {"EARLY": "window", "FAR": "shift", "NOROAD": "unreachable"}
    assert delivered(result) == {"OK": 100}
    empty = run(RoutingProblem((depot(),), (), stops[:1]))
    assert reasons(empty) == {"OK": "no_vehicle"}


def test_small_fleet_leaves_stops_with_a_reason() -> None:
    """When vans run out, the stops left over are listed as not served, never dropped."""
    stops = tuple(stop(f"H{i}", 0.01 * i, 0.0, 800) for i in range(1, 4))
    result = run(RoutingProblem((depot(),), (VehicleType("van", 2, 1000, "S1"),), stops))
    assert len(delivered(result)) + len(result.unassigned) == 3
    assert [u.code for u in result.unassigned] == ["not_served"]


def test_haversine_roads_follow_options() -> None:
    """A higher road factor lengthens the route proportionally."""
    stops = (stop("H1", 0.05, 0.0, 10),)
    fleet = (VehicleType("van", 1, 100, "S1"),)
    base = run(RoutingProblem((depot(),), fleet, stops))
    longer = run(RoutingProblem((depot(),), fleet, stops, options=RoutingOptions(road_factor=2.6)))
    assert longer.distance_m == pytest.approx(2 * base.distance_m, rel=0.01)
    assert 10_000 < base.distance_m < 15_000  # 2 x 5.56 km x 1.3 (default factor)


def test_zero_time_still_gives_a_feasible_plan() -> None:
    """With no search time and too few vans, the plan is still feasible and complete in account."""
    stops = tuple(stop(f"H{i}", 0.01 * i, 0.0, 800) for i in range(1, 4))
    problem = RoutingProblem((depot(),), (VehicleType("van", 2, 1000, "S1"),), stops)
    result = solve(problem, time_limit_s=0, seed=1)
    assert result.is_feasible()
    assert len(delivered(result)) + len(result.unassigned) == 3


def test_same_seed_same_routes() -> None:
    """With an iteration limit, the same seed gives the same routes."""
    stops = tuple(stop(f"H{i}", 0.003 * i, 0.002 * (i % 3), 100) for i in range(1, 12))
    problem = RoutingProblem((depot(),), (VehicleType("van", 3, 400, "S1"),), stops)
    first = solve(problem, time_limit_s=5, seed=7, max_iterations=200)
    second = solve(problem, time_limit_s=5, seed=7, max_iterations=200)
    assert first.routes == second.routes
