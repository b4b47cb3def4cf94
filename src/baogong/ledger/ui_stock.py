"""Pages: a site's book balances, the stock count form (盘点) and its movement history.

Enterprise accounts see and count their own sites only; the command centre every site;
inspectors read. Scope is enforced by the query functions (`ledger/queries.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from baogong.auth import audience
from baogong.auth.deps import Principal, require
from baogong.auth.models import Role
from baogong.db import unit_of_work
from baogong.display import local_time, number
from baogong.errors import Conflict, DomainError, Label, NotFound
from baogong.i18n import N_, gettext
from baogong.ledger import queries
from baogong.ledger.excel import cells
from baogong.ledger.excel.units import to_product_units
from baogong.ledger.models import Product
from baogong.ledger.service import get_product
from baogong.ledger.stock import MOVEMENT_LABELS
from baogong.types import unit_label
from baogong.web.deps import DbSession, Factory
from baogong.web.pages import render
from baogong.web.pagination import PageLinks

router = APIRouter(include_in_schema=False)
READERS = (Role.COMMAND, Role.INSPECTOR, Role.ENTERPRISE)
WRITERS = (Role.COMMAND, Role.ENTERPRISE)
Reader = Annotated[Principal, require(*READERS)]
Writer = Annotated[Principal, require(*WRITERS)]
SiteCode = Annotated[str, Path(max_length=40)]
PAGE = 50


@dataclass(frozen=True)
class MovementRow:
    """One line of the movement history as shown."""

    at: str
    product: str
    quantity: str
    unit: str
    kind: str
    kind_value: str
    reason: str
    by: str


def _cell_text(err: cells.CellError) -> str:
    params = {k: gettext(v) if isinstance(v, Label) else v for k, v in err.params.items()}
    return gettext(err.message).format(**params)


@router.get("/ledgers/sites", response_class=HTMLResponse)
def sites(request: Request, db: DbSession, principal: Reader) -> HTMLResponse:
    """The sites in scope, each linking to its stock and count page."""
    return render(request, "ledger_sites.html", principal,
                  sites=queries.all_sites(db, scope=principal.scope))


def _page(request: Request, db: Session, principal: Principal, code: str, offset: int, *,
          error: str = "", entered: dict[str, str] | None = None, reason: str = "",
          status: int = 200) -> HTMLResponse:
    site, lines = queries.site_stock(db, scope=principal.scope, code=code)
    moves, total = queries.movements_page(db, scope=principal.scope, code=code, limit=PAGE,
                                          offset=offset)
    history = [MovementRow(local_time(m.occurred_at), f"{p.name} ({p.code})",
                           number(m.quantity, 3), unit_label(p.unit),
                           gettext(MOVEMENT_LABELS[m.kind]), m.kind.value, m.reason,
                           m.recorded_by) for m, p in moves]
    held = {ln.product.code for ln in lines}
    others = [p for p, _c in queries.products(db) if p.code not in held]
    return render(request, "ledger_stock.html", principal, status=status, site=site,
                  lines=lines, history=history, others=others, error=error,
                  entered=entered or {}, reason=reason, booked=request.query_params.get("booked"),
                  can_count=principal.role in WRITERS, unit_label=unit_label,
                  pager=PageLinks(total, PAGE, offset, f"/ledgers/sites/{site.code}/stock"))


@router.get("/ledgers/sites/{code}/stock", response_class=HTMLResponse)
def stock_page(request: Request, db: DbSession, principal: Reader, code: SiteCode,
               offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> HTMLResponse:
    """Book balances, the count form (command, own enterprise) and the movement history."""
    return _page(request, db, principal, code, offset)


def _counts(db: Session, products: list[str], counted: list[str],
            ) -> list[tuple[Product, Decimal]]:
    """The (product, counted quantity in its own unit) pairs filled in on the form."""
    if len(products) != len(counted):
        raise DomainError(N_("The count form was incomplete; reload the page"), field="counted")
    out = []
    for code, value in zip(products, counted, strict=True):
        if not code or not value.strip():
            continue
        product = get_product(db, code=code)
        try:
            amount, unit = cells.quantity(value)
            units = to_product_units(amount, unit, product)
        except cells.CellError as err:
            raise DomainError(N_("{product}: {problem}"), record=f"product {code}",
                              field="counted", product=product.name,
                              problem=_cell_text(err)) from err
        out.append((product, units))
    if not out:
        raise DomainError(N_("Enter the counted quantity of at least one product"),
                          field="counted")
    return out


@router.post("/ledgers/sites/{code}/stock", response_class=HTMLResponse)
def post_counts(request: Request, factory: Factory, principal: Writer, code: SiteCode,
                reason: Annotated[str, Form(max_length=200)] = "",
                product: Annotated[list[str], Form()] = [],  # noqa: B006
                counted: Annotated[list[str], Form()] = [],  # noqa: B006
                ) -> Response:
    """Book each counted quantity: the difference from the books becomes an adjustment."""
    entered = {p: c for p, c in zip(product, counted, strict=False) if p}
    try:
        with unit_of_work(factory) as db:
            site = queries.site_in_scope(db, scope=principal.scope, code=code)
            if not reason.strip():
                raise DomainError(N_("Give the reason for the count (e.g. daily count)"),
                                  field="reason")
            booked = 0
            for prod, units in _counts(db, product, counted):
                move = queries.count_stock(db, scope=principal.scope,
                                           actor=principal.actor(request), site_code=site.code,
                                           product_code=prod.code, counted=units,
                                           reason=reason.strip())
                booked += move is not None
    except NotFound:
        raise
    except DomainError as exc:
        with factory() as db:
            return _page(request, db, principal, code, 0, error=exc.text(), entered=entered,
                         reason=reason, status=409 if isinstance(exc, Conflict) else 400)
    if booked:
        with factory() as db:
            to = audience.of_site(db, code=site.code)
        request.app.state.bus.publish("stock", to, site=site.code)
    return RedirectResponse(f"/ledgers/sites/{site.code}/stock?booked={booked}",
                            status_code=303)
