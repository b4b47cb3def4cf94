"""`baogong demo` and friends, run as a user runs them: the installed command in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from baogong.migrate import alembic_config
from tests.conftest import BACKENDS, backend_url
from tests.data.plans import stored_day

pytestmark = pytest.mark.slow  # each test runs the installed command, most the whole demo

BAOGONG = shutil.which("baogong", path=str(Path(sys.executable).parent)) or "baogong"
KEYS = {"households", "sealed_households", "vulnerable_households", "packs_demanded",
        "stock_kg", "elapsed_s"}


def _run(url: str, *args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BAOGONG_DATABASE_URL": url}
    env.pop("BAOGONG_LANG", None)
    if lang:
        env["BAOGONG_LANG"] = lang
    return subprocess.run([BAOGONG, *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False)


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each backend."""
    return backend_url(request, request.param, tmp_path / "demo.db")


def test_demo_json_reports_the_lockdown_day(url: str) -> None:
    """On an empty database the demo prints one JSON object with the promised figures: demand,
    the allocation (packs allocated, no priority pack unmet, kg by tier adding up to the kg
    served) and the routes (vehicles, stops, trips, km) exactly as it stored them, the
    routed and unrouted kg adding up to the kg served."""
    proc = _run(url, "demo", "--size", "small", "--json", "--date", "2022-04-09")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) >= KEYS
    assert 0 < out["sealed_households"] < out["households"]
    assert out["packs_demanded"] >= out["sealed_households"]
    assert 0 < out["vulnerable_households"] < out["sealed_households"]
    assert out["stock_kg"] > 0
    assert out["date"] == "2022-04-09"
    # the allocation
    assert 0 < out["packs_allocated"] <= out["packs_demanded"]
    assert out["packs_allocated"] + out["unmet_packs"] == out["packs_demanded"]
    assert out["priority_unmet_packs"] == 0 and out["priority_unmet_kg"] == 0
    assert out["served_kg"] > 0 and 0 < out["min_fill_rate"] <= 1
    assert sum(out["tiers_kg"].values()) == pytest.approx(out["served_kg"], abs=0.5)
    stored = stored_day(url, out["plan_id"])
    assert stored["flow_kg"] == pytest.approx(out["served_kg"], abs=0.5)
    assert stored["priority_units"] > 0
    # the routes
    assert out["vehicles_used"] > 0 and out["stops_routed"] > 0 and out["route_km"] > 0
    assert out["trips"] >= out["vehicles_used"] and out["sites_routed"] > 0
    assert stored["vehicles"] == out["vehicles_used"]
    assert stored["stops"] == out["stops_routed"] and stored["trips"] == out["trips"]
    assert stored["km"] == pytest.approx(out["route_km"], abs=0.05)
    assert 0 < stored["sites"] <= out["sites_routed"]
    assert stored["unrouted"] == out["stops_unrouted"]
    assert stored["unrouted_kg"] == pytest.approx(out["unrouted_kg"], abs=0.05)
    assert stored["stop_kg"] + stored["unrouted_kg"] == pytest.approx(out["served_kg"], abs=0.5)
    assert out["handoff_points"] > 0 and out["volunteer_hours_needed"] > 0


def test_demo_refuses_a_database_that_is_not_empty(url: str) -> None:
    """A second demo without --fresh stops with a clear message; with --fresh it starts over."""
    assert _run(url, "demo", "--size", "small", "--json").returncode == 0
    again = _run(url, "demo", "--size", "small", "--json")
    assert again.returncode == 1
    assert "数据库不为空" in again.stderr and "--fresh" in again.stderr
    fresh = _run(url, "demo", "--size", "small", "--json", "--fresh")
    assert fresh.returncode == 0, fresh.stderr


def test_errors_read_in_english_with_lang_en(tmp_path: Path) -> None:
    """With --lang en the same refusal reads in English."""
    url = f"sqlite:///{tmp_path / 'en.db'}"
    assert _run(url, "sample", "load", "--size", "small").returncode == 0
    proc = _run(url, "--lang", "en", "demo", "--size", "small")
    assert proc.returncode == 1
    assert "The database is not empty" in proc.stderr


def test_summary_table_is_chinese_by_default(tmp_path: Path) -> None:
    """Without a language setting the summary table is in Chinese."""
    proc = _run(f"sqlite:///{tmp_path / 'zh.db'}", "demo", "--size", "small")
    assert proc.returncode == 0, proc.stderr
    assert "封控户数" in proc.stdout and "需求与可用库存对比" in proc.stdout


def test_db_upgrade_reports_the_revision(tmp_path: Path) -> None:
    """`baogong db upgrade` creates the schema and says it is at the newest revision."""
    proc = _run(f"sqlite:///{tmp_path / 'up.db'}", "--lang", "en", "db", "upgrade")
    assert proc.returncode == 0, proc.stderr
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert f"Database is at revision {head}." in proc.stdout
