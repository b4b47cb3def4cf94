"""Road distances and durations between points: a small Protocol and its implementations.

* :class:`HaversineSource` - great-circle distance x road factor, constant speed (default);
* :class:`GivenMatrix` - a matrix supplied by the caller (e.g. from the routing JSON);
* :class:`OsrmSource` - an OSRM-compatible ``/table`` service over HTTP (stdlib ``urllib``);
* :class:`FakeSource` - deterministic, records its calls; for tests.

Points are ``(lat, lon)`` pairs; distances are metres and durations seconds; ``None`` marks a
pair with no road between them.
"""

from __future__ import annotations

import dataclasses
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from baogong.optim.routing import Matrix, RoutingProblem, haversine_m

Point = tuple[float, float]
Rows = list[list[float | None]]


@dataclass(frozen=True)
class RoadMatrix:
    """Square distance (m) and duration (s) matrices over a list of points."""

    distance_m: Rows
    duration_s: Rows


class DistanceSourceError(RuntimeError):
    """The distance source could not answer (network, server error, bad reply)."""


class DistanceSource(Protocol):
    """Anything that turns a list of points into road distances and durations."""

    def matrix(self, points: Sequence[Point]) -> RoadMatrix:
        """Distances and durations between all pairs of ``points``, in their order."""
        ...


@dataclass(frozen=True)
class HaversineSource:
    """Great-circle distance times ``road_factor``, driven at ``speed_kmh``."""

    road_factor: float = 1.3
    speed_kmh: float = 30.0

    def __post_init__(self) -> None:
        if self.road_factor < 1:
            raise ValueError("road_factor < 1 not understood.")
        if self.speed_kmh <= 0:
            raise ValueError("speed_kmh <= 0 not understood.")

    def matrix(self, points: Sequence[Point]) -> RoadMatrix:
        """See :class:`DistanceSource`."""
        if not points:
            return RoadMatrix([], [])
        dist = haversine_m([p[0] for p in points], [p[1] for p in points]) * self.road_factor
        dur = dist / (self.speed_kmh / 3.6)
        return RoadMatrix(
            [[round(float(v), 1) for v in row] for row in dist],
            [[round(float(v), 1) for v in row] for row in dur],
        )


@dataclass(frozen=True)
class GivenMatrix:
    """A matrix known in advance; asking for a different number of points is an error."""

    distance_m: Rows
    duration_s: Rows

    def matrix(self, points: Sequence[Point]) -> RoadMatrix:
        """See :class:`DistanceSource`."""
        if len(points) != len(self.distance_m):
            raise ValueError(
                f"the given matrix covers {len(self.distance_m)} points, not {len(points)}."
            )
        return RoadMatrix(self.distance_m, self.duration_s)


Opener = Callable[[str, float], bytes]


def _urlopen(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "baogong"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body: bytes = response.read()
        return body


@dataclass(frozen=True)
class OsrmSource:
    """An OSRM-compatible server: ``GET {base_url}/table/v1/{profile}/{lon,lat;...}``.

    Large requests are cut into blocks of ``block`` sources x ``block`` destinations (OSRM's
    default ``--max-table-size`` is 100). ``opener`` fetches a URL; tests pass a fake.
    """

    base_url: str
    profile: str = "driving"
    timeout_s: float = 30.0
    block: int = 100
    opener: Opener = field(default=_urlopen, repr=False)

    def matrix(self, points: Sequence[Point]) -> RoadMatrix:
        """See :class:`DistanceSource`."""
        n = len(points)
        dist: Rows = [[None] * n for _ in range(n)]
        dur: Rows = [[None] * n for _ in range(n)]
        if n == 0:
            return RoadMatrix(dist, dur)
        coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
        base = f"{self.base_url.rstrip('/')}/table/v1/{urllib.parse.quote(self.profile)}/{coords}"
        for i0 in range(0, n, self.block):
            sources = list(range(i0, min(n, i0 + self.block)))
            for j0 in range(0, n, self.block):
                targets = list(range(j0, min(n, j0 + self.block)))
                query = urllib.parse.urlencode(
                    {
                        "annotations": "distance,duration",
                        "sources": ";".join(map(str, sources)),
                        "destinations": ";".join(map(str, targets)),
                    },
                    safe=";,",
                )
                reply = self._get(f"{base}?{query}")
                for a, i in enumerate(sources):
                    for b, j in enumerate(targets):
                        dist[i][j] = reply["distances"][a][b]
                        dur[i][j] = reply["durations"][a][b]
        for i in range(n):
            dist[i][i] = 0.0
            dur[i][i] = 0.0
        return RoadMatrix(dist, dur)

    def _get(self, url: str) -> dict[str, list[list[float | None]]]:
        try:
            body = self.opener(url, self.timeout_s)
            reply = json.loads(body)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise DistanceSourceError(f"distance server {self.base_url}: {exc}") from exc
        if not isinstance(reply, dict) or reply.get("code") != "Ok":
            message = reply.get("message", reply) if isinstance(reply, dict) else reply
            raise DistanceSourceError(f"distance server {self.base_url}: {message}")
        if "distances" not in reply or "durations" not in reply:
            raise DistanceSourceError(
                f"distance server {self.base_url}: reply lacks distances or durations"
            )
        return reply


@dataclass
class FakeSource:
    """Manhattan distance on a flat grid (111 km per degree) at ``speed_kmh``; records calls."""

    speed_kmh: float = 36.0
    unreachable: frozenset[int] = frozenset()
    calls: list[int] = field(default_factory=list)

    def matrix(self, points: Sequence[Point]) -> RoadMatrix:
        """See :class:`DistanceSource`; points listed in ``unreachable`` have no roads."""
        self.calls.append(len(points))
        dist: Rows = []
        dur: Rows = []
        for i, (lat1, lon1) in enumerate(points):
            drow: list[float | None] = []
            trow: list[float | None] = []
            for j, (lat2, lon2) in enumerate(points):
                if i != j and (i in self.unreachable or j in self.unreachable):
                    drow.append(None)
                    trow.append(None)
                    continue
                d = (abs(lat1 - lat2) + abs(lon1 - lon2)) * 111_000.0
                drow.append(d)
                trow.append(d / (self.speed_kmh / 3.6))
            dist.append(drow)
            dur.append(trow)
        return RoadMatrix(dist, dur)


def attach_matrix(problem: RoutingProblem, source: DistanceSource) -> RoutingProblem:
    """The same problem with its matrix taken from ``source`` (depots first, then stops)."""
    points = [(d.lat, d.lon) for d in problem.depots] + [(s.lat, s.lon) for s in problem.stops]
    roads = source.matrix(points)
    matrix = Matrix(
        tuple(tuple(row) for row in roads.distance_m),
        tuple(tuple(row) for row in roads.duration_s),
    )
    return dataclasses.replace(problem, matrix=matrix)
