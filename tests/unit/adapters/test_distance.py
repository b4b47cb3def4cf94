"""Distance sources: haversine, a given matrix, OSRM over a fake opener, and the fake itself."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from baogong.adapters.distance import (
    DistanceSource,
    DistanceSourceError,
    FakeSource,
    GivenMatrix,
    HaversineSource,
    OsrmSource,
    attach_matrix,
)
from baogong.optim.routing import Depot, RoutingProblem, Stop, VehicleType, solve

POINTS = [(23.20, 113.30), (23.21, 113.30), (23.20, 113.31)]


def test_haversine_scales_with_road_factor_and_speed() -> None:
    """0.01 degree of latitude is ~1.11 km; x1.3 road factor; 30 km/h gives ~174 s."""
    roads = HaversineSource(road_factor=1.3, speed_kmh=30).matrix(POINTS)
    assert roads.distance_m[0][0] == 0
    assert roads.distance_m[0][1] == pytest.approx(1112 * 1.3, rel=0.01)
    assert roads.duration_s[0][1] == pytest.approx(1112 * 1.3 / (30 / 3.6), rel=0.01)
    assert roads.distance_m[0][1] == roads.distance_m[1][0]


def test_given_matrix_checks_its_size() -> None:
    """A given matrix is returned as is, and refuses a different number of points."""
    source = GivenMatrix([[0, 5], [5, 0]], [[0, 1], [1, 0]])
    assert source.matrix(POINTS[:2]).distance_m == [[0, 5], [5, 0]]
    with pytest.raises(ValueError, match="2 points, not 3"):
        source.matrix(POINTS)


class FakeOsrm:
    """Answers OSRM /table requests from a grid, recording the URLs it was asked."""

    def __init__(self, code: str = "Ok") -> None:
        self.urls: list[str] = []
        self.code = code

    def __call__(self, url: str, timeout: float) -> bytes:
        self.urls.append(url)
        parsed = urllib.parse.urlparse(url)
        query = urllib.parse.parse_qs(parsed.query)
        sources = [int(v) for v in query["sources"][0].split(";")]
        targets = [int(v) for v in query["destinations"][0].split(";")]
        body = {
            "code": self.code,
            "message": "Too many table coordinates",
            "distances": [[100.0 * abs(i - j) for j in targets] for i in sources],
            "durations": [
                [10.0 * abs(i - j) if i != 2 else None for j in targets] for i in sources
            ],
        }
        return json.dumps(body).encode()


def test_osrm_blocks_requests_and_keeps_nulls() -> None:
    """Requests are cut into blocks; OSRM's null (no route) is kept as None."""
    fake = FakeOsrm()
    roads = OsrmSource("http://osrm.test:5000/", block=2, opener=fake).matrix(POINTS)
    assert len(fake.urls) == 4  # 2 x 2 blocks for 3 points
    assert fake.urls[0].startswith("http://osrm.test:5000/table/v1/driving/113.300000,23.200000;")
    assert roads.distance_m[0][2] == 200.0
    assert roads.duration_s[2][0] is None
    assert roads.duration_s[2][2] == 0.0


def test_osrm_error_reply_raises() -> None:
    """A reply whose code is not Ok becomes a DistanceSourceError with the server's message."""
    with pytest.raises(DistanceSourceError, match="Too many table coordinates"):
        OsrmSource("http://osrm.test", opener=FakeOsrm(code="TooBig")).matrix(POINTS)


def test_osrm_network_error_raises() -> None:
    """A network failure becomes a DistanceSourceError (no real network is touched)."""

    def refuse(url: str, timeout: float) -> bytes:
        raise OSError("connection refused")

    with pytest.raises(DistanceSourceError, match="connection refused"):
        OsrmSource("http://osrm.test", opener=refuse).matrix(POINTS)


def test_attach_matrix_feeds_the_solver() -> None:
    """A source's matrix is attached depots-first; unreachable stops are reported."""
    problem = RoutingProblem(
        (Depot("S1", 23.20, 113.30),),
        (VehicleType("van", 1, 1000, "S1"),),
        (Stop("H1", 23.21, 113.30, 100), Stop("H2", 23.20, 113.31, 100)),
    )
    source: DistanceSource = FakeSource(unreachable=frozenset({2}))
    routed = attach_matrix(problem, source)
    assert routed.matrix is not None and routed.matrix.size == 3
    assert source.calls == [3]  # type: ignore[attr-defined]
    result = solve(routed, time_limit_s=1, seed=1, max_iterations=100)
    assert [u.id for u in result.unassigned] == ["H2"]
    assert result.unassigned[0].code == "unreachable"
    assert result.distance_m == pytest.approx(2 * 0.01 * 111_000, rel=0.01)
