"""The JSON interface and the `allocate` command: shapes, errors naming record and field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from baogong.errors import DomainError
from baogong.optim.allocation import solve
from baogong.optim.allocation.io import parse_problem, plan_json
from baogong.planning.allocate_commands import register

DATA = Path(__file__).parents[2] / "data" / "allocation"


def shortage() -> dict[str, Any]:
    """The decoded shortage case."""
    data: dict[str, Any] = json.loads((DATA / "shortage.json").read_text())
    return data


def app() -> typer.Typer:
    """A throwaway Typer app with only the allocate command."""
    cli = typer.Typer()

    @cli.callback()
    def _root() -> None:
        """Test app."""

    register(cli)
    return cli


def test_output_has_the_issue_shape() -> None:
    """The plan has flows, unmet and summary with exactly the documented keys."""
    doc = plan_json(solve(parse_problem(shortage())))
    assert set(doc) == {"flows", "unmet", "summary"}
    assert set(doc["flows"][0]) == {"site", "community", "product", "quantity",
                                    "priority_quantity", "km", "tier"}
    assert set(doc["unmet"][0]) == {"community", "product", "priority", "regular"}
    assert {"served_kg", "unmet_kg", "priority_unmet_kg", "min_fill_rate", "kg_km",
            "solve_s"} <= set(doc["summary"])
    assert doc["summary"]["served_kg"] == 60.0
    assert all(isinstance(f["quantity"], int) for f in doc["flows"])


def _mutate(path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(shortage())
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


@pytest.mark.parametrize(("path", "value", "record", "field"), [
    (["sites", 0, "stock", "veg-pack"], -3, "site S1", "stock.veg-pack"),
    (["sites", 0, "stock", "rice"], 3, "site S1", "stock.rice"),
    (["sites", 0, "lat"], KeyError, "site S1", "lat"),
    (["sites", 0, "lon"], "east", "site S1", "lon"),
    (["communities", 1, "id"], "C1", "community C1", "id"),
    (["communities", 0, "demand", "veg-pack", "priority"], 1.5, "community C1",
     "demand.veg-pack.priority"),
    (["communities", 0, "demand", "milk"], {"regular": 1}, "community C1", "demand.milk"),
    (["products", 0, "kg_per_unit"], 0, "product veg-pack", "kg_per_unit"),
    (["version"], 2, "input", "version"),
    (["options", "road_factor"], 0.5, "options", "road_factor"),
    (["options", "speed"], 1, "options", "speed"),
    (["fixed_flows"], [{"site": "S9", "community": "C1", "product": "veg-pack",
                        "quantity": 1}], "fixed flow S9->C1 veg-pack", "site"),
])
def test_invalid_input_names_record_and_field(path: list[Any], value: Any, record: str,
                                              field: str) -> None:
    """Each kind of invalid input raises a DomainError naming the record and the field."""
    with pytest.raises(DomainError) as info:
        parse_problem(_mutate(path, value))
    assert (info.value.record, info.value.field) == (record, field)
    assert record in info.value.text() and field in info.value.text()


def test_command_writes_plan(tmp_path: Path) -> None:
    """`allocate` writes the plan and prints a summary table."""
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app(), ["allocate", "--input", str(DATA / "shortage.json"),
                                        "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["summary"]["min_fill_rate"] == 0.6
    assert "Allocation plan" in result.output


def test_command_refuses_invalid_input_and_writes_nothing(tmp_path: Path) -> None:
    """Invalid input exits non-zero with the record and field, and no output file exists."""
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app(), ["allocate", "-i", str(DATA / "invalid_stock.json"),
                                        "-o", str(out)])
    assert result.exit_code == 1
    assert "site S1" in result.output and "stock.veg-pack" in result.output
    assert not out.exists() and not list(tmp_path.iterdir())


def test_command_refuses_broken_json(tmp_path: Path) -> None:
    """A file that is not JSON is refused with its line number; nothing is written."""
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1,\n "products": [}')
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app(), ["allocate", "-i", str(bad), "-o", str(out), "-q"])
    assert result.exit_code == 1 and "line 2" in result.output
    assert not out.exists()
