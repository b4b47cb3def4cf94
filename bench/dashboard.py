"""First paint of the command dashboard with the district sample, in headless chromium.

    python bench/dashboard.py [--size district|small] [--runs 5] [--database URL]

Loads the sample city and runs the lockdown day (`baogong demo`) into a scratch SQLite
database (or uses --database as it is), serves it with `baogong serve --demo-users`, then
opens /dashboard signed in as the command centre, --runs times, and prints for each run the
first paint and first contentful paint (from the browser's paint timing), the time until the
map, tiles and charts are drawn (data-ready), and the ratio of first paint to the 2 s target.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("BAOGONG_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
BAOGONG = shutil.which("baogong", path=str(Path(sys.executable).parent)) or "baogong"
TARGET_S = 2.0


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    """Prepare the data, serve it, measure the dashboard's paint in chromium."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="district", choices=["district", "small"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", help="Use this database as it is (no demo run).")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="baogong-bench-"))
    url = args.database or f"sqlite:///{tmp / 'dash.db'}"
    env = {**os.environ, "BAOGONG_DATABASE_URL": url}
    env.pop("BAOGONG_LANG", None)
    if not args.database:
        t0 = time.perf_counter()
        subprocess.run([BAOGONG, "demo", "--fresh", "--size", args.size, "--date",
                        "2022-04-09", "--json"], env=env, check=True, capture_output=True)
        print(f"demo ({args.size}): {time.perf_counter() - t0:.1f} s")
    port = _port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([BAOGONG, "serve", "--demo-users", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                with urlopen(f"{base}/login", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ctx = browser.new_context(viewport={"width": 1400, "height": 950})
            page = ctx.new_page()
            tok = ctx.request.post(f"{base}/api/v1/auth/token", form={
                "username": "command", "password": "baogong-demo"}).json()["access_token"]
            t0 = time.perf_counter()
            cold = ctx.request.get(f"{base}/api/v1/dashboard",
                                   headers={"Authorization": f"Bearer {tok}"})
            assert cold.ok, cold.text()
            print(f"dashboard data, computed cold: {time.perf_counter() - t0:.3f} s "
                  f"({len(cold.body()) / 1024:.0f} KiB, "
                  f"{len(cold.json()['compounds'])} compounds); later calls are cached until "
                  "the next change")
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "command")
            page.fill("input[name=password]", "baogong-demo")
            page.click("button[type=submit]")
            page.wait_for_selector("body[data-ready='1']", timeout=60_000)
            print(f"{'run':>4} {'first paint s':>14} {'FCP s':>8} {'data ready s':>13} "
                  f"{'paint/target':>13}")
            fps = []
            for i in range(args.runs):
                t0 = time.perf_counter()
                page.goto(f"{base}/dashboard")
                page.wait_for_selector("body[data-ready='1']", timeout=60_000)
                ready = time.perf_counter() - t0
                paints = {e["name"]: e["startTime"] / 1000 for e in page.evaluate(
                    "performance.getEntriesByType('paint').map(e => e.toJSON())")}
                fp = paints.get("first-paint", float("nan"))
                fcp = paints.get("first-contentful-paint", float("nan"))
                fps.append(fp)
                print(f"{i + 1:>4} {fp:>14.3f} {fcp:>8.3f} {ready:>13.3f} {fp / TARGET_S:>13.2f}")
            med = statistics.median(fps)
            print(f"median first paint {med:.3f} s = {med / TARGET_S:.2f} x the {TARGET_S:.0f} s "
                  f"target ({'within' if med < TARGET_S else 'OVER'})")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
