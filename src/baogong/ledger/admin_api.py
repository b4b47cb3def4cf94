"""API: ledger workbooks, stock counts and history, supplier qualification."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from pydantic import BaseModel, Field

from baogong.auth import audience
from baogong.auth.deps import Principal, require
from baogong.auth.models import Role
from baogong.db import unit_of_work
from baogong.i18n import N_
from baogong.ledger import qualification, queries, stock
from baogong.ledger.excel import cells, upload
from baogong.ledger.excel.parse import Problem
from baogong.ledger.excel.units import to_product_units
from baogong.ledger.models import Qualification
from baogong.ledger.service import get_product
from baogong.types import china_today
from baogong.web.deps import DbSession, Factory
from baogong.web.errors import ApiError
from baogong.web.schemas import Count

router = APIRouter(tags=["ledger admin"])
Command = Annotated[Principal, require(Role.COMMAND)]


class ProblemOut(BaseModel):
    """One problem of an import: where, the value found, and why (in your language)."""

    sheet: str
    row: int | None
    column: str
    value: str | None
    message: str
    warning: bool


class TallyOut(BaseModel):
    """What happened to one sheet's rows."""

    created: int
    updated: int
    unchanged: int
    skipped: int


class ImportOut(BaseModel):
    """The outcome of an import; `written` is false when nothing was stored."""

    file: str
    written: bool
    dry_run: bool
    tallies: dict[str, TallyOut]
    problems: list[ProblemOut]


def _problem(p: Problem) -> ProblemOut:
    return ProblemOut(sheet=p.sheet, row=p.row, column=p.column,
                      value=None if p.value is None else str(p.value), message=p.text(),
                      warning=p.warning)


@router.post("/imports", response_model=ImportOut)
def import_workbook(request: Request, factory: Factory, principal: Command,
                    file: Annotated[UploadFile, File(description="The .xlsx ledger")],
                    dry_run: bool = False, skip_invalid: bool = False,
                    confirm: bool = False) -> ImportOut:
    """Import a ledger workbook, all or nothing unless skip_invalid (same as `baogong import`).

    An import that would change more than 10% of the existing records of a sheet is refused
    with 409, naming the counts, unless confirm=true. Runs in a worker thread, off the event
    loop.
    """
    data = file.file.read(upload.MAX_UPLOAD + 1)
    if len(data) > upload.MAX_UPLOAD:
        raise ApiError(413, N_("The file is larger than 50 MB"), code="too_large", field="file")
    name = upload.safe_name(file.filename)
    actor = principal.actor(request).at_row(f"{request.method} {request.url.path} {name}")
    report = upload.run(factory, data, file_name=name, actor=actor, dry_run=dry_run,
                        skip_invalid=skip_invalid, confirmed=confirm)
    if isinstance(report, Problem):
        raise ApiError(400, report.message, code="invalid", field="file", **report.params)
    if report.unconfirmed and not dry_run:
        raise ApiError(409, upload.CONFIRM_MESSAGE, code="confirm", field="confirm",
                       changes=report.large_text())
    if report.written:
        request.app.state.bus.publish("stock", file=name)
    return ImportOut(file=name, written=report.written, dry_run=dry_run,
                     tallies={k: TallyOut(**t.as_dict()) for k, t in report.tallies.items()},
                     problems=[_problem(p) for p in report.problems])


class CountIn(BaseModel):
    """A counted stock: in the product's unit, or with a unit (吨, 公斤, 斤, 箱 ...)."""

    product: str = Field(max_length=40)
    quantity: Decimal = Field(ge=0, max_digits=16, decimal_places=3)
    unit: str = Field(default="", max_length=10)
    note: str = Field(default="", max_length=200)


class CountOut(BaseModel):
    """The books before, the count, and the adjustment booked (0 when they agree)."""

    site: str
    product: str
    book_before: Decimal
    counted: Decimal
    adjustment: Decimal


@router.post("/sites/{code}/counts", response_model=CountOut)
def report_count(code: str, body: CountIn, request: Request, factory: Factory,
                 principal: Annotated[Principal, require(Role.COMMAND, Role.ENTERPRISE)]
                 ) -> CountOut:
    """Daily stock reporting: the difference from the books is booked as an adjustment."""
    with unit_of_work(factory) as db:
        site = queries.site_in_scope(db, scope=principal.scope, code=code)
        product = get_product(db, code=body.product)
        try:
            counted = to_product_units(body.quantity, body.unit.lower(), product)
        except cells.CellError as err:
            raise ApiError(400, err.message, code="invalid", field="unit", **err.params) from err
        move = stock.count(db, site_code=site.code, product_code=product.code,
                           counted=counted, actor=principal.actor(request),
                           note=body.note or china_today().isoformat())
        before = counted - move.quantity if move else counted
        to = audience.of_site(db, code=site.code)
    if counted != before:
        request.app.state.bus.publish("stock", to, site=code, product=body.product)
    return CountOut(site=code, product=body.product, book_before=before, counted=counted,
                    adjustment=counted - before)


class MovementOut(BaseModel):
    """One entry of a site's stock ledger."""

    at: datetime
    product: str
    kind: str
    quantity: Decimal
    reason: str
    by: str


@router.get("/sites/{code}/movements", response_model=list[MovementOut])
def movements(code: str, db: DbSession,
              principal: Annotated[Principal, require(Role.COMMAND, Role.INSPECTOR,
                                                      Role.ENTERPRISE)],
              product: Annotated[str | None, Query(max_length=40)] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[MovementOut]:
    """A site's stock movements (receipts, issues, transfers, adjustments), newest first."""
    site = queries.site_in_scope(db, scope=principal.scope, code=code)
    return [MovementOut(at=m.occurred_at, product=p, kind=m.kind.value, quantity=m.quantity,
                        reason=m.reason, by=m.recorded_by)
            for m, p in stock.movements(db, site_code=site.code, product_code=product,
                                        limit=limit)]


class QualificationIn(BaseModel):
    """A qualification decision: verify, suspend, override or withdraw the override."""

    action: str = Field(pattern="^(verify|suspend|override|withdraw)$")
    reason: str = Field(default="", max_length=300)
    recheck_days: Count = Field(default=30, ge=1, le=365)


class QualificationOut(BaseModel):
    """A supplier's qualification after the decision."""

    credit_code: str
    qualification: Qualification
    recheck_due: date | None
    allocation_override: bool


@router.post("/enterprises/{credit_code}/qualification", response_model=QualificationOut)
def decide(credit_code: str, body: QualificationIn, request: Request, factory: Factory,
           principal: Command) -> QualificationOut:
    """Verify, suspend (with a reason), or override (with a reason) a supplier; audited."""
    actor = principal.actor(request)
    with unit_of_work(factory) as db:
        if body.action == "verify":
            ent = qualification.verify(db, credit_code=credit_code, actor=actor,
                                       recheck_days=body.recheck_days)
        elif body.action == "suspend":
            ent = qualification.suspend(db, credit_code=credit_code, actor=actor,
                                        reason=body.reason)
        else:
            ent = qualification.override(db, credit_code=credit_code, actor=actor,
                                         reason=body.reason, allow=body.action == "override")
        out = QualificationOut(credit_code=ent.credit_code, qualification=ent.qualification,
                               recheck_due=ent.recheck_due,
                               allocation_override=ent.allocation_override)
        to = audience.of_enterprise(db, credit_code=credit_code)
    request.app.state.bus.publish("stock", to, enterprise=credit_code)
    return out
