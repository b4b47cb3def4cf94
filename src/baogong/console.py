"""Terminal output shared by every command: consoles, error lines and progress bars."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from baogong.i18n import _
from baogong.types import china_today

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one error line on stderr (never wrapped) and return the Exit to raise."""
    label = _("Error")
    err_console.print(f"[bold red]{label}:[/] {escape(message)}", highlight=False,
                      soft_wrap=True)
    return typer.Exit(code)


def progress(quiet: bool = False) -> Progress:
    """A progress bar on stderr (so that --json output on stdout stays clean)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=quiet,
        transient=False,
    )


class StepProgress:
    """Adapts a step(label, n) callback to a Rich progress bar: a label starts a new task."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task: TaskID | None = None

    def __call__(self, label: str, n: int) -> None:
        if label:
            if self.task is not None:
                self.bar.update(self.task, completed=self.bar.tasks[-1].total)
            self.task = self.bar.add_task(_(label), total=max(n, 1))
        elif self.task is not None:
            self.bar.advance(self.task, n)


DateOpt = Annotated[str | None, typer.Option(
    "--date", help="The day, YYYY-MM-DD (default: today).")]
"""The `--date` option of the day's commands, read with parse_day."""


def parse_day(value: str | None, param: str = "--date") -> date:
    """A YYYY-MM-DD option as a date (today when not given); a clear error otherwise."""
    try:
        return date.fromisoformat(value) if value else china_today()
    except ValueError as exc:
        raise typer.BadParameter(_("not a date: {value}").format(value=value),
                                 param_hint=param) from exc
