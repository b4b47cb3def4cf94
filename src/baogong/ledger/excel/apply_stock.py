"""库存: counted stock per site and product, booked as adjustments in bulk.

A count sets the balance: the difference from the book balance becomes one adjustment with
the count's date and the file row as its reason. Counting the same quantity again books
nothing, so importing a file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import delete, insert, select, tuple_, update

from baogong.audit.models import AuditEntry
from baogong.i18n import N_
from baogong.ledger.excel.apply import Context, quantize
from baogong.ledger.excel.cells import CellError
from baogong.ledger.excel.parse import ParsedSheet
from baogong.ledger.excel.units import to_product_units
from baogong.ledger.models import MovementKind, Product, Site, StockBalance, StockMovement
from baogong.ledger.stock import create_balances
from baogong.types import utcnow

Advance = Callable[[int], None]


def _noop(_n: int) -> None:
    return None


def stock(ctx: Context, sheet: ParsedSheet, advance: Advance = _noop) -> None:
    """Book every counted row: one adjustment per (site, product) whose count differs."""
    session = ctx.session
    tally = ctx.tallies[sheet.spec.name]
    site_codes = {r.values["site"] for r in sheet.rows}
    product_codes = {r.values["product"] for r in sheet.rows}
    sites = {s.code: s.id for s in session.scalars(select(Site).where(Site.code.in_(site_codes)))}
    products = {p.code: p for p in session.scalars(
        select(Product).where(Product.code.in_(product_codes)))}
    site_ids = list(sites.values())
    held = {(s, p) for s, p in session.execute(
        select(StockBalance.site_id, StockBalance.product_id)
        .where(StockBalance.site_id.in_(site_ids)))}
    wanted = {(sites[r.values["site"]], products[r.values["product"]].id) for r in sheet.rows
              if r.values["site"] in sites and r.values["product"] in products}
    # Balances first held now are created race-free and then locked like the others, so that
    # a receipt booked meanwhile is counted over, not lost or a duplicate key.
    created = create_balances(session, wanted - held)
    balances = {(b.site_id, b.product_id): b.quantity for b in session.scalars(
        select(StockBalance).where(StockBalance.site_id.in_(site_ids))
        .with_for_update().execution_options(populate_existing=True))}
    moves: list[dict[str, object]] = []
    audits: list[dict[str, object]] = []
    changed: dict[tuple[int, int], Decimal] = {}
    now = utcnow()
    for i, row in enumerate(sheet.rows, start=1):
        if i % 5000 == 0:
            advance(5000)
        v = row.values
        site_id = sites.get(v["site"])
        if site_id is None:
            ctx.refuse(sheet, row, "site", v["site"], N_("unknown site code"))
            continue
        product = products.get(v["product"])
        if product is None:
            ctx.refuse(sheet, row, "product", v["product"], N_("unknown product code"))
            continue
        amount, unit = v["quantity"]
        if v.get("unit"):
            unit = unit or v["unit"].lower()
        if amount < 0:
            ctx.refuse(sheet, row, "quantity", amount, N_("a counted stock cannot be negative"))
            continue
        try:
            counted = quantize(to_product_units(amount, unit, product))
        except CellError as err:
            ctx.refuse(sheet, row, "quantity", amount, err.message, **err.params)
            continue
        key = (site_id, product.id)
        book = changed.get(key, balances.get(key, Decimal("0")))
        if counted == book:
            tally.unchanged += 1
            continue
        where = f"{ctx.file_name} {sheet.spec.name}!{row.number}"
        moves.append({"site_id": site_id, "product_id": product.id,
                      "kind": MovementKind.ADJUSTMENT, "quantity": counted - book,
                      "reason": f"盘点 {v['counted_on'].isoformat()} ({where})",
                      "recorded_by": ctx.actor.name, "occurred_at": now})
        audits.append({"actor": ctx.actor.name, "source": ctx.actor.source, "source_ref": where,
                       "action": "count", "entity": "stock", "entity_key":
                       f"{v['site']}/{v['product']}", "before": {"quantity": str(book)},
                       "after": {"quantity": str(counted)}, "at": now})
        changed[key] = counted
        if key in created:
            tally.created += 1
        else:
            tally.updated += 1
    advance(len(sheet.rows) % 5000)
    unused = created - changed.keys()
    if unused:  # counted 0 where nothing was held: no balance row, as before the count
        session.execute(delete(StockBalance).where(
            tuple_(StockBalance.site_id, StockBalance.product_id).in_(unused)))
    if not moves:
        return
    session.execute(insert(StockMovement), moves)
    session.execute(insert(AuditEntry), audits)
    session.execute(update(StockBalance), [{"site_id": s, "product_id": p, "quantity": q}
                                           for (s, p), q in changed.items()])
