"""The routing JSON interface (version 1): parse into a RoutingProblem, write a RoutingResult.

Input errors raise :class:`baogong.errors.DomainError` naming the record (``stop H1``) and
the field (``window``); message ids are English with ``{placeholders}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from baogong.errors import DomainError
from baogong.i18n import N_, gettext
from baogong.optim.routing.model import (
    WHOLE_DAY,
    Depot,
    Matrix,
    RoutingInputError,
    RoutingOptions,
    RoutingProblem,
    RoutingResult,
    Stop,
    Unassigned,
    VehicleType,
    Window,
)

VERSION = 1
_TIME = re.compile(r"^(\d{1,2}):([0-5]\d)$")
T = TypeVar("T")

_DEPOT_FIELDS = {"id", "lat", "lon", "window", "name"}
_VEHICLE_FIELDS = {
    "id",
    "count",
    "capacity_kg",
    "depot",
    "cold_chain",
    "shift_minutes",
    "permit",
    "max_trips",
    "name",
}
_STOP_FIELDS = {
    "id",
    "lat",
    "lon",
    "load_kg",
    "cold",
    "service_minutes",
    "window",
    "needs_permit",
    "name",
}
_TOP_FIELDS = {"version", "depots", "vehicle_types", "stops", "matrix", "options"}
_OPTION_FIELDS = {"road_factor", "speed_kmh", "load_minutes", "vehicle_cost_m"}


def parse_time(value: object, *, record: str, field: str) -> int:
    """``"07:30"`` -> 450 minutes since midnight (up to ``48:00``)."""
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None or int(match.group(1)) * 60 + int(match.group(2)) > 48 * 60:
        raise DomainError(
            N_("must be a time HH:MM between 00:00 and 48:00, not {value}"),
            record=record,
            field=field,
            value=json.dumps(value, ensure_ascii=False),
        )
    return int(match.group(1)) * 60 + int(match.group(2))


def _window(raw: object, record: str) -> Window:
    if raw is None:
        return WHOLE_DAY
    if not isinstance(raw, list | tuple) or len(raw) != 2:
        raise DomainError(
            N_('must be a list of two times ["HH:MM", "HH:MM"]'),
            record=record,
            field="window",
        )
    early = parse_time(raw[0], record=record, field="window")
    late = parse_time(raw[1], record=record, field="window")
    if early > late:
        raise DomainError(
            N_("the window opens at {early} after it closes at {late}"),
            record=record,
            field="window",
            early=raw[0],
            late=raw[1],
        )
    return (early, late)


def _object(raw: object, record: str, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise DomainError(N_("must be a JSON object"), record=record, field=None)
    for key in raw:
        if key not in allowed:
            raise DomainError(N_("unknown field {name}"), record=record, field=str(key), name=key)
    return raw


def _require(obj: Mapping[str, Any], key: str, record: str) -> Any:
    if key not in obj or obj[key] is None:
        raise DomainError(N_("is required"), record=record, field=key)
    return obj[key]


def _list(top: Mapping[str, Any], key: str, *, required: bool = True) -> list[Any]:
    raw = top.get(key)
    if raw is None and not required:
        return []
    if not isinstance(raw, list):
        raise DomainError(N_("must be a list"), record="routing input", field=key)
    return raw


def _record_name(kind: str, raw: object, position: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str | int) and raw.get("id") != "":
        return f"{kind} {raw['id']}"
    return f"{kind} #{position + 1}"


def _build(make: Callable[[], T]) -> T:
    try:
        return make()
    except RoutingInputError as exc:
        raise DomainError(exc.message_id, record=exc.record, field=exc.field, **exc.params) from exc


def _id(obj: Mapping[str, Any], record: str) -> str:
    value = _require(obj, "id", record)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise DomainError(N_("an id must be a non-empty text"), record=record, field="id")
    return value


def _int(obj: Mapping[str, Any], key: str, record: str, default: int | None = None) -> int:
    value = obj.get(key, default)
    if value is None:
        raise DomainError(N_("is required"), record=record, field=key)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise DomainError(N_("must be a whole number"), record=record, field=key)
    return value


def _bool(obj: Mapping[str, Any], key: str, record: str) -> bool:
    value = obj.get(key, False)
    if not isinstance(value, bool):
        raise DomainError(N_("must be true or false"), record=record, field=key)
    return value


def _parse_depot(raw: object, i: int) -> Depot:
    record = _record_name("depot", raw, i)
    obj = _object(raw, record, _DEPOT_FIELDS)
    return _build(
        lambda: Depot(
            id=_id(obj, record),
            lat=_require(obj, "lat", record),
            lon=_require(obj, "lon", record),
            window=_window(obj.get("window"), record),
        )
    )


def _parse_vehicle(raw: object, i: int) -> VehicleType:
    record = _record_name("vehicle type", raw, i)
    obj = _object(raw, record, _VEHICLE_FIELDS)
    return _build(
        lambda: VehicleType(
            id=_id(obj, record),
            count=_int(obj, "count", record),
            capacity_kg=_require(obj, "capacity_kg", record),
            depot=str(_require(obj, "depot", record)),
            cold_chain=_bool(obj, "cold_chain", record),
            shift_minutes=_int(obj, "shift_minutes", record, 480),
            permit=_bool(obj, "permit", record),
            max_trips=_int(obj, "max_trips", record, 1),
        )
    )


def _parse_stop(raw: object, i: int) -> Stop:
    record = _record_name("stop", raw, i)
    obj = _object(raw, record, _STOP_FIELDS)
    return _build(
        lambda: Stop(
            id=_id(obj, record),
            lat=_require(obj, "lat", record),
            lon=_require(obj, "lon", record),
            load_kg=_require(obj, "load_kg", record),
            cold=_bool(obj, "cold", record),
            service_minutes=obj.get("service_minutes", 0),
            window=_window(obj.get("window"), record),
            needs_permit=_bool(obj, "needs_permit", record),
        )
    )


def _parse_matrix(raw: object) -> Matrix:
    obj = _object(raw, "matrix", {"distance_m", "duration_s"})
    rows: dict[str, tuple[tuple[float | None, ...], ...]] = {}
    for key in ("distance_m", "duration_s"):
        value = _require(obj, key, "matrix")
        if not isinstance(value, list) or not all(isinstance(r, list) for r in value):
            raise DomainError(N_("must be a list of rows"), record="matrix", field=key)
        rows[key] = tuple(tuple(r) for r in value)
    return _build(lambda: Matrix(rows["distance_m"], rows["duration_s"]))


def problem_from_dict(data: object) -> RoutingProblem:
    """Check and convert the parsed routing JSON into a :class:`RoutingProblem`."""
    top = _object(data, "routing input", _TOP_FIELDS)
    version = top.get("version")
    if version != VERSION:
        raise DomainError(
            N_("unsupported version {version}; expected {expected}"),
            record="routing input",
            field="version",
            version=json.dumps(version),
            expected=VERSION,
        )
    depots = tuple(_parse_depot(r, i) for i, r in enumerate(_list(top, "depots")))
    vehicles = tuple(_parse_vehicle(r, i) for i, r in enumerate(_list(top, "vehicle_types")))
    stops = tuple(_parse_stop(r, i) for i, r in enumerate(_list(top, "stops", required=False)))
    matrix = _parse_matrix(top["matrix"]) if top.get("matrix") is not None else None
    options = RoutingOptions()
    if top.get("options") is not None:
        opts = _object(top["options"], "options", _OPTION_FIELDS)
        options = _build(lambda: RoutingOptions(**opts))
    return _build(lambda: RoutingProblem(depots, vehicles, stops, matrix, options))


def read_problem(path: Path) -> RoutingProblem:
    """Read and check a routing JSON file."""
    record = f"file {path.name}"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DomainError(
            N_("cannot read the file: {error}"), record=record, error=exc.strerror or str(exc)
        ) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DomainError(
            N_("not valid JSON: {error} at line {line}, column {column}"),
            record=record,
            error=exc.msg,
            line=exc.lineno,
            column=exc.colno,
        ) from exc
    return problem_from_dict(data)


def reason_text(item: Unassigned) -> str:
    """The reason of an unserved stop in the current language."""
    return gettext(item.message_id).format(**item.params)


def _number(value: float) -> float | int:
    rounded = round(value, 3)
    return int(rounded) if rounded == int(rounded) else rounded


def result_to_dict(result: RoutingResult) -> dict[str, Any]:
    """The output JSON: routes, unassigned stops with reasons, summary.

    Stops carry ``trip`` (1, 2, ...) only on vehicles that made more than one trip.
    """
    routes = []
    for route in result.routes:
        stops = []
        for stop in route.stops:
            entry: dict[str, Any] = {
                "id": stop.id,
                "arrival": stop.arrival,
                "load_kg": _number(stop.load_kg),
            }
            if route.trips > 1:
                entry["trip"] = stop.trip
            stops.append(entry)
        routes.append(
            {
                "vehicle": route.vehicle,
                "depot": route.depot,
                "stops": stops,
                "distance_m": route.distance_m,
                "duration_s": route.duration_s,
            }
        )
    return {
        "routes": routes,
        "unassigned": [{"id": u.id, "reason": reason_text(u)} for u in result.unassigned],
        "summary": result.summary(),
    }


def write_json(path: Path, payload: Mapping[str, Any]) -> None:
    """Write JSON atomically: a temporary file next to the target, then rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", "utf-8")
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
