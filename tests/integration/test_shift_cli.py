"""`baogong shift add|list|cancel` through the command line app."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from baogong import migrate
from baogong.audit.models import AuditEntry
from baogong.cli import app
from baogong.config import get_settings
from baogong.console import console
from baogong.db import make_engine, session_factory, unit_of_work
from baogong.errors import Conflict, DomainError
from baogong.regions.models import HandoffPoint
from baogong.sample.generator import Size, generate
from baogong.sample.load import load
from baogong.workforce.models import Shift, Volunteer


def test_shift_commands_assign_list_refuse_and_cancel(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A shift is assigned at a hand-off point and listed in a table; an overlap and an end
    before the start are refused with the field at fault; a cancel removes it, audited."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("BAOGONG_DATABASE_URL", url)
    monkeypatch.setattr(console, "width", 200)  # one table row a line
    get_settings.cache_clear()
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(session_factory(engine)) as s:
        load(s, generate(3, Size.SMALL))
        vol = s.scalars(select(Volunteer).order_by(Volunteer.code)).first()
        assert vol is not None and vol.team is not None
        point = s.scalars(select(HandoffPoint).order_by(HandoffPoint.code)).first()
        assert point is not None
        volunteer, handoff = vol.code, point.code
    runner = CliRunner()
    add = ["--lang", "en", "shift", "add", "--volunteer", volunteer, "--date", "2022-04-09",
           "--handoff", handoff, "--task", "carry"]
    try:
        ok = runner.invoke(app, [*add, "--from", "08:00", "--to", "10:00"])
        assert ok.exit_code == 0, ok.output
        assert "assigned" in ok.output
        listed = runner.invoke(app, ["--lang", "en", "shift", "list", "--date", "2022-04-09",
                                     "--volunteer", volunteer])
        assert listed.exit_code == 0 and "08:00–10:00" in listed.output
        assert "carry the last 100 m" in listed.output
        zh = runner.invoke(app, ["shift", "list", "--date", "2022-04-09"])
        assert "最后一百米搬运" in zh.output
        overlap = runner.invoke(app, [*add, "--from", "09:00", "--to", "11:00"])
        assert isinstance(overlap.exception, Conflict) and overlap.exception.field == "start"
        backwards = runner.invoke(app, [*add, "--from", "11:00", "--to", "09:00"])
        assert isinstance(backwards.exception, DomainError)
        assert backwards.exception.field == "end"
        bad_time = runner.invoke(app, [*add, "--from", "8 am", "--to", "09:00"])
        assert bad_time.exit_code == 2 and "--from" in bad_time.output
        with session_factory(engine)() as s:
            shift_id = s.scalars(select(Shift.id)).one()
        gone = runner.invoke(app, ["--lang", "en", "shift", "cancel", str(shift_id)])
        assert gone.exit_code == 0, gone.output
        empty = runner.invoke(app, ["--lang", "en", "shift", "list", "--date", "2022-04-09"])
        assert "08:00" not in empty.output
    finally:
        get_settings.cache_clear()
    with session_factory(engine)() as s:
        assert s.scalar(select(Shift)) is None
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "shift")))
        assert actions == {"create", "delete"}
    engine.dispose()
