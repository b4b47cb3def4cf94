"""Ledger commands: Excel template/import/export, stock counts and history, suppliers, audit."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from baogong import migrate
from baogong.audit import present
from baogong.audit.models import Source
from baogong.audit.queries import product_units
from baogong.audit.service import Actor, history
from baogong.console import StepProgress, console, err_console, fail, progress
from baogong.db import default_engine, session_factory, unit_of_work
from baogong.display import local_time
from baogong.i18n import _
from baogong.ledger import qualification, stock
from baogong.ledger.excel import importer
from baogong.ledger.excel.export import export_ledger, write_template
from baogong.ledger.excel.parse import Problem
from baogong.ledger.excel.units import to_product_units
from baogong.ledger.service import get_product
from baogong.types import china_today

template_app = typer.Typer(help="Empty workbooks to fill in.", no_args_is_help=True)
export_app = typer.Typer(help="Export ledgers.", no_args_is_help=True)
stock_app = typer.Typer(help="Stock counts and movements.", no_args_is_help=True)
supplier_app = typer.Typer(help="Supplier qualification.", no_args_is_help=True)

ByOpt = Annotated[str, typer.Option("--by", help="Who does this (kept in the audit trail).")]


def _me() -> str:
    return os.environ.get("USER") or "cli"


@template_app.command("ledger")
def template_ledger(output: Annotated[Path, typer.Option("--output", "-o")] = Path(
        "ledger-template.xlsx")) -> None:
    """Write the ledger workbook: every sheet, Chinese headers, an example row, drop-downs."""
    write_template(output)
    console.print(_("Template written to {path}.").format(path=output))


@export_app.command("ledger")
def export_command(output: Annotated[Path, typer.Option("--output", "-o")] = Path(
        "ledger.xlsx")) -> None:
    """Write every ledger with the template's headers (import it back to restore)."""
    with session_factory(default_engine())() as session:
        counts = export_ledger(session, output)
    console.print(_("Exported to {path}: {counts}").format(
        path=output, counts=", ".join(f"{k} {v:,}" for k, v in counts.items())))


def import_command(
    file: Annotated[Path, typer.Argument(help="The .xlsx workbook.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing.")] = (
        False),
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Write the valid rows and report the others.")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Who imports (audit trail).")] = None,
    yes: Annotated[bool, typer.Option(
        "--yes", help="Write even if more than 10% of a sheet's records change.")] = False,
) -> None:
    """Import a ledger workbook; all or nothing unless --skip-invalid."""
    engine = default_engine()
    migrate.upgrade(engine)
    with progress() as bar:
        step = StepProgress(bar)
        raw = importer.read(file, step=step)
        if isinstance(raw, Problem):
            raise fail(raw.text())
        actor = Actor(by or _me(), Source.FILE, file.name)
        with session_factory(engine)() as session:
            report = importer.import_sheets(session, raw, file_name=file.name, actor=actor,
                                            skip_invalid=skip_invalid, confirmed=yes,
                                            step=step)
            if report.written and not dry_run:
                session.commit()
            else:
                session.rollback()
    _show(report, dry_run)
    if report.unconfirmed and not dry_run:
        raise fail(_("Nothing was written: this import would change more than 10% of the "
                     "existing records ({changes}). Run it again with --yes to write it.")
                   .format(changes=report.large_text()))
    if report.errors and not skip_invalid:
        raise typer.Exit(1)


def _show(report: importer.ImportReport, dry_run: bool) -> None:
    table = Table(title=_("Import of {file}").format(file=report.file_name))
    for i, col in enumerate((_("Sheet"), _("Created"), _("Updated"), _("Unchanged"),
                             _("Skipped"))):
        table.add_column(col, justify="left" if i == 0 else "right")
    for name, t in report.tallies.items():
        table.add_row(name, f"{t.created:,}", f"{t.updated:,}", f"{t.unchanged:,}",
                      f"{t.skipped:,}")
    console.print(table)
    for p in report.problems[:200]:
        style = "yellow" if p.warning else "red"
        err_console.print(f"[{style}]{p.text()}[/]", highlight=False)
    if len(report.problems) > 200:
        err_console.print(_("… and {n} more problems").format(n=len(report.problems) - 200))
    if dry_run:
        console.print(_("Dry run: nothing was written."))
    elif not report.written and not report.unconfirmed:
        console.print(_("Nothing was written: fix the {n} problems above, or use "
                        "--skip-invalid to write the valid rows.").format(n=len(report.errors)))


@stock_app.command("count")
def stock_count(
    site: Annotated[str, typer.Argument(help="Site code.")],
    product: Annotated[str, typer.Argument(help="Product code.")],
    quantity: Annotated[str, typer.Argument(help="Counted stock, e.g. 120 or 2吨.")],
    by: ByOpt,
    unit: Annotated[str, typer.Option(help="Unit if not in the quantity.")] = "",
) -> None:
    """Report a counted stock; the difference from the books is booked as an adjustment."""
    from baogong.ledger.excel import cells

    try:
        amount, written_unit = cells.quantity(quantity, unit)
    except cells.CellError as err:
        raise fail(_(err.message).format(**err.params)) from err
    with unit_of_work(session_factory(default_engine())) as session:
        try:
            units = to_product_units(amount, written_unit, get_product(session, code=product))
        except cells.CellError as err:
            raise fail(_(err.message).format(**err.params)) from err
        move = stock.count(session, site_code=site, product_code=product, counted=units,
                           actor=Actor(by, Source.CLI), note=china_today().isoformat())
    if move is None:
        console.print(_("The count matches the books; nothing booked."))
    else:
        console.print(_("Booked an adjustment of {qty}.").format(qty=move.quantity))


@stock_app.command("history")
def stock_history(
    site: Annotated[str, typer.Option(help="Site code.")],
    product: Annotated[str | None, typer.Option(help="Only this product.")] = None,
    limit: Annotated[int, typer.Option(help="Most recent N movements.")] = 50,
) -> None:
    """A site's stock movements, newest first."""
    with session_factory(default_engine())() as session:
        rows = stock.movements(session, site_code=site, product_code=product, limit=limit)
    table = Table(title=_("Stock movements of {site}").format(site=site))
    for col in (_("When"), _("Product"), _("Kind"), _("Quantity"), _("Reason"), _("By")):
        table.add_column(col)
    for m, code in rows:
        table.add_row(local_time(m.occurred_at), code,
                      _(stock.MOVEMENT_LABELS[m.kind]), f"{m.quantity:,}", m.reason,
                      m.recorded_by)
    console.print(table)


@supplier_app.command("verify")
def supplier_verify(credit_code: str, by: ByOpt,
                    recheck_days: Annotated[int, typer.Option(help="Days to re-check.")] = 30
                    ) -> None:
    """Mark a supplier verified; it takes part in allocation until suspended."""
    with unit_of_work(session_factory(default_engine())) as session:
        ent = qualification.verify(session, credit_code=credit_code,
                                   actor=Actor(by, Source.CLI), recheck_days=recheck_days)
        console.print(_("{name} verified; re-check due {due}.").format(
            name=ent.name, due=ent.recheck_due))


@supplier_app.command("suspend")
def supplier_suspend(credit_code: str, by: ByOpt,
                     reason: Annotated[str, typer.Option(help="Why.")]) -> None:
    """Suspend a supplier: its sites leave the allocation."""
    with unit_of_work(session_factory(default_engine())) as session:
        ent = qualification.suspend(session, credit_code=credit_code,
                                    actor=Actor(by, Source.CLI), reason=reason)
        console.print(_("{name} suspended.").format(name=ent.name))


@supplier_app.command("override")
def supplier_override(credit_code: str, by: ByOpt,
                      reason: Annotated[str, typer.Option(help="Why.")] = "",
                      off: Annotated[bool, typer.Option("--off", help="Withdraw it.")] = False
                      ) -> None:
    """Let an unverified supplier supply anyway (recorded), or withdraw that with --off."""
    with unit_of_work(session_factory(default_engine())) as session:
        ent = qualification.override(session, credit_code=credit_code,
                                     actor=Actor(by, Source.CLI), reason=reason, allow=not off)
        console.print(_("Override for {name}: {state}.").format(
            name=ent.name, state=_("on") if ent.allocation_override else _("off")))


@supplier_app.command("due")
def supplier_due() -> None:
    """Verified suppliers due for re-check."""
    with session_factory(default_engine())() as session:
        for ent in qualification.due_for_recheck(session):
            console.print(f"{ent.recheck_due}  {ent.credit_code}  {ent.name}")


def audit_command(
    entity: Annotated[str | None, typer.Option(help="enterprise, site, product, stock ...")] = (
        None),
    key: Annotated[str | None, typer.Option(help="The record's code.")] = None,
    limit: Annotated[int, typer.Option()] = 50,
) -> None:
    """The audit trail, newest first: who changed what, when, from where, before and after."""
    with session_factory(default_engine())() as session:
        units = product_units(session)
        entries = [present.show(e, units)
                   for e in history(session, entity=entity, key=key, limit=limit)]
    table = Table(title=_("Audit trail"))
    for col in (_("When"), _("Who"), _("Source"), _("Action"), _("Record"), _("Before"),
                _("After")):
        table.add_column(col, overflow="fold")
    for e in entries:
        table.add_row(e.at, e.actor, f"{e.source} {e.ref}".strip(), e.action,
                      f"{e.entity} {e.key}", present.line(e.before), present.line(e.after))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the ledger commands to the main app."""
    app.add_typer(template_app, name="template")
    app.add_typer(export_app, name="export")
    app.add_typer(stock_app, name="stock")
    app.add_typer(supplier_app, name="supplier")
    app.command("import")(import_command)
    app.command("audit")(audit_command)

