"""`baogong user add` and `baogong user demo` through the command line app."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from baogong import migrate
from baogong.auth.models import Role, User
from baogong.auth.service import authenticate
from baogong.cli import app
from baogong.config import get_settings
from baogong.db import make_engine, session_factory, unit_of_work
from baogong.ledger.models import Enterprise
from baogong.sample.generator import Size, generate
from baogong.sample.load import load


def test_user_add_reads_the_password_from_stdin(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Accounts are added with their bounding record; bad requests are refused with a clear
    message; `user demo` adds one account per role."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("BAOGONG_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    migrate.upgrade(engine)
    with unit_of_work(session_factory(engine)) as s:
        load(s, generate(3, Size.SMALL))
        credit = s.scalars(select(Enterprise.credit_code).order_by(Enterprise.id)).first()
    assert credit
    runner = CliRunner()
    try:
        ok = runner.invoke(app, ["--lang", "en", "user", "add", "chen", "--role", "enterprise",
                                 "--org", credit, "--password-stdin"], input="long-secret\n")
        assert ok.exit_code == 0, ok.output
        missing = runner.invoke(app, ["--lang", "en", "user", "add", "li", "--role",
                                      "community", "--password-stdin"], input="long-secret\n")
        assert missing.exit_code != 0 and "--community" in str(missing.exception)
        no_stdin = runner.invoke(app, ["user", "add", "he", "--role", "command"])
        assert no_stdin.exit_code != 0
        demo = runner.invoke(app, ["user", "demo"])
        assert demo.exit_code == 0 and "baogong-demo" in demo.output
    finally:
        get_settings.cache_clear()
    with session_factory(engine)() as s:
        chen = s.scalar(select(User).where(User.username == "chen"))
        assert chen is not None and chen.role is Role.ENTERPRISE and chen.enterprise_id
        assert authenticate(s, username="chen", password="long-secret") is chen
        assert set(s.scalars(select(User.role))) == set(Role)
    engine.dispose()
