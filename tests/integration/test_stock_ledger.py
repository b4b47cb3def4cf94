"""The stock ledger: postings, derived balances, and refusals that leave the database as it was."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from baogong.db import unit_of_work
from baogong.errors import Conflict, DomainError, NotFound
from baogong.ledger import stock
from baogong.ledger.models import StockBalance, StockMovement


def _snapshot(factory: sessionmaker[Session]) -> tuple[int, list[tuple[int, int, Decimal]]]:
    with factory() as s:
        moves = s.scalar(select(func.count()).select_from(StockMovement)) or 0
        bals = [(b.site_id, b.product_id, b.quantity) for b in s.scalars(
            select(StockBalance).order_by(StockBalance.site_id, StockBalance.product_id))]
    return moves, bals


def test_receipt_and_issue_update_the_balance(tiny: sessionmaker[Session]) -> None:
    """A receipt then an issue leave the balance at their difference, and the ledger agrees."""
    with unit_of_work(tiny) as s:
        stock.receive(s, site_code="S1", product_code="rice-5kg", quantity=Decimal("100"))
        stock.issue(s, site_code="S1", product_code="rice-5kg", quantity=Decimal("30.5"))
    with tiny() as s:
        assert stock.balance(s, site_code="S1", product_code="rice-5kg") == Decimal("69.5")
        assert stock.ledger_mismatches(s) == []


def test_issue_larger_than_balance_is_refused_and_changes_nothing(
    tiny: sessionmaker[Session],
) -> None:
    """Issuing more than the balance names the site, product and field and stores nothing."""
    with unit_of_work(tiny) as s:
        stock.receive(s, site_code="S1", product_code="rice-5kg", quantity=Decimal("10"))
    before = _snapshot(tiny)
    with pytest.raises(Conflict) as err, unit_of_work(tiny) as s:
        stock.issue(s, site_code="S1", product_code="rice-5kg", quantity=Decimal("11"))
    assert err.value.record == "site S1 / product rice-5kg"
    assert err.value.field == "quantity"
    assert "exceeds the balance of 10.000" in err.value.text()
    assert _snapshot(tiny) == before


def test_negative_quantity_is_refused_and_changes_nothing(tiny: sessionmaker[Session]) -> None:
    """A negative receipt is refused with the field named, and nothing is written."""
    before = _snapshot(tiny)
    with pytest.raises(DomainError) as err, unit_of_work(tiny) as s:
        stock.receive(s, site_code="S1", product_code="rice-5kg", quantity=Decimal("-5"))
    assert err.value.field == "quantity"
    assert "-5" in err.value.text()
    assert _snapshot(tiny) == before


def test_failed_transfer_leaves_both_sites_unchanged(tiny: sessionmaker[Session]) -> None:
    """A transfer the source cannot cover writes neither leg."""
    with unit_of_work(tiny) as s:
        stock.receive(s, site_code="S1", product_code="rice-5kg", quantity=Decimal("5"))
    before = _snapshot(tiny)
    with pytest.raises(Conflict), unit_of_work(tiny) as s:
        stock.transfer(s, from_site="S1", to_site="S2", product_code="rice-5kg",
                       quantity=Decimal("6"))
    assert _snapshot(tiny) == before


def test_transfer_moves_stock_as_a_linked_pair(tiny: sessionmaker[Session]) -> None:
    """A transfer books an out and an in with the same reference."""
    with unit_of_work(tiny) as s:
        stock.receive(s, site_code="S1", product_code="rice-5kg", quantity=Decimal("8"))
        out, inn = stock.transfer(s, from_site="S1", to_site="S2", product_code="rice-5kg",
                                  quantity=Decimal("3"))
        assert out.transfer_ref == inn.transfer_ref
    with tiny() as s:
        assert stock.balance(s, site_code="S1", product_code="rice-5kg") == Decimal("5")
        assert stock.balance(s, site_code="S2", product_code="rice-5kg") == Decimal("3")


def test_adjustment_needs_a_reason(tiny: sessionmaker[Session]) -> None:
    """An adjustment without a reason is refused, naming the reason field."""
    with pytest.raises(DomainError) as err, unit_of_work(tiny) as s:
        stock.adjust(s, site_code="S1", product_code="rice-5kg", delta=Decimal("2"), reason=" ")
    assert err.value.field == "reason"


def test_unknown_site_is_named(tiny: sessionmaker[Session]) -> None:
    """Posting to a site that does not exist names the site code."""
    with pytest.raises(NotFound) as err, unit_of_work(tiny) as s:
        stock.receive(s, site_code="S9", product_code="rice-5kg", quantity=Decimal("1"))
    assert err.value.record == "site S9"


def test_database_refuses_a_negative_balance_written_directly(
    tiny: sessionmaker[Session],
) -> None:
    """The check constraint stops a negative balance even when the service is bypassed."""
    with unit_of_work(tiny) as s:
        stock.receive(s, site_code="S1", product_code="rice-5kg", quantity=Decimal("1"))
    with pytest.raises(IntegrityError), unit_of_work(tiny) as s:
        s.execute(text("UPDATE stock_balances SET quantity = -1"))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["receive", "issue", "adjust"]),
                          st.integers(min_value=-20, max_value=40)), min_size=1, max_size=12))
def test_random_postings_keep_balance_equal_to_ledger_and_never_negative(
    tiny: sessionmaker[Session], ops: list[tuple[str, int]]
) -> None:
    """Whatever sequence of postings is tried, balances equal the ledger's sum and stay >= 0."""
    with unit_of_work(tiny) as s:
        s.execute(text("DELETE FROM stock_movements"))
        s.execute(text("DELETE FROM stock_balances"))
    expected = Decimal("0")
    for kind, n in ops:
        q = Decimal(n)
        try:
            with unit_of_work(tiny) as s:
                if kind == "receive":
                    stock.receive(s, site_code="S1", product_code="rice-5kg", quantity=q)
                elif kind == "issue":
                    stock.issue(s, site_code="S1", product_code="rice-5kg", quantity=q)
                else:
                    stock.adjust(s, site_code="S1", product_code="rice-5kg", delta=q,
                                 reason="count")
        except DomainError:
            continue
        expected += -q if kind == "issue" else q
    with tiny() as s:
        assert stock.ledger_mismatches(s) == []
        assert stock.balance(s, site_code="S1", product_code="rice-5kg") == expected
        assert expected >= 0
