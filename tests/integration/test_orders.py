"""Orders on both backends: rules, exactly-once submission, and every lifecycle transition."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from baogong.db import unit_of_work
from baogong.demand import orders, queries
from baogong.demand.models import Channel, Order, OrderStatus
from baogong.errors import Conflict, DomainError, NotFound
from baogong.ledger.models import PackTemplate
from baogong.sample.generator import Size, generate
from baogong.sample.load import load

# 10:00 China time on 9 April 2022, before the default 20:00 cut-off
MORNING = datetime(2022, 4, 9, 2, 0, tzinfo=UTC)
EVENING = datetime(2022, 4, 9, 13, 0, tzinfo=UTC)  # 21:00 China time
COMPOUND = "440111016001-01"


@pytest.fixture
def city(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """The small sample city, committed."""
    with unit_of_work(factory) as s:
        load(s, generate(9, Size.SMALL))
    return factory


def _order(room: str = "502", pack: str = "veg-10", n: int = 1, vulnerable: bool = False,
           channel: Channel = Channel.PLATFORM) -> orders.OrderIn:
    return orders.OrderIn(COMPOUND, channel, orders.HouseholdIn(
        "3", room, "13800001234", "1", vulnerable=vulnerable), [orders.LineIn(n, pack=pack)])


def _count(factory: sessionmaker[Session]) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(Order)) or 0


def test_line_prices_are_copied_from_the_pack(city: sessionmaker[Session]) -> None:
    """Each line records the pack's cost, price and subsidy at order time."""
    with unit_of_work(city) as s:
        order, created = orders.submit(s, _order(pack="anxin-1", n=2), owner="app", at=MORNING)
        pack = s.scalar(select(PackTemplate).where(PackTemplate.code == "anxin-1"))
        assert created and pack is not None
        line = order.lines[0]
        assert (line.unit_cost, line.unit_price, line.unit_subsidy) == (
            pack.cost, pack.price, pack.subsidy)


def test_cutoff_decides_the_service_day(city: sessionmaker[Session]) -> None:
    """Before the district's cut-off an order is for today, after it for tomorrow."""
    with unit_of_work(city) as s:
        orders.set_cutoff(s, region_code="440111", minutes=18 * 60)
        early, _ = orders.submit(s, _order("501"), owner="app", at=MORNING)
        late, _ = orders.submit(s, _order("502"), owner="app", at=EVENING)
        assert early.service_day == date(2022, 4, 9)
        assert late.service_day == date(2022, 4, 10)


def test_same_household_twice_a_day_is_flagged(city: sessionmaker[Session]) -> None:
    """A second order from the same room on the same day points at the first."""
    with unit_of_work(city) as s:
        first, _ = orders.submit(s, _order(), owner="app", at=MORNING)
        second, _ = orders.submit(s, _order(pack="anxin-1"), owner="staff", at=MORNING)
        assert first.duplicate_of_id is None and second.duplicate_of_id == first.id


def test_group_order_below_the_minimum_lot_is_refused(city: sessionmaker[Session]) -> None:
    """A group buying 2 packs of a 30-pack minimum lot is refused and nothing is written."""
    with unit_of_work(city) as s:
        pack = s.scalar(select(PackTemplate).where(PackTemplate.code == "veg-10"))
        assert pack is not None
        pack.min_group_lot = 30
    rooms = [(orders.HouseholdIn("1", str(r), "13800001234"), [orders.LineIn(1, pack="veg-10")])
             for r in (101, 102)]
    with pytest.raises(DomainError) as err, unit_of_work(city) as s:
        orders.submit_group(s, compound=COMPOUND, leader="张团长", leader_phone="13900000000",
                            households=rooms, owner="leader", at=MORNING)
    assert err.value.field == "lines" and "30" in err.value.text()
    assert _count(city) == 0
    rooms = [(orders.HouseholdIn("1", str(r), "13800001234"), [orders.LineIn(1, pack="veg-10")])
             for r in range(101, 131)]
    with unit_of_work(city) as s:
        batch = orders.submit_group(s, compound=COMPOUND, leader="张团长",
                                    leader_phone="13900000000", households=rooms,
                                    owner="leader", at=MORNING)
        assert batch.service_day == date(2022, 4, 9)
    assert _count(city) == 30


def test_bad_orders_name_the_field(city: sessionmaker[Session]) -> None:
    """Unknown pack, bad phone and a district instead of a compound are refused precisely."""
    bad_pack = _order(pack="nope")
    bad_phone = orders.OrderIn(COMPOUND, Channel.PHONE, orders.HouseholdIn("3", "1", "12345"),
                               [orders.LineIn(1, pack="veg-10")])
    not_compound = orders.OrderIn("440111", Channel.PHONE, orders.HouseholdIn(
        "3", "1", "13800001234"), [orders.LineIn(1, pack="veg-10")])
    for data, exc, field in ((bad_pack, NotFound, "pack"), (bad_phone, DomainError,
                                                            "household.phone"),
                             (not_compound, DomainError, "compound")):
        with pytest.raises(exc) as err, unit_of_work(city) as s:
            orders.submit(s, data, owner="app", at=MORNING)
        assert err.value.field == field
    assert _count(city) == 0


def test_same_key_returns_the_same_order_and_other_body_is_refused(
    city: sessionmaker[Session],
) -> None:
    """A retried key gives back the first order; the key with another body is a conflict."""
    data = _order()
    body = orders.request_hash({"room": "502"})
    with unit_of_work(city) as s:
        first, created = orders.submit(s, data, owner="app", key="k1", body_hash=body)
        first_id = first.id
        assert created
    with unit_of_work(city) as s:
        again, created = orders.submit(s, data, owner="app", key="k1", body_hash=body)
        assert (again.id, created) == (first_id, False)
    with pytest.raises(Conflict), unit_of_work(city) as s:
        orders.submit(s, data, owner="app", key="k1", body_hash=orders.request_hash({"x": 1}))
    assert _count(city) == 1


def test_racing_submissions_with_one_key_make_one_order(city: sessionmaker[Session]) -> None:
    """Eight threads submitting the same key at once create exactly one order."""
    data, body = _order(), orders.request_hash({"room": "502"})
    ids: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker() -> None:
        try:
            start.wait()
            with unit_of_work(city) as s:
                order, _created = orders.submit(s, data, owner="app", key="race",
                                                body_hash=body)
                ids.append(order.id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _count(city) == 1
    assert len(set(ids)) == 1
    assert errors == []


ALLOWED = [(a, b) for a, nxt in orders.TRANSITIONS.items() for b in sorted(nxt)]
FORBIDDEN = [(a, b) for a in OrderStatus for b in OrderStatus
             if b not in orders.TRANSITIONS[a] and a != b]

PATH = {
    OrderStatus.SUBMITTED: [],
    OrderStatus.ACCEPTED: [OrderStatus.ACCEPTED],
    OrderStatus.ALLOCATED: [OrderStatus.ACCEPTED, OrderStatus.ALLOCATED],
    OrderStatus.DISPATCHED: [OrderStatus.ACCEPTED, OrderStatus.ALLOCATED,
                             OrderStatus.DISPATCHED],
    OrderStatus.AT_HANDOFF: [OrderStatus.ACCEPTED, OrderStatus.ALLOCATED,
                             OrderStatus.DISPATCHED, OrderStatus.AT_HANDOFF],
    OrderStatus.DELIVERED: [OrderStatus.ACCEPTED, OrderStatus.ALLOCATED,
                            OrderStatus.DISPATCHED, OrderStatus.AT_HANDOFF,
                            OrderStatus.DELIVERED],
    OrderStatus.FAILED: [OrderStatus.ACCEPTED, OrderStatus.ALLOCATED, OrderStatus.DISPATCHED,
                         OrderStatus.FAILED],
    OrderStatus.CLOSED: [OrderStatus.ACCEPTED, OrderStatus.ALLOCATED, OrderStatus.DISPATCHED,
                         OrderStatus.AT_HANDOFF, OrderStatus.DELIVERED, OrderStatus.CLOSED],
    OrderStatus.CANCELLED: [OrderStatus.CANCELLED],
}


def _at(factory: sessionmaker[Session], status: OrderStatus) -> int:
    with unit_of_work(factory) as s:
        order, _ = orders.submit(s, _order(), owner="app", at=MORNING)
        for step in PATH[status]:
            orders.transition(s, order_id=order.id, to=step, by="test", reason="because")
        return order.id


@pytest.mark.parametrize(("start", "to"), ALLOWED, ids=lambda s: s.value)
def test_every_allowed_transition_is_recorded(city: sessionmaker[Session],
                                              start: OrderStatus, to: OrderStatus) -> None:
    """An allowed move changes the status and records from, to, who and when."""
    order_id = _at(city, start)
    with unit_of_work(city) as s:
        order = orders.transition(s, order_id=order_id, to=to, by="王社工", reason="because")
        event = order.events[-1]
        assert (event.from_status, event.to_status, event.by) == (start, to, "王社工")
        assert order.status is to


@pytest.mark.parametrize(("start", "to"), FORBIDDEN, ids=lambda s: s.value)
def test_every_forbidden_transition_is_refused(city: sessionmaker[Session],
                                               start: OrderStatus, to: OrderStatus) -> None:
    """A forbidden move is refused and leaves the order as it was."""
    order_id = _at(city, start)
    with pytest.raises(Conflict), unit_of_work(city) as s:
        orders.transition(s, order_id=order_id, to=to, by="x", reason="because")
    with city() as s:
        assert orders.get_order(s, order_id=order_id).status is start


def test_cancel_and_fail_need_a_reason(city: sessionmaker[Session]) -> None:
    """Cancelling without saying why is refused."""
    order_id = _at(city, OrderStatus.SUBMITTED)
    with pytest.raises(DomainError) as err, unit_of_work(city) as s:
        orders.transition(s, order_id=order_id, to=OrderStatus.CANCELLED, by="x")
    assert err.value.field == "reason"


def test_phone_numbers_are_masked() -> None:
    """138****1234 keeps the first three and the last four digits."""
    assert orders.mask_phone("13800001234") == "138****1234"


def test_manifest_is_in_walking_order(city: sessionmaker[Session]) -> None:
    """Building 2 comes before building 10, and rooms in order within a unit."""
    with unit_of_work(city) as s:
        for building, room in (("10", "101"), ("2", "302"), ("2", "101"), ("2", "1101")):
            orders.submit(s, orders.OrderIn(COMPOUND, Channel.PHONE, orders.HouseholdIn(
                building, room, "13800001234", "1"), [orders.LineIn(1, pack="veg-10")]),
                owner="staff", at=MORNING)
    with city() as s:
        _point, rows = queries.manifest(s, handoff_code=f"H-{COMPOUND}", day=date(2022, 4, 9))
    assert [(r.building, r.room) for r in rows] == [("2", "101"), ("2", "302"), ("2", "1101"),
                                                   ("10", "101")]
    assert rows[0].phone == "138****1234"


def test_accepted_orders_join_the_plan_and_become_allocated(
    city: sessionmaker[Session],
) -> None:
    """An accepted order's units are planned, and the order moves to allocated."""
    from baogong.planning import flows

    with unit_of_work(city) as s:
        order, _ = orders.submit(s, _order(pack="anxin-1", vulnerable=True), owner="app",
                                 at=MORNING)
        orders.transition(s, order_id=order.id, to=OrderStatus.ACCEPTED, by="center")
        order_id = order.id
    outcome = flows.plan_day(city, day=date(2022, 4, 9), by="test")
    assert outcome.figures["orders_allocated"] == 1
    with city() as s:
        assert orders.get_order(s, order_id=order_id).status is OrderStatus.ALLOCATED
        units = queries.order_units(s, day=date(2022, 4, 9),
                                    statuses=[OrderStatus.ALLOCATED])
        assert sum(t for t, _p in units[order.compound_id].values()) == Decimal(7)
