"""Capacity estimation arithmetic: trips, vehicles, hours and what to call in."""

from __future__ import annotations

import pytest

from baogong.config import Settings
from baogong.delivery.capacity import AreaLoad, estimate

RULES = Settings(load_factor=1.0, speed_kmh=30.0, stop_minutes=0.0, shift_minutes=480,
                 door_minutes_sealed=6.0, door_minutes_controlled=2.0,
                 volunteer_shift_hours=8.0)


def _area(**kw: float) -> AreaLoad:
    base: dict[str, float] = dict(sealed_households=100, controlled_households=60,
                                  demand_kg=30_000, avg_trip_km=15, vehicles=2,
                                  vehicle_kg=6_000, volunteer_hours=10)
    base.update(kw)
    return AreaLoad("440111", "白云区", **base)  # type: ignore[arg-type]


def test_trips_vehicles_and_hours() -> None:
    """30 t in 3 t vans is 10 trips of an hour each: 2 vehicles over an 8-hour shift."""
    row = estimate(_area(), RULES)
    assert row.trips == 10
    assert row.driver_hours_needed == pytest.approx(10.0)
    assert row.vehicles_needed == 2
    assert row.vans_to_call == 0


def test_volunteer_shortfall_becomes_people_to_call() -> None:
    """100 sealed x 6 min + 60 controlled x 2 min = 12 h needed, 10 h there: 1 person short."""
    row = estimate(_area(), RULES)
    assert row.volunteer_hours_needed == pytest.approx(12.0)
    assert row.volunteers_to_call == 1


def test_surge_scales_the_need() -> None:
    """A surge of 5 needs five times the trips and calls in vans."""
    row = estimate(_area(), RULES, surge=5.0)
    assert row.trips == 50
    assert row.vehicles_needed == 7
    assert row.vans_to_call == 5


def test_nothing_sealed_needs_nothing() -> None:
    """An area with no demand needs no trips, vehicles or volunteers."""
    row = estimate(_area(sealed_households=0, controlled_households=0, demand_kg=0), RULES)
    assert (row.trips, row.vehicles_needed, row.volunteers_to_call) == (0, 0, 0)
