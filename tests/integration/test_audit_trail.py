"""Every write of the day is in the audit trail, whichever surface made it, and reads the same
(China time, translated labels, units) on the command line and the page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from baogong.audit.models import AuditEntry, Source
from baogong.cli import app
from baogong.config import get_settings
from baogong.console import console
from baogong.db import unit_of_work
from baogong.delivery.models import RouteStop
from baogong.demo import flow
from baogong.planning import flows
from baogong.regions import service as regions
from baogong.regions.models import ZoneStatus
from baogong.sample.generator import Size, generate
from baogong.sample.load import load

DAY = date(2022, 4, 9)


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The command line app on the test database, one table row a line."""
    monkeypatch.setenv("BAOGONG_DATABASE_URL", database_url)
    monkeypatch.delenv("BAOGONG_LANG", raising=False)
    monkeypatch.setattr(console, "width", 400)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _entries(factory: sessionmaker[Session], entity: str) -> list[AuditEntry]:
    with factory() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.entity == entity)
                              .order_by(AuditEntry.id)))


def test_cli_plan_dispatch_and_pod_are_audited(factory: sessionmaker[Session],
                                               cli: CliRunner) -> None:
    """`plan`, `dispatch` and `pod` each leave an entry naming who, from the command line,
    with the values before and after; a second plan of the day shows the first as before; the
    zone declared through the service is audited too."""
    with unit_of_work(factory) as s:
        load(s, generate(5, Size.SMALL))
        regions.declare_zone(s, region_code="440111016", status=ZoneStatus.SEALED,
                             valid_from=flows.day_start(DAY), declared_by="指挥部")
    result = cli.invoke(app, ["plan", "--date", str(DAY), "--by", "王主任"])
    assert result.exit_code == 0, result.output
    assert [e.actor for e in _entries(factory, "plan")] == ["王主任"]
    result = cli.invoke(app, ["dispatch", "--date", str(DAY), "--by", "调度员"])
    assert result.exit_code == 0, result.output
    with factory() as s:
        stop = s.scalars(select(RouteStop.id).order_by(RouteStop.id)).first()
    result = cli.invoke(app, ["pod", str(stop), "--by", "张师傅", "--received-by", "李"])
    assert result.exit_code == 0, result.output
    assert cli.invoke(app, ["plan", "--date", str(DAY), "--by", "王主任"]).exit_code == 0

    first, second = _entries(factory, "plan")
    assert (first.actor, first.source, first.entity_key) == ("王主任", Source.CLI, str(DAY))
    assert first.before is None and first.after and first.after["packs_allocated"] > 0
    assert second.before and second.before["plan"] == first.after["plan"]
    routes, = _entries(factory, "routes")
    assert (routes.actor, routes.source) == ("调度员", Source.CLI)
    assert routes.after and routes.after["stops_routed"] > 0
    confirm, = _entries(factory, "route_stop")
    assert (confirm.actor, confirm.source, confirm.entity_key) == ("张师傅", Source.CLI, str(stop))
    assert confirm.before and confirm.before["status"] == "planned"
    assert confirm.after and confirm.after["status"] == "delivered"
    zone, = _entries(factory, "zone")
    assert (zone.actor, zone.after and zone.after["status"]) == ("指挥部", "sealed")


def test_the_demo_audits_its_sealing_plan_and_routes(engine: Engine,
                                                     factory: sessionmaker[Session]) -> None:
    """The demo's loading of the sample city, its sealing of three subdistricts, its plan and
    its routes are attributed to the demo."""
    flow.run(engine, seed=2022, size=Size.SMALL, day=DAY)
    zones = _entries(factory, "zone")
    assert len(zones) == 3
    assert {(z.actor, z.source) for z in zones} == {("demo", Source.DEMO)}
    assert {z.after["status"] for z in zones if z.after} == {"sealed"}
    for entity in ("sample", "plan", "routes"):
        entry, = _entries(factory, entity)
        assert (entry.actor, entry.source) == ("demo", Source.DEMO)


def test_audit_reads_the_same_in_china_time_on_the_cli_and_the_page(
        factory: sessionmaker[Session], cli: CliRunner, engine: Engine) -> None:
    """An entry written at 06:05 UTC reads 14:05 (UTC+8) on the command line and on the page,
    with translated labels and units, and no raw dict."""
    from fastapi.testclient import TestClient

    from baogong.app import create_app
    from baogong.auth.models import Role
    from baogong.auth.service import create_user

    with unit_of_work(factory) as s:
        s.add(AuditEntry(at=datetime(2026, 12, 6, 6, 5, 9, tzinfo=UTC), actor="王主任",
                         source=Source.CLI, source_ref="plan", action="create", entity="plan",
                         entity_key="2026-12-06", before=None,
                         after={"plan": 7, "served_kg": 12345.6, "min_fill_rate": 0.5,
                                "tiers_kg": {"local": 1000.0, "nearby": 200.5,
                                             "citywide": 0.0}}))
        create_user(s, username="boss", role=Role.COMMAND, password="long-secret-1")
    out = cli.invoke(app, ["audit", "--entity", "plan"]).output
    assert "2026-12-06 14:05:09（北京时间）" in out
    assert "就地保障 1,000 公斤 / 临近调配 200.5 公斤 / 全市集并 0 公斤" in out
    assert "12,345.6 公斤" in out
    assert "tiers_kg" not in out and "{" not in out and "06:05" not in out
    with TestClient(create_app(engine, watch_s=3600), headers={"Accept": "text/html"}
                    ) as client:
        r = client.post("/login", data={"username": "boss", "password": "long-secret-1"},
                        follow_redirects=False)
        assert r.status_code == 303, r.text
        page = client.get("/audit", params={"entity": "plan", "lang": "zh-CN"}).text
    row = page.split('class="entry"')[1]
    assert "2026-12-06 14:05:09（北京时间）" in row
    assert "就地保障 1,000 公斤 / 临近调配 200.5 公斤 / 全市集并 0 公斤" in row
    assert "tiers_kg" not in row and "{" not in row
    assert re.search(r"最低满足率: 50\.0%", row)


def test_cli_phone_order_and_move_are_audited(factory: sessionmaker[Session],
                                              cli: CliRunner) -> None:
    """An order taken by phone and then moved from the command line each leave an entry naming
    who, from where, and the status before and after."""
    with unit_of_work(factory) as s:
        load(s, generate(9, Size.SMALL))
    taken = cli.invoke(app, ["order", "phone", "--compound", "440111016001-01", "--building",
                             "3", "--room", "502", "--phone", "13800001234", "--by", "客服",
                             "--pack", "veg-10"])
    assert taken.exit_code == 0, taken.output
    created, = _entries(factory, "order")
    assert (created.actor, created.source, created.action) == ("客服", Source.CLI, "create")
    order_id = created.entity_key
    result = cli.invoke(app, ["order", "move", order_id, "accepted", "--by", "客服"])
    assert result.exit_code == 0, result.output
    moved = _entries(factory, "order")[-1]
    assert (moved.actor, moved.source, moved.entity_key) == ("客服", Source.CLI, order_id)
    assert moved.before == {"status": "submitted"}
    assert moved.after and moved.after["status"] == "accepted"


def test_cli_bulk_accept_and_shortage_report_are_audited(factory: sessionmaker[Session],
                                                         cli: CliRunner) -> None:
    """Accepting the day's submitted orders at once leaves one entry naming who, from where and
    how many; a shortage report from the command line leaves one naming the outlet."""
    with unit_of_work(factory) as s:
        load(s, generate(9, Size.SMALL))
    for room in ("501", "502"):
        taken = cli.invoke(app, ["order", "phone", "--compound", "440111016001-01",
                                 "--building", "3", "--room", room, "--phone", "13800001234",
                                 "--by", "客服", "--pack", "veg-10"])
        assert taken.exit_code == 0, taken.output
    result = cli.invoke(app, ["order", "accept", "--by", "值班员"])
    assert result.exit_code == 0, result.output
    accepted = _entries(factory, "order")[-1]
    assert (accepted.actor, accepted.source, accepted.action) == ("值班员", Source.CLI,
                                                                  "transition")
    assert accepted.after == {"status": "accepted", "orders": 2}
    result = cli.invoke(app, ["shortage", "--region", "440111016001", "--outlet", "永辉便利店",
                              "--product", "rice-2.5kg", "--quantity", "30", "--by", "网格员"])
    assert result.exit_code == 0, result.output
    report, = _entries(factory, "shortage")
    assert (report.actor, report.source) == ("网格员", Source.CLI)
    assert report.after and report.after["outlet"] == "永辉便利店"


def test_cli_sample_load_is_audited(factory: sessionmaker[Session], cli: CliRunner) -> None:
    """Loading the sample city from the command line leaves one entry with what it wrote, and
    making the demo accounts one entry per account."""
    result = cli.invoke(app, ["sample", "load", "--seed", "9", "--size", "small"])
    assert result.exit_code == 0, result.output
    loaded, = _entries(factory, "sample")
    assert (loaded.actor, loaded.source, loaded.entity_key) == ("cli", Source.CLI, "small/9")
    assert loaded.after and loaded.after["compounds"] > 0
    result = cli.invoke(app, ["user", "demo"])
    assert result.exit_code == 0, result.output
    made = _entries(factory, "user")
    assert {e.entity_key for e in made} >= {"command", "inspector", "enterprise"}
    assert {(e.actor, e.source, e.action) for e in made} == {("cli", Source.CLI, "create")}
