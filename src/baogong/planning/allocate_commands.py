"""`baogong allocate`: solve an allocation problem given as JSON and write the plan as JSON."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from baogong.console import console, fail
from baogong.errors import DomainError
from baogong.i18n import N_, _

#: Tier names as shown to people (the JSON keeps the English keys).
TIER_LABELS = {"local": N_("local"), "nearby": N_("nearby"), "citywide": N_("citywide")}


def allocate(
    input: Annotated[Path, typer.Option("--input", "-i", help="Problem file (JSON, version 1).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Plan file to write (JSON).")],
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on success.")] = (
        False),
    method: Annotated[str | None, typer.Option(
        help="Stage-4 method: auto, exact (joint LP) or network (min-cost flows).")] = None,
    kgkm_bound: Annotated[bool, typer.Option(
        "--kgkm-bound", help="Network method: also prove a lower bound on kg·km "
        "(takes longer).")] = False,
) -> None:
    """Plan who supplies whom: priority first, then volume, fair shares, then fewest kg·km."""
    from dataclasses import replace

    from baogong.optim.allocation import Problem, ProblemError, solve
    from baogong.optim.allocation.io import read_problem, write_plan

    try:
        problem = read_problem(input)
        if method is not None or kgkm_bound:
            try:
                options = replace(problem.options, method=method or problem.options.method,
                                  kgkm_bound=kgkm_bound or problem.options.kgkm_bound)
            except ProblemError as exc:
                raise DomainError(exc.message, record=exc.record, field=exc.field,
                                  **exc.params) from exc
            problem = Problem(problem.products, problem.sites, problem.communities,
                              problem.fixed_flows, options)
    except DomainError as exc:
        raise fail(exc.text()) from exc
    if quiet:
        result = solve(problem)
    else:
        with console.status(_("Solving the allocation…")):
            result = solve(problem)
    try:
        write_plan(result, output)
    except OSError as exc:
        raise fail(_("cannot write {path}: {reason}").format(
            path=output, reason=exc.strerror or str(exc))) from exc
    if quiet:
        return
    s = result.summary
    table = Table(title=_("Allocation plan"), show_header=True)
    table.add_column(_("Measure"))
    table.add_column(_("Value"), justify="right")
    table.add_row(_("Flows"), f"{len(result.flow_qty):,}")
    table.add_row(_("Served kg"), f"{s.served_kg:,.1f}")
    table.add_row(_("Unmet kg"), f"{s.unmet_kg:,.1f}")
    table.add_row(_("Priority unmet kg"), f"{s.priority_unmet_kg:,.1f}")
    table.add_row(_("Lowest fill rate"), f"{s.min_fill_rate:.1%}")
    table.add_row(_("kg·km"), f"{s.kg_km:,.0f}")
    if math.isfinite(s.lp_kg_km):
        table.add_row(_("kg·km lower bound (LP)"), f"{s.lp_kg_km:,.0f}")
        table.add_row(_("kg·km above the bound"), f"{s.gaps()['kg_km']:.2%}")
    if s.bound_s > 0:
        table.add_row(_("Bound time (s)"), f"{s.bound_s:.2f}")
    if s.proven_products >= 0:
        table.add_row(_("Products whose flows are proven optimal"),
                      f"{s.proven_products} / {len(result.problem.products)}")
    for tier, kg in result.tier_kg().items():
        table.add_row(_("kg moved {tier}").format(tier=_(TIER_LABELS[str(tier)])), f"{kg:,.1f}")
    table.add_row(_("Solve time (s)"), f"{s.solve_s:.2f}")
    console.print(table)
    console.print(_("Plan written to {path}").format(path=output))


def register(app: typer.Typer) -> None:
    """Add the `allocate` command to the main app."""
    app.command("allocate")(allocate)
