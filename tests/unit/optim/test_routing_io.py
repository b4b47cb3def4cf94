"""The routing JSON interface and the `route` command: parsing, errors, output shape."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from baogong import i18n
from baogong.delivery.route_commands import register
from baogong.errors import DomainError
from baogong.optim.routing import solve
from baogong.optim.routing.io import problem_from_dict, read_problem, result_to_dict

DATA = Path(__file__).parents[2] / "data" / "routing"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages in English for exact text checks."""
    i18n.set_lang("en")
    yield
    i18n.set_lang(None)


@pytest.fixture
def small_day() -> dict[str, Any]:
    """The small named case: two depots, vans and a cold van, five hand-off points."""
    data: dict[str, Any] = json.loads((DATA / "small_day.json").read_text("utf-8"))
    return data


def app() -> typer.Typer:
    """A bare Typer app with only the route command, as cli.py will wire it."""
    main = typer.Typer()

    @main.callback()
    def _root() -> None:
        pass

    register(main)
    return main


def error_of(data: object) -> DomainError:
    """The DomainError raised by parsing ``data``."""
    with pytest.raises(DomainError) as info:
        problem_from_dict(data)
    return info.value


def test_small_day_parses_into_a_problem(small_day: dict[str, Any]) -> None:
    """The issue's input shape parses: windows become minutes, flags and counts carried over."""
    problem = problem_from_dict(small_day)
    assert [d.id for d in problem.depots] == ["S1", "S2"]
    assert problem.stops[0].window == (7 * 60, 10 * 60)
    assert problem.vehicle_types[1].cold_chain is True
    assert problem.stops[2].cold is True


@pytest.mark.parametrize(
    ("mutate", "record", "field"),
    [
        (lambda d: d["stops"][0].__setitem__("window", ["7am", "10:00"]), "stop H1", "window"),
        (lambda d: d["stops"][1].__setitem__("window", ["10:00", "07:00"]), "stop H2", "window"),
        (lambda d: d["stops"][2].pop("lat"), "stop H3", "lat"),
        (lambda d: d["stops"][0].__setitem__("load_kg", -1), "stop H1", "load_kg"),
        (lambda d: d["stops"][0].__setitem__("cold", "yes"), "stop H1", "cold"),
        (lambda d: d["stops"][0].__setitem__("colour", "red"), "stop H1", "colour"),
        (lambda d: d["vehicle_types"][0].__setitem__("count", "two"), "vehicle type van", "count"),
        (lambda d: d["vehicle_types"][0].__setitem__("depot", "S9"), "vehicle type van", "depot"),
        (lambda d: d["depots"][0].__setitem__("lat", 123), "depot S1", "lat"),
        (lambda d: d.__setitem__("version", 2), "routing input", "version"),
        (lambda d: d["stops"].append(dict(d["stops"][0])), "stop H1", "id"),
        (
            lambda d: d.__setitem__("matrix", {"distance_m": [[0]], "duration_s": [[0]]}),
            "matrix",
            "distance_m",
        ),
    ],
)
def test_input_errors_name_record_and_field(
    small_day: dict[str, Any], mutate: Any, record: str, field: str
) -> None:
    """Each kind of bad input is refused with the record and field it concerns."""
    data = copy.deepcopy(small_day)
    mutate(data)
    error = error_of(data)
    assert (error.record, error.field) == (record, field)
    assert record in error.text() and field in error.text()


def test_output_has_the_issue_shape(small_day: dict[str, Any]) -> None:
    """routes[vehicle, depot, stops[id, arrival, load_kg], distance_m, duration_s], summary."""
    result = solve(problem_from_dict(small_day), time_limit_s=1, seed=1, max_iterations=300)
    out = result_to_dict(result)
    assert set(out) == {"routes", "unassigned", "summary"}
    assert set(out["summary"]) == {"distance_m", "vehicles_used", "solve_s"}
    route = out["routes"][0]
    assert set(route) == {"vehicle", "depot", "stops", "distance_m", "duration_s"}
    assert set(route["stops"][0]) == {"id", "arrival", "load_kg"}
    assert route["vehicle"].rsplit("-", 1)[1].isdigit()
    served = sorted(s["id"] for r in out["routes"] for s in r["stops"])
    assert served == ["H1", "H2", "H3", "H4", "H5"]


def test_cli_writes_routes(tmp_path: Path) -> None:
    """`route --input` solves the small day and writes the routes JSON."""
    out = tmp_path / "routes.json"
    result = CliRunner().invoke(
        app(),
        [
            "route",
            "--input",
            str(DATA / "small_day.json"),
            "--output",
            str(out),
            "--time-limit",
            "1",
            "--seed",
            "3",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text("utf-8"))
    assert payload["summary"]["vehicles_used"] >= 2
    assert payload["unassigned"] == []


def test_cli_reports_impossible_stops(tmp_path: Path) -> None:
    """Stops no vehicle can serve come out in `unassigned` with readable reasons."""
    out = tmp_path / "routes.json"
    result = CliRunner().invoke(
        app(),
        [
            "route",
            "--input",
            str(DATA / "impossible.json"),
            "--output",
            str(out),
            "--time-limit",
            "1",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    reasons = {u["id"]: u["reason"] for u in json.loads(out.read_text("utf-8"))["unassigned"]}
    assert set(reasons) == {"COLD", "PERMIT", "EARLY", "FAR"}
    assert "cold-chain" in reasons["COLD"]
    assert "06:00-06:30" in reasons["EARLY"]
    assert "shift" in reasons["FAR"]


def test_cli_bad_input_fails_without_output(tmp_path: Path) -> None:
    """An input error exits non-zero naming record and field, and writes no file."""
    out = tmp_path / "routes.json"
    result = CliRunner().invoke(
        app(),
        ["route", "--input", str(DATA / "bad_window.json"), "--output", str(out), "--quiet"],
    )
    assert result.exit_code != 0
    assert "stop H1" in result.output and "window" in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_bad_json_and_both_modes(tmp_path: Path) -> None:
    """Broken JSON, and giving both --input and --vrplib, exit non-zero with no output."""
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": 1,', "utf-8")
    out = tmp_path / "routes.json"
    result = CliRunner().invoke(app(), ["route", "--input", str(broken), "--output", str(out)])
    assert result.exit_code != 0 and "not valid JSON" in result.output
    result = CliRunner().invoke(
        app(), ["route", "--input", str(broken), "--vrplib", str(broken), "--output", str(out)]
    )
    assert result.exit_code != 0
    assert not out.exists()


def test_read_problem_names_the_file(tmp_path: Path) -> None:
    """A missing file is a DomainError naming the file."""
    with pytest.raises(DomainError) as info:
        read_problem(tmp_path / "nope.json")
    assert info.value.record == "file nope.json"


def test_multi_trip_and_split_show_in_output() -> None:
    """A reloading van's stops carry their trip; a split stop appears once per visit."""
    data = {
        "version": 1,
        "depots": [{"id": "S1", "lat": 23.2, "lon": 113.3, "window": ["06:00", "20:00"]}],
        "vehicle_types": [
            {"id": "van", "count": 1, "capacity_kg": 1000, "depot": "S1", "max_trips": 3}
        ],
        "stops": [{"id": "BIG", "lat": 23.21, "lon": 113.3, "load_kg": 2500}],
    }
    result = solve(problem_from_dict(data), time_limit_s=1, seed=1, max_iterations=300)
    out = result_to_dict(result)
    visits = out["routes"][0]["stops"]
    assert {v["id"] for v in visits} == {"BIG"}
    assert sorted(v["load_kg"] for v in visits) == [500, 1000, 1000]
    assert {v["trip"] for v in visits} == {1, 2, 3}
    assert out["unassigned"] == []


def test_cli_unwritable_output_fails_cleanly(tmp_path: Path) -> None:
    """An output path in a missing directory exits non-zero with one line, no traceback."""
    out = tmp_path / "missing" / "routes.json"
    args = ["route", "--input", str(DATA / "small_day.json"), "--output", str(out)]
    result = CliRunner().invoke(app(), [*args, "--quiet", "--time-limit", "0"])
    assert result.exit_code == 1
    assert "Cannot write" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
