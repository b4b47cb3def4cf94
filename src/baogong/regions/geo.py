"""The district map drawn from our own data, no tile server: subdistrict areas as Voronoi cells
of their centres, clipped to a padded hull of them; written as GeoJSON into static/geo/.

Run ``python -m baogong.regions.geo`` to regenerate ``static/geo/440111.geojson`` from
``sample/data/baiyun_subdistricts.csv``. The shapes are schematic (not surveyed boundaries).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

Point = tuple[float, float]  # (lon, lat)

DATA = Path(__file__).resolve().parent.parent / "sample" / "data" / "baiyun_subdistricts.csv"
OUT = Path(__file__).resolve().parent.parent / "static" / "geo" / "440111.geojson"


def convex_hull(points: list[Point]) -> list[Point]:
    """Counter-clockwise convex hull (monotone chain)."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def cross(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Point] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Point] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def pad(hull: list[Point], by: float) -> list[Point]:
    """Push each vertex away from the centroid by `by` degrees (a rough buffer)."""
    cx = sum(p[0] for p in hull) / len(hull)
    cy = sum(p[1] for p in hull) / len(hull)
    out = []
    for x, y in hull:
        d = math.hypot(x - cx, y - cy) or 1.0
        out.append((x + (x - cx) / d * by, y + (y - cy) / d * by))
    return out


def clip(poly: list[Point], a: Point, b: Point) -> list[Point]:
    """Keep the part of a polygon closer to a than to b (Sutherland-Hodgman on the bisector)."""
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    nx, ny = b[0] - a[0], b[1] - a[1]

    def side(p: Point) -> float:
        return (p[0] - mx) * nx + (p[1] - my) * ny

    out: list[Point] = []
    for i, cur in enumerate(poly):
        prev = poly[i - 1]
        sc, sp = side(cur), side(prev)
        if sc <= 0:
            if sp > 0:
                t = sp / (sp - sc)
                out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
            out.append(cur)
        elif sp <= 0:
            t = sp / (sp - sc)
            out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
    return out


def cells(centres: dict[str, Point], outline: list[Point]) -> dict[str, list[Point]]:
    """The Voronoi cell of each centre inside the outline."""
    out = {}
    for code, c in centres.items():
        poly = list(outline)
        for other, o in centres.items():
            if other != code and poly:
                poly = clip(poly, c, o)
        out[code] = poly
    return out


def _ring(poly: list[Point]) -> list[list[float]]:
    ring = [[round(x, 5), round(y, 5)] for x, y in poly]
    return [*ring, ring[0]]


def district_geojson(path: Path = DATA, padding: float = 0.04) -> dict[str, Any]:
    """The district outline and its subdistrict cells as a GeoJSON FeatureCollection."""
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    centres = {r["code"]: (float(r["lon"]), float(r["lat"])) for r in rows}
    outline = pad(convex_hull(list(centres.values())), padding)
    features: list[dict[str, Any]] = [{
        "type": "Feature", "properties": {"code": "440111", "name": "白云区", "level": "district"},
        "geometry": {"type": "Polygon", "coordinates": [_ring(outline)]}}]
    names = {r["code"]: r["name"] for r in rows}
    for code, poly in cells(centres, outline).items():
        if len(poly) >= 3:
            features.append({"type": "Feature",
                             "properties": {"code": code, "name": names[code],
                                            "level": "subdistrict"},
                             "geometry": {"type": "Polygon", "coordinates": [_ring(poly)]}})
    return {"type": "FeatureCollection", "features": features}


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(district_geojson(), ensure_ascii=False), encoding="utf-8")
    print(OUT)
