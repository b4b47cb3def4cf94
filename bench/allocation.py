"""Allocation benchmark: our lexicographic plan vs a nearest-first greedy and the raw solver.

Run ``python bench/allocation.py --size {tiny,district,city,all}``. Instances are generated
deterministically: communities clustered around Guangzhou (23.1N 113.3E), stores near the
clusters, a few big warehouses further out, 12 products of which some are short.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import resource
import sys
import time
import tracemalloc
from dataclasses import dataclass

import numpy as np

from baogong.optim.allocation import (
    Community,
    Demand,
    Options,
    Problem,
    Product,
    Result,
    Site,
    Tier,
    greedy,
    solve,
)
from baogong.optim.allocation.solver import EXACT_CELLS
from baogong.optim.allocation.zones import SPLIT_CELLS, zone_cells

SIZES = {  # communities, sites, products
    "tiny": (60, 12, 4),
    "district": (2_000, 300, 12),
    "city": (50_000, 5_000, 12),
}
PRODUCTS = [  # id, kg per unit, units per household, supply ratio (stock / demand)
    ("veg-pack", 5.0, 1.0, 1.3), ("rice-10kg", 10.0, 0.3, 1.5), ("oil-5l", 4.6, 0.2, 1.4),
    ("eggs-30", 1.8, 0.5, 0.85), ("milk-box", 3.0, 0.4, 1.2), ("pork-1kg", 1.0, 0.6, 0.7),
    ("noodles", 2.5, 0.5, 2.0), ("fruit-box", 4.0, 0.3, 0.9), ("formula", 0.9, 0.05, 0.6),
    ("medicine-kit", 0.5, 0.08, 0.75), ("masks-50", 0.3, 0.3, 3.0), ("water-12l", 12.0, 0.3, 1.1),
]


def make_problem(n_comm: int, n_site: int, n_prod: int, seed: int = 2022,
                 options: Options | None = None) -> Problem:
    """A deterministic, realistic instance of the given size."""
    rng = np.random.default_rng(seed)
    n_cluster = max(3, n_comm // 250)
    centre = np.array([23.13, 113.30]) + rng.normal(0, [0.09, 0.11], size=(n_cluster, 2))
    weight = rng.dirichlet(np.ones(n_cluster) * 2)
    c_of = rng.choice(n_cluster, size=n_comm, p=weight)
    comm_xy = centre[c_of] + rng.normal(0, 0.012, size=(n_comm, 2))
    n_wh = max(1, n_site // 20)
    s_of = rng.choice(n_cluster, size=n_site - n_wh, p=weight)
    store_xy = centre[s_of] + rng.normal(0, 0.015, size=(n_site - n_wh, 2))
    wh_xy = np.array([23.13, 113.30]) + rng.normal(0, 0.18, size=(n_wh, 2))
    site_xy = np.vstack([store_xy, wh_xy])
    prods = PRODUCTS[:n_prod]
    households = rng.integers(150, 2500, size=n_comm)
    demand = np.zeros((n_comm, n_prod), dtype=np.int64)
    for j, (_, _, per_hh, _) in enumerate(prods):
        takes = rng.random(n_comm) < (0.4 if per_hh < 0.1 else 0.95)
        demand[:, j] = rng.poisson(households * per_hh) * takes
    priority = rng.binomial(demand, rng.uniform(0.05, 0.15, size=(n_comm, 1)))
    stock = np.zeros((n_site, n_prod), dtype=np.int64)
    is_wh = np.arange(n_site) >= n_site - n_wh
    for j, (_, _, _, ratio) in enumerate(prods):
        total = int(demand[:, j].sum() * ratio)
        carries = rng.random(n_site) < np.where(is_wh, 0.9, 0.7)
        if not carries.any():
            carries[0] = True
        share = rng.gamma(1.5, 1.0, size=n_site) * np.where(is_wh, 8.0, 1.0) * carries
        stock[:, j] = rng.multinomial(total, share / share.sum())
    kg = stock @ np.array([p[1] for p in prods])
    capacity = np.round(kg * rng.uniform(0.5, 1.3, size=n_site) + 200.0)
    active = rng.random(n_site) > 0.02
    products = [Product(pid, kg_unit) for pid, kg_unit, _, _ in prods]
    pids = [p.id for p in products]
    sites = [
        Site(f"S{i:05d}", float(site_xy[i, 0]), float(site_xy[i, 1]), float(capacity[i]),
             {pids[j]: int(stock[i, j]) for j in np.flatnonzero(stock[i])}, bool(active[i]))
        for i in range(n_site)
    ]
    comms = [
        Community(f"C{i:06d}", float(comm_xy[i, 0]), float(comm_xy[i, 1]),
                  {pids[j]: Demand(int(priority[i, j]), int(demand[i, j] - priority[i, j]))
                   for j in np.flatnonzero(demand[i])})
        for i in range(n_comm)
    ]
    return Problem(products, sites, comms, (), options or Options())


@dataclass
class Row:
    """One benchmark line."""

    size: str
    shape: str
    wall_s: float
    build_s: float
    peak_mb: float
    result: Result
    base: Result
    method: str
    start: str  # how the flow workers were started (fork / spawn), "" without workers
    exact: Result | None = None  # the exact method on the same problem, for the kg·km bound
    exact_s: float = 0.0


def run(size: str, seed: int = 2022, kgkm_bound: bool = False) -> Row:
    """Generate, solve (timed and memory-traced), run the greedy and collect numbers."""
    n_c, n_s, n_p = SIZES[size]
    t0 = time.perf_counter()
    # the network method also proves a kg·km lower bound after the plan where its zone LP
    # is small enough to have given the plan its supplies, and with --kgkm-bound beyond
    # (the zone LP is then priced after the plan: minutes on the city); its time is
    # reported apart and taken off the wall time
    problem = make_problem(n_c, n_s, n_p, seed)
    small = zone_cells(problem) <= SPLIT_CELLS
    if small or kgkm_bound:
        problem = dataclasses.replace(problem, options=Options(kgkm_bound=True))
    build = time.perf_counter() - t0
    gc.collect()
    t0 = time.perf_counter()
    result = solve(problem)  # timed untraced: tracemalloc slows Python code several-fold
    wall = time.perf_counter() - t0 - result.summary.bound_s
    start = result.summary.workers
    if size == "tiny":  # peak Python memory from a second, traced solve
        tracemalloc.start()
        solve(problem)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    base = greedy(problem)
    bad = result.violations()
    if bad:
        raise SystemExit(f"{size}: plan violates {bad}")
    a = problem.arrays
    cells = int((a.pri + a.reg > 0).sum()) * int((a.active & (a.cap > 0)).sum())
    method = "exact" if cells <= EXACT_CELLS else "network"
    exact, exact_s = None, 0.0
    if kgkm_bound and method == "network" and small:  # after the timed solve, outside ratios
        t0 = time.perf_counter()
        exact = solve(dataclasses.replace(
            problem, options=dataclasses.replace(problem.options, method="exact")))
        exact_s = time.perf_counter() - t0
    return Row(size, f"{n_c:,} communities x {n_s:,} sites x {n_p} products", wall, build, peak,
               result, base, method, start, exact, exact_s)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.3f}" if b else ("1.000" if a == b else "inf")


def report(row: Row) -> str:
    """Markdown lines for one size."""
    s, g = row.result.summary, row.base.summary
    gaps = s.gaps()
    over = s.solve_s / s.solver_s if s.solver_s else float("nan")
    over_call = row.wall_s / s.solver_s if s.solver_s else float("nan")
    tiers = row.result.tier_kg()
    total_kg = sum(tiers.values()) or 1.0
    lines = [
        f"### {row.size}: {row.shape}",
        "",
        f"- wall time (solve): {row.wall_s:.2f} s (instance build {row.build_s:.2f} s); "
        + (f"peak memory {row.peak_mb:.1f} MB (tracemalloc, second solve)" if row.size == "tiny"
           else f"peak memory {row.peak_mb:,.0f} MB (max RSS of the process)"),
        f"- raw solver time {s.solver_s:.2f} s in {s.solver_calls} calls ("
        + ("HiGHS" if row.method == "exact" else
           "HiGHS + OR-Tools min-cost flow, summed over the two flow workers")
        + f"); ours / raw = {over:.2f} ({over_call:.2f} with the first-call imports of "
        f"solve()); method {row.method}; "
        + (f"LP arcs {s.arcs:,}; pricing rounds {s.arc_rounds}" if row.method == "exact"
           else f"re-solve rounds (hub and pricing, max over products) {s.arc_rounds}; "
           f"flows proven optimal over all arcs for {s.proven_products} of "
           f"{len(row.result.problem.products)} products; flow workers started by {row.start}"),
        f"- gap to LP bound: priority kg {gaps['priority_kg']:.2e}, served kg "
        f"{gaps['served_kg']:.2e}, min fill {gaps['min_fill_rate']:.2e} (abs), kg·km "
        f"{gaps['kg_km']:.2e}",
        *([] if row.method == "exact" else [
            f"- kg·km lower bound (Lagrangian with the zone LP's prices, certified by site "
            f"prices over every site; {s.bound_s:.1f} s after the plan, not in the wall "
            f"time): {s.lp_kg_km:,.0f}; the plan is {gaps['kg_km']:+.2%} above it"
            if s.bound_s > 0 else
            f"- no kg·km bound: the zone LP ({zone_cells(row.result.problem):,} zone x site x "
            f"product cells) is over SPLIT_CELLS ({SPLIT_CELLS:,}), so the plan's supplies "
            f"come from the locality proxy; --kgkm-bound prices it after the plan"]),
        *([] if row.exact is None else [
            f"- kg·km lower bound from the exact method on the same problem (LP over every "
            f"arc, priced; {row.exact_s:.1f} s, not in any ratio): "
            f"{row.exact.summary.lp_kg_km:,.0f}; the network plan is "
            f"{s.kg_km / row.exact.summary.lp_kg_km - 1:+.2%} above it, the Lagrangian bound "
            f"{s.lp_kg_km / row.exact.summary.lp_kg_km - 1:+.2%}, the exact plan "
            f"{row.exact.summary.kg_km / row.exact.summary.lp_kg_km - 1:+.2%} "
            f"(served kg {row.exact.summary.served_kg:,.0f}, lowest fill "
            f"{row.exact.summary.min_fill_rate:.3f})"]),
        f"- tiers (kg): local {tiers[Tier.LOCAL] / total_kg:.1%}, nearby "
        f"{tiers[Tier.NEARBY] / total_kg:.1%}, citywide {tiers[Tier.CITYWIDE] / total_kg:.1%}",
        "",
        "| metric | ours | nearest-first greedy | ours / greedy |",
        "|---|---:|---:|---:|",
        f"| served kg | {s.served_kg:,.0f} | {g.served_kg:,.0f} | "
        f"{_ratio(s.served_kg, g.served_kg)} |",
        f"| priority kg served | {s.priority_served_kg:,.0f} | {g.priority_served_kg:,.0f} | "
        f"{_ratio(s.priority_served_kg, g.priority_served_kg)} |",
        f"| priority kg unmet | {s.priority_unmet_kg:,.0f} | {g.priority_unmet_kg:,.0f} | "
        f"{_ratio(s.priority_unmet_kg, g.priority_unmet_kg)} |",
        f"| lowest fill rate | {s.min_fill_rate:.3f} | {g.min_fill_rate:.3f} | "
        f"{_ratio(s.min_fill_rate, g.min_fill_rate)} |",
        f"| kg·km | {s.kg_km:,.0f} | {g.kg_km:,.0f} | {_ratio(s.kg_km, g.kg_km)} |",
        f"| unmet kg | {s.unmet_kg:,.0f} | {g.unmet_kg:,.0f} | {_ratio(s.unmet_kg, g.unmet_kg)} |",
        f"| time s | {s.solve_s:.2f} | {g.solve_s:.2f} | {_ratio(s.solve_s, g.solve_s)} |",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse flags, run the sizes asked for, print markdown."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=[*SIZES, "all"], default="district")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--kgkm-bound", action="store_true",
                        help="a kg·km lower bound where the plan has none: the exact method "
                             "on the same problem when its zone LP is small (slow), else the "
                             "Lagrangian bound with the zone LP priced after the plan (minutes "
                             "on the city); `all` does it for the district and the city")
    args = parser.parse_args(argv)
    print(f"# allocation benchmark (seed {args.seed}, python {sys.version.split()[0]})\n")
    if args.size != "all":
        print(report(run(args.size, args.seed, args.kgkm_bound)), flush=True)
        return 0
    # One fresh process per size, as `baogong allocate` solves one problem per process
    # (a process that already ran HiGHS must spawn its flow workers instead of forking them).
    import subprocess

    for size in SIZES:
        extra = ["--kgkm-bound"] if size in ("district", "city") else []
        out = subprocess.run([sys.executable, __file__, "--size", size, "--seed", str(args.seed),
                              *extra], check=True, capture_output=True, text=True).stdout
        print(out.split("\n", 2)[2].rstrip("\n") + "\n", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
