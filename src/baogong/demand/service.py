"""Standard-pack demand of sealed compounds. Functions never commit."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from baogong.ledger.models import PackItem, PackTemplate
from baogong.ledger.service import packs_for_size
from baogong.regions.models import Region, ZoneStatus
from baogong.regions.service import compound_statuses, compounds

LARGEST_SIZE = 5  # household_sizes["5"] counts households of five or more


@dataclass(frozen=True)
class CompoundDemand:
    """Packs one compound needs today: all of them, and those for vulnerable households."""

    compound_id: int
    code: str
    name: str
    status: ZoneStatus
    households: int
    vulnerable_households: int
    packs: dict[str, int] = field(default_factory=dict)
    priority_packs: dict[str, int] = field(default_factory=dict)


def standard_packs(session: Session) -> list[PackTemplate]:
    """Active standard packs with their items and rules loaded."""
    return list(session.scalars(
        select(PackTemplate)
        .where(PackTemplate.standard.is_(True), PackTemplate.active.is_(True))
        .options(selectinload(PackTemplate.items).selectinload(PackItem.product),
                 selectinload(PackTemplate.rules))
        .order_by(PackTemplate.code)))


def household_sizes(compound: Region) -> dict[int, int]:
    """Households by size; when only totals are known, every household has the mean size."""
    if compound.household_sizes:
        return {int(k): int(v) for k, v in compound.household_sizes.items()}
    if compound.households == 0:
        return {}
    mean = max(1, min(LARGEST_SIZE, round(compound.population / compound.households)))
    return {mean: compound.households}


def packs_for_compound(compound: Region, pack: PackTemplate) -> tuple[int, int]:
    """(packs for all households, packs for vulnerable households) of one pack template.

    Elderly living alone are one-person households; other vulnerable households get the
    compound's mean packs per household, rounded up. Priority never exceeds the total.
    """
    sizes = household_sizes(compound)
    total = sum(n * packs_for_size(pack, size) for size, n in sizes.items())
    if total == 0:
        return 0, 0
    mean = total / max(1, compound.households)
    others = compound.vulnerable_households - compound.elderly_alone
    priority = compound.elderly_alone * packs_for_size(pack, 1) + math.ceil(others * mean)
    return total, min(total, priority)


def standard_pack_demand(
    session: Session, *, at: datetime, statuses: Iterable[ZoneStatus] = (ZoneStatus.SEALED,)
) -> list[CompoundDemand]:
    """Standard-pack demand of every compound whose zone status is one of `statuses`."""
    wanted = set(statuses)
    packs = standard_packs(session)
    items = compounds(session)
    status = compound_statuses(session, at=at, items=items)
    out = []
    for c in items:
        if status[c.id] not in wanted:
            continue
        demand: dict[str, int] = {}
        priority: dict[str, int] = {}
        for pack in packs:
            demand[pack.code], priority[pack.code] = packs_for_compound(c, pack)
        out.append(CompoundDemand(c.id, c.code, c.name, status[c.id], c.households,
                                  c.vulnerable_households, demand, priority))
    return out


def product_units(demands: Iterable[CompoundDemand],
                  packs: Iterable[PackTemplate]) -> dict[int, Decimal]:
    """Units of each product (by id) that the packs demanded contain."""
    bom = {p.code: [(i.product_id, i.quantity) for i in p.items] for p in packs}
    out: dict[int, Decimal] = {}
    for d in demands:
        for code, n in d.packs.items():
            for product_id, qty in bom.get(code, ()):
                out[product_id] = out.get(product_id, Decimal("0")) + qty * n
    return out
