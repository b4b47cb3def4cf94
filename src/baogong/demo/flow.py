"""A lockdown day: load the sample city, seal three subdistricts, size demand, check stock.

Each step owns its transaction; a failure leaves what earlier steps committed intact. The
day itself (allocation, routing, the last 100 m) runs through `operations.day.run_day`, and
adds to the same summary; volunteer shifts are rostered last.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from baogong import migrate
from baogong.audit.models import Source
from baogong.audit.service import Actor
from baogong.db import session_factory, unit_of_work
from baogong.demand.service import product_units, standard_pack_demand, standard_packs
from baogong.demo.shifts import roster_demo_shifts
from baogong.errors import DomainError
from baogong.i18n import N_
from baogong.ledger.models import Product
from baogong.ledger.stock import available_stock
from baogong.operations import day as day_runner
from baogong.regions import service as regions
from baogong.regions.models import Region, RegionLevel, ZoneStatus
from baogong.sample import load as sample_load
from baogong.sample.generator import SEALED, Size, generate
from baogong.types import Progress, day_start, no_progress


@dataclass
class ProductLine:
    """Need against stock for one product."""

    code: str
    name: str
    unit: str
    needed: Decimal
    in_stock: Decimal
    kg_per_unit: Decimal

    @property
    def cover(self) -> float:
        """Stock as a share of need (1.0 = fully covered)."""
        return float(self.in_stock / self.needed) if self.needed else 1.0


@dataclass
class DemoResult:
    """What the lockdown day found; `as_json()` is the `--json` output."""

    date: date
    seed: int
    size: str
    backend: str
    households: int = 0
    compounds: int = 0
    sealed_compounds: int = 0
    sealed_households: int = 0
    vulnerable_households: int = 0
    packs_demanded: int = 0
    priority_packs: int = 0
    packs_by_type: dict[str, int] = field(default_factory=dict)
    demand_kg: float = 0.0
    stock_kg: float = 0.0
    products: list[ProductLine] = field(default_factory=list)
    allocation: dict[str, Any] = field(default_factory=dict)
    routing: dict[str, Any] = field(default_factory=dict)
    lastmile: dict[str, Any] = field(default_factory=dict)
    plan_id: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def as_json(self) -> dict[str, Any]:
        """The summary as plain JSON values."""
        return {
            "date": self.date.isoformat(), "seed": self.seed, "size": self.size,
            "database": self.backend, "households": self.households,
            "compounds": self.compounds, "sealed_compounds": self.sealed_compounds,
            "sealed_households": self.sealed_households,
            "vulnerable_households": self.vulnerable_households,
            "packs_demanded": self.packs_demanded, "priority_packs": self.priority_packs,
            "packs_by_type": self.packs_by_type, "demand_kg": round(self.demand_kg, 1),
            "stock_kg": round(self.stock_kg, 1),
            "short_products": [p.code for p in self.products if p.cover < 1],
            "products": [
                {"code": p.code, "name": p.name, "unit": p.unit, "needed": float(p.needed),
                 "in_stock": float(p.in_stock), "cover": round(p.cover, 3)}
                for p in self.products
            ],
            "plan_id": self.plan_id,
            **self.allocation,
            **self.routing,
            **self.lastmile,
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
            "elapsed_s": round(self.elapsed_s, 3),
        }


def prepare_database(engine: Engine, *, fresh: bool) -> None:
    """Bring the schema to the newest revision; with fresh, drop everything first.

    An SQLite file is simply deleted and made anew (which also clears a file left broken);
    a server database is migrated down to an empty schema.
    """
    if fresh:
        path = engine.url.database if engine.dialect.name == "sqlite" else None
        if path and path != ":memory:":
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)
        else:
            migrate.downgrade(engine, "base")
    migrate.upgrade(engine)


def run(engine: Engine, *, seed: int, size: Size, day: date, fresh: bool = False,
        step: Progress = no_progress) -> DemoResult:
    """Run the lockdown day on the engine's database; the database must be empty unless fresh."""
    t0 = _time.perf_counter()
    result = DemoResult(date=day, seed=seed, size=size.value, backend=engine.dialect.name)
    factory = session_factory(engine)

    def timed(name: str, since: float) -> float:
        now = _time.perf_counter()
        result.timings[name] = now - since
        return now

    prepare_database(engine, fresh=fresh)
    with unit_of_work(factory) as session:
        if not sample_load.is_empty(session):
            raise DomainError(N_("The database is not empty; run the demo with --fresh to "
                                 "start over (this deletes every record)"), record="database")
    t = timed("migrate", t0)
    city = generate(seed, size)
    with unit_of_work(factory) as session:
        sample_load.load(session, city, step, actor=Actor("demo", Source.DEMO, "demo"))
    t = timed("load", t)
    start = day_start(day)
    with unit_of_work(factory) as session:
        step(N_("Sealing subdistricts"), len(SEALED))
        for sub in session.scalars(select(Region).where(Region.name.in_(SEALED))):
            regions.declare_zone(session, region_code=sub.code, status=ZoneStatus.SEALED,
                                 valid_from=start, reason="seed 000: April 2022",
                                 declared_by="demo", source=Source.DEMO, ref="demo")
            step("", 1)
    t = timed("seal", t)
    with unit_of_work(factory) as session:
        _size_demand(session, result, start)
    t = timed("demand", t)
    ran = day_runner.run_day(factory, day=day, by="demo", source=Source.DEMO, ref="demo",
                             progress=step)
    result.plan_id, result.allocation = ran.plan_id, ran.allocation
    result.routing, result.lastmile = ran.routing, ran.lastmile
    result.timings.update(ran.timings)
    t = _time.perf_counter()
    with unit_of_work(factory) as session:
        result.lastmile["volunteer_shifts"] = roster_demo_shifts(session, day=day)
    timed("shifts", t)
    result.elapsed_s = _time.perf_counter() - t0
    return result


def _size_demand(session: Any, result: DemoResult, start: datetime) -> None:
    result.households = int(session.scalar(
        select(func.coalesce(func.sum(Region.households), 0))
        .where(Region.level == RegionLevel.COMPOUND)))
    result.compounds = int(session.scalar(
        select(func.count()).select_from(Region).where(Region.level == RegionLevel.COMPOUND)))
    demands = standard_pack_demand(session, at=start)
    packs = standard_packs(session)
    result.sealed_compounds = len(demands)
    result.sealed_households = sum(d.households for d in demands)
    result.vulnerable_households = sum(d.vulnerable_households for d in demands)
    for d in demands:
        for code, n in d.packs.items():
            result.packs_by_type[code] = result.packs_by_type.get(code, 0) + n
        result.priority_packs += sum(d.priority_packs.values())
    result.packs_demanded = sum(result.packs_by_type.values())
    needed = product_units(demands, packs)
    stock = available_stock(session)
    products = {p.id: p for p in session.scalars(select(Product))}
    result.stock_kg = float(sum(q * products[pid].kg_per_unit for pid, q in stock.items()))
    result.demand_kg = float(sum(q * products[pid].kg_per_unit for pid, q in needed.items()))
    result.products = sorted(
        (ProductLine(products[pid].code, products[pid].name, products[pid].unit.value, q,
                     stock.get(pid, Decimal("0")), products[pid].kg_per_unit)
         for pid, q in needed.items()),
        key=lambda p: p.cover,
    )
