"""Arrays and distances: unit vectors on the sphere, great-circle and road km.

Road km are great-circle km times the road factor unless the problem has a distance matrix.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
EARTH_RADIUS_KM = 6371.0088


def unit_xyz(lat: Sequence[float], lon: Sequence[float]) -> FloatArray:
    """Unit vectors of WGS-84 points (degrees), shape (n, 3)."""
    la = np.radians(np.asarray(lat, dtype=np.float64))
    lo = np.radians(np.asarray(lon, dtype=np.float64))
    xyz = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)
    return xyz.reshape(-1, 3)


def km_grid(comm_xyz: FloatArray, site_xyz: FloatArray, matrix: FloatArray | None,
            road_factor: float, comms: IntArray, sites: IntArray) -> FloatArray:
    """Road km from each of ``comms`` (rows) to each of ``sites`` (columns): the distance
    matrix when there is one, else great-circle km x ``road_factor``."""
    if matrix is not None:
        return np.asarray(matrix[sites][:, comms].T, dtype=np.float64)
    dot = comm_xyz[comms] @ site_xyz[sites].T
    return chord_km(np.sqrt(np.maximum(2.0 - 2.0 * dot, 0.0))) * road_factor


def chord_km(chord: FloatArray) -> FloatArray:
    """Great-circle km from the chord length between unit vectors (exact haversine)."""
    return np.asarray(2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0)),
                      dtype=np.float64)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
