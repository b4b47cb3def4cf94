"""Simultaneous stock postings on one balance, each in its own thread, session and transaction:
counts, receipts and first receipts serialise under the balance's row lock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from baogong.app import create_app
from baogong.audit.models import Source
from baogong.audit.service import Actor
from baogong.auth.models import Role
from baogong.auth.service import create_user
from baogong.db import unit_of_work
from baogong.ledger import stock
from baogong.ledger.excel import importer
from baogong.ledger.models import MovementKind, Product, Site, StockMovement
from tests.data import workbooks

SITE, PRODUCT = "S1", "rice-5kg"


def _together(jobs: list[Callable[[], object]]) -> list[object]:
    """Run the jobs in threads released at the same instant; their results or exceptions."""
    gate = threading.Barrier(len(jobs))

    def run(job: Callable[[], object]) -> object:
        gate.wait()
        try:
            return job()
        except Exception as exc:  # the test reports what went wrong
            return exc

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _count(factory: sessionmaker[Session], value: int, note: str = "") -> Callable[[], object]:
    def job() -> object:
        with unit_of_work(factory) as s:
            return stock.count(s, site_code=SITE, product_code=PRODUCT, counted=Decimal(value),
                               actor=Actor("counter", Source.API), note=note)
    return job


def _receive(factory: sessionmaker[Session], qty: int, site: str = SITE) -> Callable[[], object]:
    def job() -> object:
        with unit_of_work(factory) as s:
            return stock.receive(s, site_code=site, product_code=PRODUCT, quantity=Decimal(qty))
    return job


def _balance(factory: sessionmaker[Session], site: str = SITE) -> Decimal:
    with factory() as s:
        return stock.balance(s, site_code=site, product_code=PRODUCT)


def test_two_simultaneous_counts_of_80_on_100_leave_80(tiny: sessionmaker[Session]) -> None:
    """A double tap on a count of 80 on a balance of 100 leaves 80, not 60, every time."""
    with unit_of_work(tiny) as s:
        stock.receive(s, site_code=SITE, product_code=PRODUCT, quantity=Decimal(100))
    for _ in range(5):
        results = _together([_count(tiny, 80), _count(tiny, 80)])
        assert not [r for r in results if isinstance(r, Exception)], results
        assert _balance(tiny) == 80
        assert sum(r is None for r in results) == 1  # the second count matched the books
        with unit_of_work(tiny) as s:
            stock.receive(s, site_code=SITE, product_code=PRODUCT, quantity=Decimal(20))
    with tiny() as s:
        assert stock.ledger_mismatches(s) == []


def test_twenty_simultaneous_counts_and_receipts_end_in_a_serial_state(
    tiny: sessionmaker[Session],
) -> None:
    """Ten counts and ten receipts at once: replaying the ledger in booking order, every count
    sets the balance to what was counted, and the balance is the ledger's end."""
    with unit_of_work(tiny) as s:
        stock.receive(s, site_code=SITE, product_code=PRODUCT, quantity=Decimal(100))
    counts = {f"count-{k}": 1024 * k for k in range(1, 11)}
    receipts = [2 ** i for i in range(10)]
    jobs = [_count(tiny, v, note) for note, v in counts.items()]
    jobs += [_receive(tiny, q) for q in receipts]
    results = _together(jobs)
    assert not [r for r in results if isinstance(r, Exception)], results
    with tiny() as s:
        site_id = s.scalars(select(Site.id).where(Site.code == SITE)).one()
        product_id = s.scalars(select(Product.id).where(Product.code == PRODUCT)).one()
        moves = list(s.scalars(select(StockMovement).where(
            StockMovement.site_id == site_id, StockMovement.product_id == product_id)
            .order_by(StockMovement.id)))
    running = Decimal(0)
    seen_counts, seen_receipts = [], []
    for m in moves:
        running += m.quantity
        if m.kind is MovementKind.ADJUSTMENT:
            note = m.reason.removeprefix("盘点 ")
            assert running == counts[note], f"{note} left {running}, not {counts[note]}"
            seen_counts.append(note)
        else:
            seen_receipts.append(m.quantity)
    assert sorted(seen_counts) == sorted(counts)
    assert sorted(seen_receipts) == sorted(Decimal(q) for q in [100, *receipts])
    assert _balance(tiny) == running


def test_simultaneous_first_receipts_of_a_product_all_book(tiny: sessionmaker[Session]) -> None:
    """Ten receipts of a product a site never held, at once, all book and add up."""
    results = _together([_receive(tiny, q, site="S2") for q in range(1, 11)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert _balance(tiny, "S2") == sum(range(1, 11))
    with tiny() as s:
        assert stock.ledger_mismatches(s) == []


@pytest.fixture
def client(tiny: sessionmaker[Session], engine: Engine) -> TestClient:
    """The app on the tiny ledger with a command account."""
    with unit_of_work(tiny) as s:
        create_user(s, username="boss", role=Role.COMMAND, password="concurrency-pw")
    return TestClient(create_app(engine, watch_s=3600))


def test_simultaneous_first_receipts_over_the_api_give_no_server_error(
    client: TestClient, tiny: sessionmaker[Session],
) -> None:
    """Ten first receipts of a product posted at once over the API are all booked (201)."""
    with client:
        r = client.post("/api/v1/auth/token",
                        data={"username": "boss", "password": "concurrency-pw"})
        auth = {"Authorization": f"Bearer {r.json()['access_token']}"}

        def post(q: int) -> Callable[[], object]:
            return lambda: client.post("/api/v1/sites/S2/stock", headers=auth, json={
                "product": PRODUCT, "kind": "receipt", "quantity": q}).status_code

        assert _together([post(q) for q in range(1, 11)]) == [201] * 10
    assert _balance(tiny, "S2") == sum(range(1, 11))


def test_an_imported_count_waits_for_a_simultaneous_first_receipt(
    tiny: sessionmaker[Session], tmp_path: Path,
) -> None:
    """A 库存 count of a product the site never held, imported while the product's first
    receipt is booked, waits for it and counts over it: no duplicate key, ledger intact."""
    path = workbooks.write(tmp_path / "count.xlsx", {"库存": [
        ["站点编码", "商品编码", "数量", "盘点日期"], ["S2", PRODUCT, 50, "2022-04-09"]]})
    raw = importer.read(path)
    assert not isinstance(raw, importer.Problem)
    outcome: list[object] = []

    def run_import() -> None:
        try:
            with unit_of_work(tiny) as s:
                report = importer.import_sheets(s, raw, file_name="count.xlsx",
                                                actor=Actor("counter", Source.FILE),
                                                confirmed=True)
                outcome.append(report)
        except Exception as exc:  # the test reports what went wrong
            outcome.append(exc)

    with tiny() as receipt:
        stock.receive(receipt, site_code="S2", product_code=PRODUCT, quantity=Decimal(30))
        importing = threading.Thread(target=run_import)
        importing.start()
        importing.join(1.0)
        receipt.commit()
    importing.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], importer.ImportReport), outcome
    assert outcome[0].errors == [] and outcome[0].written
    assert _balance(tiny, "S2") == 50
    with tiny() as s:
        assert stock.ledger_mismatches(s) == []


def test_simultaneous_postings_audit_balances_that_add_up(tiny: sessionmaker[Session]) -> None:
    """Ten receipts posted at once through the scoped write each audit the balance before and
    after their own booking: every entry adds up, and together they chain from 0 to 100."""
    from baogong.audit.models import AuditEntry
    from baogong.auth.scope import whole_city
    from baogong.ledger import queries
    from baogong.ledger.queries import MovementRequest

    def post() -> object:
        with unit_of_work(tiny) as s:
            return queries.post_movement(s, scope=whole_city(), actor=Actor("clerk", Source.API),
                                         site_code=SITE, product_code=PRODUCT,
                                         kind=MovementRequest.RECEIPT, quantity=Decimal(10))
    results = _together([post for _ in range(10)])
    assert not [r for r in results if isinstance(r, Exception)], results
    with tiny() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.entity == "stock")))
    pairs = sorted((Decimal(str(e.before["quantity"])), Decimal(str(e.after["quantity"])))
                   for e in entries if e.before and e.after)
    assert len(pairs) == 10
    assert all(after - before == 10 for before, after in pairs)
    assert [before for before, _ in pairs] == [Decimal(10 * i) for i in range(10)]
