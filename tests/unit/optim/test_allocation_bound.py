"""The certified kg x km lower bound of the network method (Lagrangian, zone-LP prices)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tests.unit.optim.test_allocation import load_bench

from baogong.errors import DomainError
from baogong.optim.allocation import (
    Community,
    Demand,
    FixedFlow,
    Options,
    Problem,
    Product,
    Site,
    solve,
    zones,
)
from baogong.optim.allocation.aggregate import solve_aggregate
from baogong.optim.allocation.bound import kgkm_bound
from baogong.optim.allocation.highs import Clock
from baogong.optim.allocation.io import parse_problem, plan_json
from baogong.optim.allocation.lagrange import best_reward, pair_value


def with_options(problem: Problem, **options: object) -> Problem:
    """The same problem with other options."""
    return Problem(problem.products, problem.sites, problem.communities, problem.fixed_flows,
                   Options(**options))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def mid() -> Problem:
    """300 communities, 60 sites (more than a nearest-site list holds), 5 products."""
    problem: Problem = load_bench().make_problem(300, 60, 5, seed=11)
    return problem


@pytest.fixture(scope="module")
def exact_lp(mid: Problem) -> float:
    """The exact method's stage-4 LP optimum on ``mid``."""
    return solve(with_options(mid, method="exact")).summary.lp_kg_km


def test_bound_is_below_the_lp_optimum_and_close(mid: Problem, exact_lp: float) -> None:
    """With zone-LP prices the bound is at most the exact LP optimum and within 3% of it;
    the plan from the zone LP's supplies is within 1% of it too (it was 21% above with the
    locality proxy's supplies)."""
    s = solve(with_options(mid, method="network", kgkm_bound=True)).summary
    assert s.lp_kg_km <= exact_lp * (1 + 1e-9)
    assert s.lp_kg_km >= exact_lp * 0.97
    assert s.kg_km >= s.lp_kg_km and s.bound_s > 0
    assert s.kg_km <= exact_lp * 1.01


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bound_holds_whatever_the_prices(mid: Problem, exact_lp: float, seed: int) -> None:
    """Any capacity rents and served-kg reward give a bound no higher than the LP optimum:
    the certificate does not depend on the prices being good."""

    rng = np.random.default_rng(seed)
    n_s = mid.arrays.stock.shape[0]
    mu = rng.uniform(0, 30, n_s) * (rng.random(n_s) < 0.5)
    clock = Clock()
    agg = solve_aggregate(mid, clock)
    bound = kgkm_bound(mid, agg, clock, (mu, float(rng.uniform(0, 60))))
    assert 0 <= bound <= exact_lp * (1 + 1e-9)


def test_bound_counts_fixed_flows() -> None:
    """Fixed flows' kg x km are in the plan and in both methods' bounds, so the gap stays
    small with them."""
    far = 0.2  # degrees north: about 29 road km
    problem = Problem(
        [Product("rice", 10.0), Product("oil", 5.0)],
        [Site("S1", 23.10, 113.30, 400, {"rice": 30, "oil": 40}),
         Site("S2", 23.10 + far, 113.30, 4000, {"rice": 200, "oil": 200})],
        [Community("C1", 23.11, 113.30, {"rice": Demand(5, 20), "oil": Demand(5, 30)}),
         Community("C2", 23.09, 113.30, {"rice": Demand(2, 20), "oil": Demand(0, 20)})],
        [FixedFlow("S2", "C1", "rice", 10, 5)])
    for method in ("exact", "network"):
        s = solve(with_options(problem, method=method, kgkm_bound=True)).summary
        assert s.lp_kg_km <= s.kg_km * (1 + 1e-9)
        assert s.gaps()["kg_km"] < 0.05, method


def test_option_is_read_from_json_and_reported() -> None:
    """``kgkm_bound`` is a JSON option; the plan reports the bound and the time it took."""
    data = {"version": 1, "products": [{"id": "p", "kg_per_unit": 1}],
            "sites": [{"id": "S", "lat": 23.1, "lon": 113.3, "capacity_kg": 5,
                       "stock": {"p": 10}}],
            "communities": [{"id": "C", "lat": 23.11, "lon": 113.3,
                             "demand": {"p": {"priority": 1, "regular": 8}}}],
            "options": {"method": "network", "kgkm_bound": True}}
    out = plan_json(solve(parse_problem(data)))["summary"]
    assert out["lp_bound"]["kg_km"] is not None and out["bound_s"] > 0
    assert out["lp_bound"]["kg_km"] <= out["kg_km"] + 1e-6
    data["options"] = {"kgkm_bound": "yes"}
    with pytest.raises(DomainError) as err:
        parse_problem(json.loads(json.dumps(data)))
    assert err.value.field == "kgkm_bound"


def test_zones_cover_every_community() -> None:
    """The zone k-means labels every point with a zone that is used."""
    rng = np.random.default_rng(0)
    xyz = rng.normal(size=(500, 3))
    xyz /= np.linalg.norm(xyz, axis=1, keepdims=True)
    lab, n = zones.weighted_kmeans(xyz, rng.uniform(1, 5, 500), 20)
    assert lab.shape == (500,) and n <= 20 and set(lab.tolist()) == set(range(n))



def test_zone_lp_pricing_reaches_the_same_optimum_from_any_start(mid: Problem) -> None:
    """Pricing proves the zone LP optimal over every zone x site arc: starting it from a
    plan's flows, or with one site per zone, changes its columns, not its optimum."""

    clock = Clock()
    agg = solve_aggregate(mid, clock)
    plain = zones.zone_lp(mid, agg, clock)
    plan = solve(with_options(mid, method="network"))
    seeded = zones.zone_lp(mid, agg, clock, seed=(
        plan.flow_site, plan.flow_comm, plan.flow_prod))
    assert plain.short_kg == 0 and seeded.short_kg == 0
    assert seeded.value == pytest.approx(plain.value, rel=1e-6)


def test_zone_lp_with_one_site_per_zone_prices_its_way_to_the_optimum(
        mid: Problem, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a single first site per zone the slack columns carry the demand at first, and
    pricing still ends at the same optimum with nothing on them."""

    clock = Clock()
    agg = solve_aggregate(mid, clock)
    plain = zones.zone_lp(mid, agg, clock)
    monkeypatch.setattr(zones, "ZONE_SITES", 1)
    monkeypatch.setattr(zones, "ZONE_SHARE", 0)
    narrow = zones.zone_lp(mid, agg, clock)
    assert narrow.short_kg <= 1e-6 * agg.served_kg
    assert narrow.value == pytest.approx(plain.value, rel=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_best_reward_is_the_best_of_any_reward(seed: int) -> None:
    """The reward chosen from the subproblems' certificates gives a bound at least as high
    as any reward on a fine grid (the certificate's value is concave in the reward)."""

    rng = np.random.default_rng(seed)
    parts = []
    for w in (0.5, 2.0, 10.0):
        n = 40
        ub = rng.integers(0, 30, n)
        lo = np.floor(ub * rng.uniform(0, 1, n) * 4) / 4
        price = w * rng.uniform(-5, 60, n)
        price[rng.random(n) < 0.1] = np.inf  # pairs no stock reaches
        lo[~np.isfinite(price)] = 0.0
        parts.append((price, lo, ub, w))
    total = sum(float(w * (lo.sum() + 0.6 * (ub - lo).sum())) for _p, lo, ub, w in parts)

    def value(nu: float) -> float:
        return nu * total + sum(pair_value(p - w * nu, lo, ub) for p, lo, ub, w in parts)

    best = best_reward(parts, total)
    grid = np.linspace(0, 80, 4001)
    assert best >= 0
    assert value(best) >= max(value(float(nu)) for nu in grid) - 1e-6
