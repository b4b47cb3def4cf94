"""Run every benchmark and write their output to bench/RESULTS.md.

    python bench/run_all.py [--quick]

--quick runs each at a small size (as CI would); the default is the full sizes the issues
name, which takes several minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = [
    ("allocation", ["allocation.py", "--size", "all"]),
    ("routing", ["routing.py", "--time-limits", "10,60"]),
    ("district day", ["district_day.py"]),
    ("import", ["import.py", "--rows", "100000"]),
    ("orders", ["orders.py", "--orders", "20000"]),
    ("dashboard", ["dashboard.py"]),
]
QUICK = [
    ("allocation", ["allocation.py", "--size", "tiny"]),
    ("routing", ["routing.py", "--instances", "tiny_cvrp", "--dir",
                 str(HERE.parent / "tests" / "data" / "routing"), "--time-limits", "1",
                 "--district-stops", "40", "--district-time", "2"]),
    ("district day", ["district_day.py", "--size", "small"]),
    ("import", ["import.py", "--rows", "2000"]),
    ("orders", ["orders.py", "--orders", "1000", "--pgbench-seconds", "2"]),
    ("dashboard", ["dashboard.py", "--size", "small", "--runs", "2"]),
]


def main() -> None:
    """Run the benchmarks one after another and record their output."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    parts = [f"# Benchmark results\n\nRun {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with "
             f"`python bench/run_all.py{' --quick' if args.quick else ''}` on "
             f"{_machine()}.\n"]
    failed = False
    for title, cmd in QUICK if args.quick else FULL:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, str(HERE / cmd[0]), *cmd[1:]],
                              capture_output=True, text=True, check=False)
        took = time.perf_counter() - t0
        failed |= proc.returncode != 0
        print(proc.stdout, end="")
        print(proc.stderr, end="", file=sys.stderr)
        parts.append(f"\n## {title}\n\n`python bench/{' '.join(cmd)}` ({took:.0f} s, exit "
                     f"{proc.returncode})\n\n```\n{proc.stdout.strip()}\n```\n")
    args.output.write_text("".join(parts), encoding="utf-8")
    sys.exit(1 if failed else 0)


def _machine() -> str:
    import os
    import platform

    return f"{os.cpu_count()} cores, Python {platform.python_version()}"


if __name__ == "__main__":
    main()
