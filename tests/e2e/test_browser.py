"""Each role in headless chromium: signs in and does its main task; the dashboard draws the
sample district with its map and charts and updates live; every request stays on our server.

Runs the installed `baogong` (demo on the small city, then `serve --demo-users`) and Debian's
chromium through Playwright. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from urllib.request import urlopen

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, Request, expect, sync_playwright
from sqlalchemy import func, select

from baogong import i18n
from baogong.db import make_engine
from baogong.planning.models import Plan
from tests.data.plans import stored_day

CHROMIUM = os.environ.get("BAOGONG_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BAOGONG = shutil.which("baogong", path=str(Path(sys.executable).parent)) or "baogong"
PASSWORD = "baogong-demo"

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no chromium installed")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def web_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of the served database (an SQLite file)."""
    return f"sqlite:///{tmp_path_factory.mktemp('web') / 'web.db'}"


@pytest.fixture(scope="module")
def server(web_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`baogong serve` on the small sample city after the lockdown-day demo; its output goes
    to a log file (a pipe nobody reads would fill up and stall it)."""
    env = {**os.environ, "BAOGONG_DATABASE_URL": web_db}
    env.pop("BAOGONG_LANG", None)
    subprocess.run([BAOGONG, "demo", "--fresh", "--size", "small", "--date", "2022-04-09",
                    "--json"], env=env, check=True, capture_output=True, timeout=300)
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([BAOGONG, "serve", "--demo-users", "--port", str(port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            with urlopen(f"{base}/login", timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        proc.wait(10)
        pytest.fail(f"server did not start: {log.read_text()}")
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless chromium (never a downloaded browser)."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Visit:
    """A signed-in page that records every request it makes and refuses foreign ones."""

    def __init__(self, browser: Browser, base: str, role: str, mobile: bool = False) -> None:
        size = {"width": 412, "height": 900} if mobile else {"width": 1400, "height": 950}
        self.context = browser.new_context(viewport=size, locale="zh-CN")
        self.base = base
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", self._record)
        self.context.route(re.compile(r"^(?!http://127\.0\.0\.1:\d+/).*"),
                           lambda route: route.abort())
        self.page: Page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(f"{base}/login")
        self.page.fill("input[name=username]", role)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle" if not mobile else "load")

    def _record(self, request: Request) -> None:
        self.requests.append(request.url)

    def shot(self, name: str) -> None:
        """Save a full-page screenshot under test-artifacts/."""
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        """Check that nothing left the server and no script failed, then close."""
        foreign = [u for u in self.requests
                   if not u.startswith(self.base + "/") and not u.startswith(("data:", "blob:"))]
        self.context.close()
        assert foreign == []
        assert self.errors == []
        assert self.requests


def test_command_dashboard_draws_the_district_and_updates_live(server: str,
                                                               browser: Browser) -> None:
    """The dashboard shows KPI tiles, the map with compounds, sites and routes, both charts and
    the alerts; a stock receipt elsewhere refreshes it through server-sent events."""
    v = Visit(browser, server, "command")
    page = v.page
    assert page.url.endswith("/dashboard")
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    expect(page.locator("[data-kpi=sealed_households] .v")).not_to_have_text("…")
    assert page.locator("#map canvas").count() >= 1  # outline and markers, drawn on canvas
    assert any(u.endswith("/static/geo/440111.geojson") for u in v.requests)
    assert page.locator("#chart-cover canvas").count() == 1
    assert page.locator("#chart-tiers canvas").count() == 1
    assert page.locator("#alerts li").count() >= 1
    expect(page.locator("#live")).to_have_class(re.compile("on"), timeout=10_000)
    v.shot("dashboard-command")
    version = page.locator("body").get_attribute("data-version") or ""
    api = page.request
    tok = api.post(f"{server}/api/v1/auth/token",
                   form={"username": "enterprise", "password": PASSWORD}).json()["access_token"]
    sites = api.get(f"{server}/api/v1/sites",
                    headers={"Authorization": f"Bearer {tok}"}).json()["items"]
    r = api.post(f"{server}/api/v1/sites/{sites[0]['code']}/stock",
                 headers={"Authorization": f"Bearer {tok}"},
                 data={"product": "rice-2.5kg", "kind": "receipt", "quantity": "100"})
    assert r.status == 201, r.text()
    expect(page.locator("body")).not_to_have_attribute("data-version", version,
                                                       timeout=15_000)
    v.close()


def test_command_runs_the_plan_page(server: str, web_db: str, browser: Browser) -> None:
    """The plan page runs plan and routes, shows progress, then the new plan's figures as
    stored (packs allocated and not covered, none for vulnerable households; vehicles, trips,
    stops and km of its routes), and the map."""
    v = Visit(browser, server, "command")
    v.page.goto(f"{server}/plan")
    v.page.fill("#plan-day", "2022-04-09")
    v.page.click("#plan-run")
    v.page.wait_for_selector("body[data-plan-done='1']", timeout=120_000)
    shown = {row.locator("th").inner_text(): row.locator("td").inner_text()
             for row in v.page.locator("#job-result tr").all()}
    eng = make_engine(web_db)
    with eng.connect() as c:
        plan_id, summary = c.execute(select(Plan.id, Plan.summary)
                                     .order_by(Plan.id.desc()).limit(1)).one()
        plans = c.scalar(select(func.count()).select_from(Plan))
    eng.dispose()
    assert plans == 2  # the demo's and the page's
    stored = stored_day(web_db, plan_id)
    zh = i18n.translations("zh_CN").gettext  # the page's labels, in the default language
    expected = {zh("Plan"): plan_id, zh("Packs allocated"): summary["packs_allocated"],
                zh("Packs not covered"): summary["unmet_packs"],
                zh("Packs for vulnerable households not covered"): 0,
                zh("Vehicles used"): stored["vehicles"], zh("Trips"): stored["trips"],
                zh("Stops routed"): stored["stops"], zh("Route km"): round(stored["km"], 1),
                zh("Kg not routed"): stored["unrouted_kg"]}
    assert {k: float(shown.get(k, "nan")) for k in expected} == pytest.approx(expected)
    assert summary["packs_allocated"] > 0 and stored["stops"] > 0 and stored["vehicles"] > 0
    v.page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    v.shot("plan-command")
    v.close()


def test_driver_confirms_a_stop(server: str, browser: Browser) -> None:
    """The driver sees its run sheet and confirms the first stop as delivered."""
    v = Visit(browser, server, "driver", mobile=True)
    page = v.page
    stop = page.locator(".stop[data-status=planned]").first
    stop_id = stop.get_attribute("id")
    stop.locator("input[name=received_by]").fill("张三")
    stop.locator("button[value=delivered]").click()
    expect(page.locator(f"#{stop_id}")).to_have_attribute("data-status", "delivered")
    v.shot("driver-runsheet")
    v.close()


def test_community_confirms_receipt(server: str, browser: Browser) -> None:
    """The community worker sees its compounds and demand and confirms a delivery received."""
    v = Visit(browser, server, "community", mobile=True)
    page = v.page
    assert page.locator("#compounds tr").count() >= 2
    stop = page.locator(".stop[data-status=planned]").last
    stop_id = stop.get_attribute("id")
    stop.locator("input[name=received_by]").fill("李四")
    stop.locator("button[value=delivered]").click()
    expect(page.locator(f"#{stop_id}")).to_have_attribute("data-status", "delivered")
    v.shot("community-receipt")
    v.close()


def test_enterprise_books_stock_and_sees_pick_lists(server: str, browser: Browser) -> None:
    """The enterprise sees its sites' stock (plain numbers, never 3.9E+2) and pick lists and
    books a receipt."""
    v = Visit(browser, server, "enterprise", mobile=True)
    page = v.page
    assert page.locator("#picks tr").count() >= 2
    site = page.locator("section.site").first
    row = site.locator("tr[data-product='rice-2.5kg'] .qty")
    before = float(row.inner_text().replace(",", "")) if row.count() else 0.0
    site.locator("select[name=product]").select_option("rice-2.5kg")
    site.locator("select[name=kind]").select_option("receipt")
    site.locator("input[name=quantity]").fill("7")
    site.locator("input[name=reason]").fill("到货")
    site.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    expect(page.locator(".notice")).to_be_visible()
    shown = [q.inner_text() for q in page.locator("section.site .qty").all()]
    assert shown and all(re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d+)?", q) for q in shown), shown
    after = float(page.locator("section.site").first
                  .locator("tr[data-product='rice-2.5kg'] .qty").inner_text().replace(",", ""))
    assert after == before + 7
    v.shot("enterprise-stock")
    v.close()


def test_volunteer_starts_duty(server: str, browser: Browser) -> None:
    """The volunteer sees their team and goes on duty."""
    v = Visit(browser, server, "volunteer", mobile=True)
    page = v.page
    assert page.locator("#team tr").count() >= 2
    page.locator("button[value=on_duty]").click()
    page.wait_for_load_state("load")
    expect(page.locator("#my-duty")).to_have_class(re.compile("on_duty"))
    v.shot("volunteer-duty")
    v.close()


def test_volunteer_sees_a_new_shift_without_reloading(server: str, browser: Browser) -> None:
    """A shift the command centre assigns appears on the volunteer's open page (live)."""
    vol = Visit(browser, server, "volunteer", mobile=True)
    mine = vol.page.request.get(f"{server}/api/v1/shifts").json()["items"]
    assert mine
    rows = vol.page.locator("#my-shifts tr.shift")
    before = rows.count()
    day = max(date.today(), *(date.fromisoformat(s["day"]) for s in mine)) + timedelta(days=3)
    cmd = Visit(browser, server, "command")
    csrf = cmd.page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    r = cmd.page.request.post(f"{server}/api/v1/shifts", headers={"X-CSRF-Token": csrf},
                              data={"volunteer": mine[0]["volunteer"], "day": day.isoformat(),
                                    "start": "19:00", "end": "20:00", "task": "carry",
                                    "compound": mine[0]["compound"]})
    assert r.status == 201, r.text()
    expect(rows).to_have_count(before + 1, timeout=10_000)
    vol.shot("volunteer-new-shift")
    cmd.close()
    vol.close()


def test_inspector_reads_the_dashboard_in_english(server: str, browser: Browser) -> None:
    """The inspector switches to English and sees the dashboard's tiles in English."""
    v = Visit(browser, server, "inspector")
    v.page.click("#lang-switch")
    v.page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    expect(v.page.locator("[data-kpi=sealed_households] .l")).to_have_text("Sealed households")
    v.shot("dashboard-inspector-en")
    v.close()


def test_command_uploads_a_broken_ledger(server: str, browser: Browser, tmp_path: Path) -> None:
    """The upload page posts through htmx and lists every problem without writing a row."""
    from tests.data import workbooks

    v = Visit(browser, server, "command")
    page = v.page
    page.click("#nav-import")
    page.wait_for_load_state("load")
    page.set_input_files("#import-file", str(workbooks.broken(tmp_path / "broken.xlsx")))
    page.click("#import-submit")
    expect(page.locator("#import-problems")).to_be_visible(timeout=30_000)
    expect(page.locator("#import-outcome")).to_have_attribute("data-written", "no")
    assert page.url.endswith("/ledgers/import")
    assert page.locator("#import-problems tr.problem").count() >= 5
    v.shot("command-ledger-import")
    v.close()


def test_command_confirms_a_large_ledger_change(server: str, browser: Browser,
                                                tmp_path: Path) -> None:
    """An upload changing every compound stops at a confirmation step; its button imports the
    file still chosen in the form (runs last: it changes the ledger)."""
    from openpyxl import load_workbook

    v = Visit(browser, server, "command")
    page = v.page
    export = page.request.get(f"{server}/ledgers/export.xlsx")
    assert export.ok
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(export.body())
    wb = load_workbook(path)
    ws = wb["小区"]
    col = [c.value for c in ws[1]].index("户数") + 1
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col).value += 1
    wb.save(path)
    page.goto(f"{server}/ledgers/import")
    page.set_input_files("#import-file", str(path))
    page.click("#import-submit")
    expect(page.locator("#import-confirm")).to_be_visible(timeout=60_000)
    expect(page.locator("#import-outcome")).to_have_attribute("data-written", "no")
    page.click("#import-confirm")
    expect(page.locator("#import-outcome")).to_have_attribute("data-written", "yes",
                                                              timeout=60_000)
    expect(page.locator("#import-confirm")).to_have_count(0)
    v.shot("command-ledger-import-confirmed")
    v.close()
