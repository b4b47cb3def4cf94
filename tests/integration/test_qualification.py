"""Supplier qualification decides who supplies; counts book differences; all audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from baogong.audit.models import AuditEntry, Source
from baogong.audit.service import Actor
from baogong.db import unit_of_work
from baogong.errors import DomainError
from baogong.ledger import qualification, stock
from baogong.ledger.models import Enterprise, Qualification, Site
from baogong.planning import service
from baogong.sample.generator import Size, generate
from baogong.sample.load import load
from baogong.types import day_start

BOSS = Actor("指挥部", Source.CLI)
DAY = date(2022, 4, 9)


@pytest.fixture
def city(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """The small sample city, committed."""
    with unit_of_work(factory) as s:
        load(s, generate(9, Size.SMALL))
    return factory


def _active_sites(factory: sessionmaker[Session]) -> set[str]:
    with factory() as s:
        snap = service.snapshot(s, day=DAY, at=day_start(DAY))
        return {site.id for site in snap.problem.sites if site.active}


def _pending(factory: sessionmaker[Session]) -> tuple[str, set[str]]:
    with factory() as s:
        ent = s.scalar(select(Enterprise).where(
            Enterprise.qualification == Qualification.PENDING))
        assert ent is not None
        return ent.credit_code, {x.code for x in s.scalars(
            select(Site).where(Site.enterprise_id == ent.id))}


def test_verifying_brings_a_supplier_into_allocation(city: sessionmaker[Session]) -> None:
    """A pending supplier's sites join the allocation once verified, with a re-check date."""
    code, sites = _pending(city)
    assert not sites & _active_sites(city)
    with unit_of_work(city) as s:
        ent = qualification.verify(s, credit_code=code, actor=BOSS, recheck_days=14,
                                   today=DAY)
        assert ent.recheck_due == date(2022, 4, 23) and ent.verified_by == "指挥部"
    assert sites <= _active_sites(city)


def test_override_is_recorded_and_suspension_removes_it(city: sessionmaker[Session]) -> None:
    """An override lets a pending supplier supply; suspending it takes its sites out again."""
    code, sites = _pending(city)
    with pytest.raises(DomainError) as err, unit_of_work(city) as s:
        qualification.override(s, credit_code=code, actor=BOSS, reason="")
    assert err.value.field == "reason"
    with unit_of_work(city) as s:
        qualification.override(s, credit_code=code, actor=BOSS, reason="缺菜，临时放行")
    assert sites <= _active_sites(city)
    with unit_of_work(city) as s:
        qualification.suspend(s, credit_code=code, actor=BOSS, reason="发现假货")
    assert not sites & _active_sites(city)
    with city() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).where(
            AuditEntry.entity_key == code).order_by(AuditEntry.id))]
        assert actions == ["override", "suspend"]


def test_count_books_the_difference_once(city: sessionmaker[Session]) -> None:
    """A count books the difference as an adjustment; the same count again books nothing."""
    with city() as s:
        site = s.scalars(select(Site).order_by(Site.code)).first()
        assert site is not None
        code = site.code
        book = stock.balance(s, site_code=code, product_code="rice-2.5kg")
    with unit_of_work(city) as s:
        move = stock.count(s, site_code=code, product_code="rice-2.5kg",
                           counted=book + 7, actor=BOSS)
        assert move is not None and move.quantity == Decimal(7)
    with unit_of_work(city) as s:
        assert stock.count(s, site_code=code, product_code="rice-2.5kg", counted=book + 7,
                           actor=BOSS) is None
    with pytest.raises(DomainError), unit_of_work(city) as s:
        stock.count(s, site_code=code, product_code="rice-2.5kg", counted=Decimal(-1),
                    actor=BOSS)
    with city() as s:
        assert stock.balance(s, site_code=code, product_code="rice-2.5kg") == book + 7
        history = stock.movements(s, site_code=code, product_code="rice-2.5kg")
        assert history[0][0].reason.startswith("盘点")
