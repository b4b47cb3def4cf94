"""An uploaded ledger workbook (API or page): check, import, commit or roll back.

This is the caller's side of `importer.import_sheets`, shared by `POST /api/v1/imports` and
the upload page, with the same all-or-nothing rule as `baogong import`: the transaction is
committed only when the report says it may be written and this is not a dry run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from baogong.audit.service import Actor
from baogong.i18n import N_
from baogong.ledger.excel import importer
from baogong.ledger.excel.parse import Problem

ZIP_MAGIC = b"PK\x03\x04"
"""An .xlsx file is a zip archive."""
MAX_UPLOAD_MB = 50
"""Largest workbook accepted, by the API and the upload page alike."""
MAX_UPLOAD = MAX_UPLOAD_MB * 1024 * 1024
CONFIRM_MESSAGE = N_("This import would change more than 10% of the existing records "
                     "({changes}); nothing was written. Confirm to write it.")
"""Why an import waits for confirmation (`confirm=true` on the API, a button on the page)."""


def safe_name(filename: str | None) -> str:
    """The uploaded file's base name (no directories, no control characters), for messages
    and the audit trail only: it is never used as a path."""
    name = Path((filename or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "upload.xlsx"


def check(name: str, data: bytes) -> Problem | None:
    """Why an upload is not an .xlsx workbook, or None if it looks like one."""
    if not data:
        return Problem(name, None, "", None, N_("The file is empty"))
    if not name.lower().endswith((".xlsx", ".xlsm")) or not data.startswith(ZIP_MAGIC):
        return Problem(name, None, "", None,
                       N_("Not an .xlsx workbook; save the file as Excel workbook (.xlsx)"))
    return None


def run(factory: sessionmaker[Session], data: bytes, *, file_name: str, actor: Actor,
        dry_run: bool = False, skip_invalid: bool = False,
        confirmed: bool = False) -> importer.ImportReport | Problem:
    """Import the bytes of a workbook; returns the report, or the problem reading the file.

    Committed only if the importer allows it (large changes confirmed) and this is not a dry
    run, otherwise rolled back; the returned `report.written` says whether it was committed.
    """
    bad = check(file_name, data)
    if bad is not None:
        return bad
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.xlsx"  # never the client's name: it is no path of ours
        path.write_bytes(data)
        raw = importer.read(path, name=file_name)
    if isinstance(raw, Problem):
        return raw
    with factory() as session:
        report = importer.import_sheets(session, raw, file_name=file_name, actor=actor,
                                        skip_invalid=skip_invalid, confirmed=confirmed)
        if report.written and not dry_run:
            session.commit()
        else:
            session.rollback()
            report.written = False
    return report
