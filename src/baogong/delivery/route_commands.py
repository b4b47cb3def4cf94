"""`baogong route`: vehicle routes to hand-off points from a routing JSON or a VRPLIB file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from baogong.console import console, fail, progress
from baogong.errors import DomainError
from baogong.i18n import N_, _

T = TypeVar("T")
#: Progress callback of the solvers: fraction of the time budget used, best cost so far.
ProgressFn = Callable[[float, float], None]


def _solve_with_progress(quiet: bool, label: str, run: Callable[[ProgressFn], T]) -> T:
    """Run ``run(report)`` under a Rich progress bar on stderr; ``report`` moves the bar."""
    with progress(quiet) as bar:
        task = bar.add_task(label, total=100)

        def report(fraction: float, _best: float) -> None:
            bar.update(task, completed=round(100 * fraction))

        result = run(report)
        bar.update(task, completed=100)
    return result


def _route_json(
    input_path: Path, output: Path, time_limit: float, seed: int, osrm: str | None, quiet: bool
) -> None:
    from baogong.optim.routing import solve
    from baogong.optim.routing.io import read_problem, reason_text, result_to_dict, write_json

    problem = read_problem(input_path)
    if osrm and problem.matrix is None:
        from baogong.adapters.distance import DistanceSourceError, OsrmSource, attach_matrix

        try:
            problem = attach_matrix(problem, OsrmSource(osrm))
        except DistanceSourceError as exc:
            raise fail(_("The distance server did not answer: {error}").format(error=exc)) from exc
    result = _solve_with_progress(
        quiet,
        _("Routing {n} stops").format(n=len(problem.stops)),
        lambda report: solve(problem, time_limit, seed, progress=report),
    )
    write_json(output, result_to_dict(result))

    table = Table(title=_("Routes"), show_lines=False)
    for header in (
        _("Vehicle"),
        _("Depot"),
        _("Stops"),
        _("Trips"),
        _("Load (kg)"),
        _("Distance (km)"),
        _("Hours"),
        _("Start"),
        _("End"),
    ):
        table.add_column(header)
    for route in result.routes:
        table.add_row(
            route.vehicle,
            route.depot,
            str(len(route.stops)),
            str(route.trips),
            f"{route.load_kg:,.0f}",
            f"{route.distance_m / 1000:.1f}",
            f"{route.duration_s / 3600:.1f}",
            route.start,
            route.end,
        )
    console.print(table)
    if result.unassigned:
        missing = Table(title=_("Not served"))
        missing.add_column(_("Stop"))
        missing.add_column(_("Reason"))
        for item in result.unassigned:
            missing.add_row(item.id, reason_text(item))
        console.print(missing)
    console.print(
        _(
            "{vehicles} vehicles, {km:.1f} km, {unassigned} stops not fully served; "
            "solved in {seconds:.1f} s. Written to {path}."
        ).format(
            vehicles=result.vehicles_used,
            km=result.distance_m / 1000,
            unassigned=len(result.unassigned),
            seconds=result.solve_s,
            path=output,
        )
    )


def _route_vrplib(
    path: Path, output: Path, time_limit: float, seed: int, rounding: str | None, quiet: bool
) -> None:
    from baogong.optim.routing.io import write_json
    from baogong.optim.routing.vrplib import best_known, solve_vrplib

    if not path.is_file():
        raise DomainError(N_("no such file"), record=f"file {path}", field="--vrplib")
    try:
        result = _solve_with_progress(
            quiet,
            _("Solving {name}").format(name=path.name),
            lambda report: solve_vrplib(path, time_limit, seed, rounding=rounding, progress=report),
        )
        bks = best_known(path, rounding)
    except (ValueError, KeyError, IndexError) as exc:
        raise DomainError(
            N_("cannot read this VRPLIB instance: {error}"),
            record=f"file {path.name}",
            error=str(exc).strip(),
        ) from exc
    payload = result.to_dict()
    if bks is not None:
        payload["summary"]["best_known"] = bks
        if result.cost is not None:
            payload["summary"]["gap_pct"] = round(100 * (result.cost - bks) / bks, 3)
    write_json(output, payload)

    table = Table(title=_("VRPLIB {name}").format(name=result.instance))
    for header in (
        _("Clients"),
        _("Rounding"),
        _("Cost"),
        _("Best known"),
        _("Gap"),
        _("Vehicles"),
        _("Seconds"),
    ):
        table.add_column(header)
    gap = payload["summary"].get("gap_pct")
    table.add_row(
        str(result.num_clients),
        result.rounding,
        "-" if result.cost is None else f"{result.cost:g}",
        "-" if bks is None else f"{bks:g}",
        "-" if gap is None else f"{gap:.2f}%",
        str(result.vehicles_used),
        f"{result.solve_s:.1f}",
    )
    console.print(table)


def route(
    output: Annotated[Path, typer.Option("--output", help="Where to write the routes JSON.")],
    input_path: Annotated[
        Path | None, typer.Option("--input", help="Routing JSON (version 1) to solve.")
    ] = None,
    vrplib: Annotated[
        Path | None, typer.Option("--vrplib", help="A VRPLIB instance (.vrp) to solve instead.")
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0, help="Search time in seconds.")
    ] = 10.0,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    rounding: Annotated[
        str | None,
        typer.Option(
            "--rounding",
            help="VRPLIB distance convention: round, dimacs or exact "
            "(default: from the instance family).",
        ),
    ] = None,
    osrm: Annotated[
        str | None,
        typer.Option(
            "--osrm",
            envvar="BAOGONG_OSRM_URL",
            help="OSRM-compatible server for road distances when the input has no "
            "matrix (default: straight line x road factor).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Plan vehicle routes from sites to hand-off points (or solve a VRPLIB instance)."""
    if (input_path is None) == (vrplib is None):
        raise fail(_("Give exactly one of --input or --vrplib."))
    try:
        if input_path is not None:
            _route_json(input_path, output, time_limit, seed, osrm, quiet)
        else:
            assert vrplib is not None
            _route_vrplib(vrplib, output, time_limit, seed, rounding, quiet)
    except DomainError as exc:
        raise fail(exc.text()) from exc
    except OSError as exc:
        message = _("Cannot write {path}: {error}").format(
            path=output, error=exc.strerror or str(exc)
        )
        raise fail(message) from exc


def register(app: typer.Typer) -> None:
    """Add the `route` command to the main app."""
    app.command("route")(route)
