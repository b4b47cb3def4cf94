"""Generate the sample city, Guangzhou's Baiyun district (440111), deterministically.

Subdistrict, town and community names and codes are the official ones (bundled CSV files);
coordinates are approximate centroids; compounds, households, enterprises, stock, fleet and
volunteers are synthetic, calibrated on the figures in the seeds (about 2.6 people a
household, about 5% of households elderly living alone).
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from baogong.ledger import credit_code
from baogong.ledger.models import EnterpriseKind, Qualification, SiteKind
from baogong.sample.catalogue import (
    CHAINS,
    COMPOUND_SUFFIXES,
    GIVEN,
    PACKS,
    STOCK_COVER,
    SURNAMES,
)

DATA = Path(__file__).parent / "data"
CITY = ("440100", "广州市", 23.1291, 113.2644)
DISTRICT = ("440111", "白云区", 23.1577, 113.2731)
SEALED = ("云城街道", "黄石街道", "新市街道")  # seed 000, April 2022
SIZE_SHARES = (0.24, 0.28, 0.24, 0.14, 0.10)  # households of 1, 2, 3, 4, 5+ people
VULNERABLE_RATES = {"elderly_alone": 0.05, "seriously_ill": 0.01, "disabled": 0.015,
                    "hardship": 0.008, "infants_pregnant": 0.03}


class Size(StrEnum):
    """Size of the sample city."""

    SMALL = "small"
    DISTRICT = "district"


@dataclass
class RegionSpec:
    code: str
    name: str
    level: str
    parent: str | None
    lat: float
    lon: float
    admin_code: str | None = None
    households: int = 0
    population: int = 0
    sizes: dict[str, int] | None = None
    vulnerable: dict[str, int] = field(default_factory=dict)
    buildings: int = 0


@dataclass
class SiteSpec:
    code: str
    name: str
    kind: SiteKind
    region: str
    lat: float
    lon: float
    capacity_kg: Decimal
    is_open: bool = True


@dataclass
class EnterpriseSpec:
    name: str
    credit_code: str
    kind: EnterpriseKind
    key_supply: bool
    contact: str
    phone: str
    qualification: Qualification
    sites: list[SiteSpec] = field(default_factory=list)


@dataclass
class VehicleSpec:
    plate: str
    kind: str
    capacity_kg: Decimal
    cold_chain: bool
    home_site: str
    pass_permit: str | None
    driver_name: str
    driver_phone: str


@dataclass
class CitySpec:
    """Everything the loader writes, in plain values."""

    seed: int
    size: Size
    regions: list[RegionSpec]
    enterprises: list[EnterpriseSpec]
    stock: list[tuple[str, str, Decimal]]  # site code, product code, units
    vehicles: list[VehicleSpec]
    teams: list[tuple[str, str, str]]  # code, name, region code
    volunteers: list[tuple[str, str, str, str, Decimal]]  # code, name, phone, team, hours

    @property
    def compounds(self) -> list[RegionSpec]:
        return [r for r in self.regions if r.level == "compound"]


def _read(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _stem(name: str) -> str:
    for tail in ("社区居委会", "居委会", "村民委员会", "村委会", "委员会"):
        if name.endswith(tail):
            return name[: -len(tail)]
    return name


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(str(rng.randrange(10)) for _ in range(9))


def _credit_code(rng: random.Random) -> str:
    body = "91440111" + "".join(rng.choice(credit_code.ALPHABET[:10] + "ABCDEFGHJK")
                                for _ in range(9))
    return body + credit_code.check_char(body)


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    raw = [total * w / sum(weights) for w in weights]
    out = [int(x) for x in raw]
    out[0] += total - sum(out)
    return out


def _regions(rng: random.Random, size: Size) -> list[RegionSpec]:
    city = RegionSpec(CITY[0], CITY[1], "city", None, CITY[2], CITY[3], admin_code=CITY[0])
    district = RegionSpec(DISTRICT[0], DISTRICT[1], "district", CITY[0], DISTRICT[2],
                          DISTRICT[3], admin_code=DISTRICT[0])
    out = [city, district]
    subs = _read("baiyun_subdistricts.csv")
    comms = _read("baiyun_communities.csv")
    if size is Size.SMALL:
        subs = [s for s in subs if s["name"] in (*SEALED, "棠景街道")]
    for sub in subs:
        lat0, lon0 = float(sub["lat"]), float(sub["lon"])
        spread = 0.012 if sub["kind"] == "subdistrict" else 0.035
        out.append(RegionSpec(sub["code"], sub["name"], sub["kind"], DISTRICT[0], lat0, lon0,
                              admin_code=sub["code"]))
        mine = [c for c in comms if c["subdistrict_code"] == sub["code"]]
        population = int(sub["population"])
        if size is Size.SMALL:
            mine, population = mine[:2], 3000
        for comm, comm_pop in zip(mine, _split(rng, population, len(mine)), strict=True):
            clat, clon = rng.gauss(lat0, spread / 2), rng.gauss(lon0, spread / 2)
            out.append(RegionSpec(comm["code"], _stem(comm["name"]), "community", sub["code"],
                                  round(clat, 6), round(clon, 6), admin_code=comm["code"]))
            households = max(1, round(comm_pop / 2.6))
            n = 2 if size is Size.SMALL else max(1, min(6, math.ceil(households / 1300)))
            for i, hh in enumerate(_split(rng, households, n), start=1):
                out.append(_compound(rng, comm, i, hh, clat, clon))
    return out


def _compound(rng: random.Random, comm: dict[str, str], i: int, households: int,
              clat: float, clon: float) -> RegionSpec:
    sizes = [int(households * s) for s in SIZE_SHARES]
    sizes[1] += households - sum(sizes)
    population = sum(n * k for n, k in zip(sizes, (1, 2, 3, 4, 5), strict=True))
    population += sizes[4] * rng.choice((0, 1)) // 3  # some households of six or more
    vulnerable = {k: round(households * rate * rng.uniform(0.7, 1.3))
                  for k, rate in VULNERABLE_RATES.items()}
    vulnerable["elderly_alone"] = min(vulnerable["elderly_alone"], sizes[0])
    name = _stem(comm["name"]).removesuffix("社区") + rng.choice(COMPOUND_SUFFIXES)
    return RegionSpec(
        f"{comm['code']}-{i:02d}", f"{name}{'' if i == 1 else str(i) + '期'}", "compound",
        comm["code"], round(rng.gauss(clat, 0.002), 6), round(rng.gauss(clon, 0.002), 6),
        households=households, population=population,
        sizes={str(k): n for k, n in enumerate(sizes, start=1)}, vulnerable=vulnerable,
        buildings=max(1, math.ceil(households / rng.randrange(36, 96))),
    )


def _site(rng: random.Random, code: str, name: str, kind: SiteKind, near: RegionSpec,
          capacity: tuple[int, int], spread: float = 0.004) -> SiteSpec:
    cap = Decimal(rng.randrange(capacity[0], capacity[1], 100))
    return SiteSpec(code, name, kind, near.code, round(rng.gauss(near.lat, spread), 6),
                    round(rng.gauss(near.lon, spread), 6), cap)


def _enterprises(rng: random.Random, size: Size, regions: list[RegionSpec]) -> list[EnterpriseSpec]:
    communities = [r for r in regions if r.level == "community"]
    subs = {r.code: r for r in regions if r.level in ("subdistrict", "town")}
    towns = [r for r in subs.values() if r.level == "town"] or list(subs.values())
    stores, warehouses = (2, 1) if size is Size.SMALL else (45, 2)
    out: list[EnterpriseSpec] = []

    def ent(name: str, kind: EnterpriseKind, key: bool,
            q: Qualification = Qualification.VERIFIED) -> EnterpriseSpec:
        e = EnterpriseSpec(name, _credit_code(rng), kind, key, _person(rng), _phone(rng), q)
        out.append(e)
        return e

    for ci, chain in enumerate(CHAINS, start=1):
        e = ent(f"广州{chain}有限公司", EnterpriseKind.SUPERMARKET_CHAIN, True)
        for k in range(1, stores + 1):
            comm = rng.choice(communities)
            e.sites.append(_site(rng, f"C{ci}S{k:03d}", f"{chain}{comm.name}店",
                                 SiteKind.STORE, comm, (1500, 4000)))
        for k in range(1, warehouses + 1):
            sub = rng.choice(list(subs.values()))
            e.sites.append(_site(rng, f"C{ci}W{k:02d}", f"{chain}{sub.name}配送仓",
                                 SiteKind.WAREHOUSE, sub, (20000, 60000), 0.01))
    coop = ent("广州市白云区供销合作社配送中心", EnterpriseKind.COOPERATIVE, True)
    for k, sub in enumerate(rng.sample(list(subs.values()), min(2, len(subs))), start=1):
        coop.sites.append(_site(rng, f"GX-W{k:02d}", f"白云供销{sub.name}保供仓",
                                SiteKind.WAREHOUSE, sub, (30000, 80000), 0.01))
    bases = 1 if size is Size.SMALL else 6
    farm = ent("广州白云绿源蔬菜产销专业合作社", EnterpriseKind.FARM, False)
    for k in range(1, bases + 1):
        town = rng.choice(towns)
        farm.sites.append(_site(rng, f"FB{k:02d}", f"绿源{town.name}蔬菜基地",
                                SiteKind.BASE, town, (10000, 30000), 0.02))
    wholesale = ent("白云农副产品批发有限公司", EnterpriseKind.WHOLESALER, False,
                    Qualification.PENDING)
    sub = rng.choice(list(subs.values()))
    wholesale.sites.append(_site(rng, "WS-01", "白云农副产品批发市场", SiteKind.WAREHOUSE, sub,
                                 (40000, 90000), 0.01))
    grain = ent("广州穗丰粮油加工有限公司", EnterpriseKind.PROCESSOR, False,
                Qualification.SUSPENDED)
    town = rng.choice(towns)
    grain.sites.append(_site(rng, "GP-01", "穗丰粮油加工厂", SiteKind.BASE, town,
                             (20000, 50000), 0.02))
    out[1].sites[0].is_open = False  # one store closed (staff in isolation)
    return out


def _stock(rng: random.Random, regions: list[RegionSpec],
           enterprises: list[EnterpriseSpec]) -> list[tuple[str, str, Decimal]]:
    """Stock lines sized so that a day of sealed-zone packs finds STOCK_COVER of what it needs."""
    sealed_codes = {r.code for r in regions if r.name in SEALED}
    communities = {r.code: r.parent for r in regions if r.level == "community"}
    need: dict[str, float] = {}
    for c in regions:
        if c.level != "compound" or communities.get(c.parent or "") not in sealed_codes:
            continue
        for _code, _n, _cost, _price, _sub, items, rules in PACKS:
            packs = sum(n * _rule(rules, int(s)) for s, n in (c.sizes or {}).items())
            for product, qty in items:
                need[product] = need.get(product, 0.0) + packs * float(qty)
    usable = [s for e in enterprises for s in e.sites
              if e.qualification is Qualification.VERIFIED and s.is_open]
    others = [s for e in enterprises for s in e.sites if s not in usable]
    weight = {s.code: float(s.capacity_kg) * rng.uniform(0.5, 1.5) for s in usable}
    total_w = sum(weight.values())
    lines: list[tuple[str, str, Decimal]] = []
    for product in sorted(need):
        target = need[product] * STOCK_COVER.get(product, 1.0)
        for s in usable:
            units = math.floor(target * weight[s.code] / total_w)
            if units > 0:
                lines.append((s.code, product, Decimal(units)))
        for s in others:
            lines.append((s.code, product, Decimal(rng.randrange(50, 500))))
    return lines


def _rule(rules: tuple[tuple[int, int | None, int], ...], size: int) -> int:
    for lo, hi, packs in rules:
        if lo <= size and (hi is None or size <= hi):
            return packs
    return 0


FLEET: dict[SiteKind, tuple[tuple[str, int, int, bool], ...]] = {
    # kind of site -> (vehicle kind, count, capacity kg, cold chain)
    SiteKind.STORE: (("van", 1, 1500, False),),
    SiteKind.WAREHOUSE: (("truck", 3, 5000, False), ("cold_van", 2, 2000, True)),
    SiteKind.BASE: (("truck", 2, 5000, False), ("cold_van", 1, 2000, True)),
}


def _fleet(rng: random.Random, enterprises: list[EnterpriseSpec]) -> list[VehicleSpec]:
    """Each site runs its own vehicles (seed 004: enterprise to hand-off point by truck).

    Stores' vans are refrigerated (a designated supply outlet delivers its chilled food
    itself; the plan counts cold-chain stock only where such a vehicle is based); nine in ten
    vehicles hold a pass.
    """
    out: dict[str, VehicleSpec] = {}
    for site in (s for e in enterprises for s in e.sites):
        for kind, count, cap, cold in FLEET[site.kind]:
            for _ in range(count):
                rng.random()  # keeps the draws of the rest of the sample as they were
                is_cold = cold or site.kind is SiteKind.STORE
                plate = f"粤A{rng.choice('ABCDF')}{rng.randrange(10000, 99999)}"
                while plate in out:
                    plate = f"粤A{rng.choice('ABCDF')}{rng.randrange(10000, 99999)}"
                permit = rng.random() < 0.9
                out[plate] = VehicleSpec(
                    plate, "cold_van" if is_cold and kind == "van" else kind,
                    Decimal(2000 if is_cold and kind == "van" else cap), is_cold, site.code,
                    f"BY-{rng.randrange(100000, 999999)}" if permit else None,
                    _person(rng), _phone(rng),
                )
    return list(out.values())


def _people(
    rng: random.Random, size: Size, regions: list[RegionSpec]
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str, str, Decimal]]]:
    sealed = {r.code for r in regions if r.name in SEALED}
    teams: list[tuple[str, str, str]] = []
    volunteers: list[tuple[str, str, str, str, Decimal]] = []
    for comm in (r for r in regions if r.level == "community" and r.parent in sealed):
        code = f"T-{comm.code}"
        teams.append((code, f"{comm.name}志愿服务队", comm.code))
        for k in range(rng.randrange(4, 7) if size is Size.SMALL else rng.randrange(8, 16)):
            hours = Decimal(rng.choice((4, 6, 8, 8, 10, 12)))
            volunteers.append((f"{code}-{k + 1:02d}", _person(rng), _phone(rng), code, hours))
    return teams, volunteers


def generate(seed: int, size: Size) -> CitySpec:
    """The sample city for a seed and size; the same inputs always give the same city."""
    rng = random.Random(f"baogong-{seed}-{size.value}")
    regions = _regions(rng, size)
    enterprises = _enterprises(rng, size, regions)
    stock = _stock(rng, regions, enterprises)
    vehicles = _fleet(rng, enterprises)
    teams, volunteers = _people(rng, size, regions)
    return CitySpec(seed, size, regions, enterprises, stock, vehicles, teams, volunteers)
