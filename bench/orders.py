"""Benchmark: order intake over HTTP against the server on PostgreSQL, with retries.

A throwaway PostgreSQL database gets the small sample city and a command account; uvicorn
serves baogong on loopback; a bounded async client sends N orders (each with its own
Idempotency-Key) and retries a share of them with the same key (expecting the same order
back). Prints orders per second, p50 and p99 latency, and, for scale, pgbench's TPS on the
same database in the same run.

    python bench/orders.py [--orders 20000] [--retry 0.1] [--concurrency 16] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx2
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from baogong.loadtest import orders as load

ADMIN = os.environ.get("BAOGONG_TEST_PG_URL",
                       "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def pgbench_tps(dbname: str, seconds: int = 10) -> float | None:
    """TPS of pgbench's built-in TPC-B-like script on the same server and database."""
    exe = shutil.which("pgbench")
    if exe is None:
        return None
    conn = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run([exe, *conn, "-i", "-q", "-s", "1", dbname], check=True,
                   capture_output=True)
    out = subprocess.run([exe, *conn, "-c", "8", "-j", "2", "-T", str(seconds), dbname],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("tps"):
            return float(line.split("=")[1].split()[0])
    return None


def main() -> None:
    """Run the load and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--retry", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    args = parser.parse_args()
    dbname = f"bench_orders_{uuid.uuid4().hex[:8]}"
    url = load.create_database(ADMIN, dbname)
    try:
        load.prepare(url)
        with load.Server(url, workers=args.workers) as server:
            token = load.token(server.base)
            t0 = time.perf_counter()
            result = asyncio.run(load.run_load(server.base, token, args.orders, args.retry,
                                               args.concurrency, seed=1))
            wall = time.perf_counter() - t0
        count, distinct = load.count_orders(url)
        lat = sorted(result.latencies)
        p50 = statistics.median(lat) * 1000
        p99 = lat[int(len(lat) * 0.99) - 1] * 1000
        print(f"instance: {args.orders:,} orders, {result.retries:,} retried with the same key, "
              f"concurrency {args.concurrency}, {args.workers} uvicorn workers, "
              f"PostgreSQL on loopback")
        print(f"requests {len(lat):,} in {wall:.1f} s: {args.orders / wall:,.0f} orders/s, "
              f"{len(lat) / wall:,.0f} requests/s")
        print(f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        print(f"created {result.created:,} (201), replayed {result.replayed:,} (200), "
              f"same id on every replay: {result.replays_matched}, errors {result.errors}")
        print(f"orders stored {count:,}, distinct keys {distinct:,}")
        tps = pgbench_tps(dbname, args.pgbench_seconds)
        if tps is not None:
            print(f"pgbench (TPC-B-like, 8 clients) on the same database: {tps:,.0f} TPS; "
                  f"orders/s as a share of it: {args.orders / wall / tps:.2f}")
        if count != args.orders or distinct != args.orders or result.errors:
            sys.exit(1)
    finally:
        load.drop_database(ADMIN, dbname)


if __name__ == "__main__":
    random.seed(1)
    main()
    _ = (httpx2, psycopg)
