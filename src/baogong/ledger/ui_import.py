"""Pages: upload a ledger workbook (台账导入), download the empty template, export the ledgers.

The upload goes through `ledger.excel.upload`, the same path as `POST /api/v1/imports` and
`baogong import`: all or nothing unless "skip invalid rows", or a dry run that writes nothing.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from baogong.auth.deps import Principal, SignedIn, require
from baogong.auth.models import Role
from baogong.errors import Label
from baogong.i18n import N_, gettext
from baogong.ledger.excel import upload
from baogong.ledger.excel.export import export_ledger, write_template
from baogong.ledger.excel.parse import Problem
from baogong.types import CHINA_TZ, utcnow
from baogong.web.deps import DbSession, Factory
from baogong.web.pages import render

router = APIRouter(include_in_schema=False)
Command = Annotated[Principal, require(Role.COMMAND)]

SHOWN_PROBLEMS = 1000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ProblemRow:
    """One problem as the page shows it: where, the value found, and why."""

    sheet: str
    row: int | None
    column: str
    value: str
    reason: str
    warning: bool


@dataclass
class Outcome:
    """What the result panel shows after an upload."""

    file: str
    dry_run: bool = False
    skip_invalid: bool = False
    written: bool = False
    error: str = ""
    tallies: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[ProblemRow] = field(default_factory=list)
    errors: int = 0
    hidden: int = 0
    confirm: str = ""
    """Why the import waits for confirmation (the large changes), if it does."""


def reason(problem: Problem) -> str:
    """Why a cell or row is refused, in the current language (without where)."""
    params = {k: gettext(v) if isinstance(v, Label) else v for k, v in problem.params.items()}
    return gettext(problem.message).format(**params)


def _row(p: Problem) -> ProblemRow:
    return ProblemRow(p.sheet, p.row, p.column, "" if p.value is None else str(p.value),
                      reason(p), p.warning)


def _show(request: Request, principal: Principal, outcome: Outcome | None,
          status: int = 200) -> HTMLResponse:
    name = "_import_result.html" if request.headers.get("hx-request") else "ledger_import.html"
    return render(request, name, principal, status=status, outcome=outcome,
                  max_mb=upload.MAX_UPLOAD_MB)


@router.get("/ledgers/import", response_class=HTMLResponse)
def import_page(request: Request, principal: Command) -> HTMLResponse:
    """The upload form, with links to the empty template and the current ledgers."""
    return _show(request, principal, None)


@router.post("/ledgers/import", response_class=HTMLResponse)
def import_upload(request: Request, factory: Factory, principal: Command,
                  file: Annotated[UploadFile, File()],
                  dry_run: Annotated[bool, Form()] = False,
                  skip_invalid: Annotated[bool, Form()] = False,
                  confirm: Annotated[bool, Form()] = False) -> HTMLResponse:
    """Import the uploaded workbook and show the counts per sheet and every problem.

    An import that would change more than 10% of a sheet's existing records writes nothing
    and asks for confirmation: the same form sent again with confirm.
    """
    name = upload.safe_name(file.filename)
    outcome = Outcome(name, dry_run=dry_run, skip_invalid=skip_invalid)
    data = file.file.read(upload.MAX_UPLOAD + 1)
    if len(data) > upload.MAX_UPLOAD:
        outcome.error = gettext(N_("The file is larger than {mb} MB")).format(
            mb=upload.MAX_UPLOAD_MB)
        return _show(request, principal, outcome, status=413)
    actor = principal.actor(request).at_row(f"{request.method} {request.url.path} {name}")
    report = upload.run(factory, data, file_name=name, actor=actor, dry_run=dry_run,
                        skip_invalid=skip_invalid, confirmed=confirm)
    if isinstance(report, Problem):
        outcome.error = reason(report)
        return _show(request, principal, outcome, status=400)
    if report.written:
        request.app.state.bus.publish("stock", file=name)
    if report.unconfirmed and not dry_run:
        outcome.confirm = gettext(upload.CONFIRM_MESSAGE).format(changes=report.large_text())
    outcome.written = report.written
    outcome.tallies = {k: t.as_dict() for k, t in report.tallies.items()}
    outcome.errors = len(report.errors)
    outcome.problems = [_row(p) for p in report.problems[:SHOWN_PROBLEMS]]
    outcome.hidden = max(0, len(report.problems) - SHOWN_PROBLEMS)
    return _show(request, principal, outcome)


def _xlsx(data: bytes, filename: str, fallback: str) -> Response:
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition,
                                                    "Cache-Control": "no-store"})


@router.get("/ledgers/template.xlsx")
def template(_p: SignedIn) -> Response:
    """The empty ledger workbook to fill in (same as `baogong template ledger`)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "template.xlsx"
        write_template(path)
        data = path.read_bytes()
    return _xlsx(data, "台账模板.xlsx", "ledger-template.xlsx")


@router.get("/ledgers/export.xlsx")
def export(db: DbSession, _p: Command) -> Response:
    """Every ledger in the template's layout (same as `baogong export ledger`)."""
    day = utcnow().astimezone(CHINA_TZ).date().isoformat()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.xlsx"
        export_ledger(db, path)
        data = path.read_bytes()
    return _xlsx(data, f"台账-{day}.xlsx", f"ledger-{day}.xlsx")
