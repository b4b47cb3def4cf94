"""The day runner: the demo, the plan page's job and the `plan` and `dispatch` commands all
run the day through `operations.day.run_day`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from baogong.app import create_app
from baogong.auth.demo import DEMO_PASSWORD, create_demo_users
from baogong.cli import app
from baogong.config import get_settings
from baogong.db import make_engine, session_factory, unit_of_work
from baogong.demo import flow
from baogong.operations import day as day_runner
from baogong.operations.day import DayRun, Step
from baogong.sample.generator import Size

DAY = date(2022, 4, 9)


@pytest.fixture
def day_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A SQLite file that the commands use too (BAOGONG_DATABASE_URL), settings read anew."""
    url = f"sqlite:///{tmp_path / 'day.db'}"
    monkeypatch.setenv("BAOGONG_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_every_entry_point_runs_the_day_through_the_runner(
        day_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With run_day wrapped to record its calls, the demo runs all steps, `plan` only the
    plan, `dispatch` routes the stored plan, and the plan page's job plans and routes: each
    call goes through the runner and its figures are what the entry point reports."""
    calls: list[tuple[dict[str, Any], DayRun]] = []
    real = day_runner.run_day

    def recording(factory: sessionmaker[Session], **kw: Any) -> DayRun:
        ran = real(factory, **kw)
        calls.append((kw, ran))
        return ran

    monkeypatch.setattr(day_runner, "run_day", recording)
    engine = make_engine(day_db)

    demo = flow.run(engine, seed=5, size=Size.SMALL, day=DAY, fresh=True)
    (kw, ran), = calls
    assert (kw["by"], kw.get("until", Step.LAST_MILE)) == ("demo", Step.LAST_MILE)
    assert demo.plan_id == ran.plan_id and demo.routing["stops_routed"] > 0
    assert demo.lastmile["handoff_points"] == ran.lastmile["handoff_points"] > 0

    runner = CliRunner()
    planned = runner.invoke(app, ["plan", "--date", DAY.isoformat(), "--json", "--by", "cli-t"])
    assert planned.exit_code == 0, planned.output
    kw, ran = calls[-1]
    assert (len(calls), kw["by"], kw["until"]) == (2, "cli-t", Step.PLAN)
    assert json.loads(planned.stdout)["plan_id"] == ran.plan_id > demo.plan_id
    assert ran.run_id is None and not ran.routing

    routed = runner.invoke(app, ["dispatch", "--date", DAY.isoformat(), "--json"])
    assert routed.exit_code == 0, routed.output
    kw, ran = calls[-1]
    assert (len(calls), kw["plan_id"], kw["until"]) == (3, ran.plan_id, Step.ROUTE)
    assert json.loads(routed.stdout)["run_id"] == ran.run_id
    assert ran.plan_id == json.loads(planned.stdout)["plan_id"] and not ran.allocation

    with unit_of_work(session_factory(engine)) as s:
        create_demo_users(s)
    client = TestClient(create_app(engine, login_limit=1000))
    r = client.post("/api/v1/auth/token", data={"username": "command",
                                                "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    job = client.post("/api/v1/plans", headers=headers, json={"day": DAY.isoformat()}).json()
    for _ in range(600):
        job = client.get(f"/api/v1/jobs/{job['id']}", headers=headers).json()
        if job["state"] != "running":
            break
        time.sleep(0.1)
    assert job["state"] == "done", job
    kw, ran = calls[-1]
    assert (len(calls), kw["by"], kw["until"]) == (4, "command", Step.ROUTE)
    assert (job["result"]["plan_id"], job["result"]["run_id"]) == (ran.plan_id, ran.run_id)
