"""Road distances and durations of a routing problem: the matrix given, or great circles.

Great-circle metres times the road factor, and seconds at the problem's speed, when the
problem has no matrix; unreachable pairs (``None`` in a matrix) cost PyVRP's ``MAX_VALUE``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyvrp.constants import MAX_VALUE

from baogong.optim.routing.model import RoutingProblem

IntMatrix = npt.NDArray[np.int64]
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Great-circle distances in metres between all pairs of the given points."""
    la = np.radians(np.asarray(lat, dtype=np.float64))
    lo = np.radians(np.asarray(lon, dtype=np.float64))
    dlat = la[:, None] - la[None, :]
    dlon = lo[:, None] - lo[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(la[:, None]) * np.cos(la[None, :]) * np.sin(dlon / 2) ** 2
    result: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return result


def road_matrices(problem: RoutingProblem) -> tuple[IntMatrix, IntMatrix, npt.NDArray[np.bool_]]:
    """Integer distance (m) and duration (s) matrices, depots then stops, and reachability."""
    if problem.matrix is not None:
        dist_rows = problem.matrix.distance_m
        dur_rows = problem.matrix.duration_s
        reach = np.array(
            [
                [d is not None and t is not None for d, t in zip(dr, tr, strict=True)]
                for dr, tr in zip(dist_rows, dur_rows, strict=True)
            ],
            dtype=bool,
        ).reshape(problem.matrix.size, problem.matrix.size)
        dist = np.array(
            [[0.0 if v is None else v for v in row] for row in dist_rows], dtype=np.float64
        ).reshape(reach.shape)
        dur = np.array(
            [[0.0 if v is None else v for v in row] for row in dur_rows], dtype=np.float64
        ).reshape(reach.shape)
    else:
        lat = [d.lat for d in problem.depots] + [s.lat for s in problem.stops]
        lon = [d.lon for d in problem.depots] + [s.lon for s in problem.stops]
        dist = haversine_m(lat, lon) * problem.options.road_factor
        dur = dist / (problem.options.speed_kmh / 3.6)
        reach = np.ones(dist.shape, dtype=bool)
    dist_i = np.minimum(np.round(dist), MAX_VALUE).astype(np.int64)
    dur_i = np.minimum(np.round(dur), MAX_VALUE).astype(np.int64)
    dist_i[~reach] = MAX_VALUE
    dur_i[~reach] = MAX_VALUE
    np.fill_diagonal(dist_i, 0)
    np.fill_diagonal(dur_i, 0)
    np.fill_diagonal(reach, True)
    return dist_i, dur_i, reach
