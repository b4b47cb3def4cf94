"""Benchmark: the sample district's lockdown day, end to end (load, plan, route).

Prints the instance size (compounds sealed, sites, hand-off points, fleet) and the wall time
of each step, the vehicles used and what could not be routed. Target: the day routed in
under 60 s on a 2-core machine.

    python bench/district_day.py [--seed 2022] [--size district]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from baogong.db import make_engine
from baogong.demo import flow
from baogong.sample.generator import Size


def run(seed: int, size: Size) -> dict[str, float]:
    """Run the demo's day on a fresh SQLite database and print its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'day.db'}")
        t0 = time.perf_counter()
        result = flow.run(engine, seed=seed, size=size, day=date(2022, 4, 9))
        wall = time.perf_counter() - t0
        engine.dispose()
    out = result.as_json()
    r = result.routing
    print(f"instance: sample {size.value}, seed {seed}: {result.compounds:,} compounds, "
          f"{result.sealed_compounds:,} sealed ({result.sealed_households:,} households), "
          f"{r['sites_routed']} shipping sites, {out['handoff_points']} hand-off points")
    for step, seconds in result.timings.items():
        print(f"{step:<12} {seconds:8.2f} s")
    print(f"{'total':<12} {wall:8.2f} s")
    print(f"allocation: {out['packs_allocated']:,} of {out['packs_demanded']:,} packs, "
          f"priority unmet {out['priority_unmet_packs']}, lowest fill rate "
          f"{out['min_fill_rate']:.1%}")
    print(f"routing: {r['vehicles_used']} vehicles, {r['trips']} trips, {r['route_km']:,} km, "
          f"{r['stops_routed']} stops routed, {r['stops_unrouted']} not routed "
          f"({r['unrouted_kg']:,} kg)")
    return {"total_s": wall, "routing_s": result.timings["routing"],
            "allocation_s": result.timings["allocation"]}


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--size", type=Size, default=Size.DISTRICT)
    args = parser.parse_args()
    run(args.seed, args.size)


if __name__ == "__main__":
    main()
