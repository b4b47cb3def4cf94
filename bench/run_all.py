"""Run every benchmark and write their output to bench/RESULTS.md.

    python bench/run_all.py [--quick] [--only NAME ...]

--quick runs each at a small size (as CI would); the default is the full sizes the issues
name, which takes several minutes on a 2-core machine. --only re-runs the named benchmarks
and replaces just their sections of an existing RESULTS.md (each section says when it ran).
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
    parser.add_argument("--only", nargs="+", metavar="NAME", help="e.g. orders routing")
    args = parser.parse_args()
    chosen = QUICK if args.quick else FULL
    if args.only:
        chosen = [(t, c) for t, c in chosen if t in args.only]
    parts = [f"# Benchmark results\n\nRun {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with "
             f"`python bench/run_all.py{' --quick' if args.quick else ''}` on "
             f"{_machine()}.\n"]
    failed = False
    sections: dict[str, str] = {}
    for title, cmd in chosen:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, str(HERE / cmd[0]), *cmd[1:]],
                              capture_output=True, text=True, check=False)
        took = time.perf_counter() - t0
        failed |= proc.returncode != 0
        print(proc.stdout, end="")
        print(proc.stderr, end="", file=sys.stderr)
        sections[title] = (f"\n## {title}\n\n`python bench/{' '.join(cmd)}` ({took:.0f} s, exit "
                           f"{proc.returncode}, run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)"
                           f"\n\n```\n{proc.stdout.strip()}\n```\n")
    if args.only and args.output.exists():
        text = _replace_sections(args.output.read_text(encoding="utf-8"), sections)
    else:
        text = "".join(parts) + "".join(sections.values())
    args.output.write_text(text, encoding="utf-8")
    sys.exit(1 if failed else 0)


def _replace_sections(text: str, sections: dict[str, str]) -> str:
    """The results file with the named `## title` sections replaced (or appended)."""
    for title, body in sections.items():
        start = text.find(f"\n## {title}\n")
        if start < 0:
            text += body
            continue
        end = text.find("\n## ", start + 1)
        text = text[:start] + body.rstrip("\n") + "\n" + (text[end:] if end >= 0 else "")
    return text


def _machine() -> str:
    import os
    import platform

    return f"{os.cpu_count()} cores, Python {platform.python_version()}"


if __name__ == "__main__":
    main()
