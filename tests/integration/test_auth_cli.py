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


def test_user_password_and_deactivate_revoke_tokens(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`user password` refuses a common password, sets a new one and revokes the user's
    tokens; `user deactivate` refuses sign-in and revokes the tokens; both are audited."""
    from baogong.audit.models import AuditEntry
    from baogong.auth import service
    from baogong.auth.models import AuthToken, TokenKind

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("BAOGONG_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = session_factory(engine)
    with unit_of_work(factory) as s:
        user = service.create_user(s, username="wu", role=Role.COMMAND, password="long-secret")
        service.issue_token(s, user=user, kind=TokenKind.API)
    runner = CliRunner()
    try:
        common = runner.invoke(app, ["--lang", "en", "user", "password", "wu",
                                     "--password-stdin"], input="password123\n")
        assert common.exit_code != 0 and "common" in str(common.exception)
        ok = runner.invoke(app, ["user", "password", "wu", "--password-stdin"],
                           input="another-secret\n")
        assert ok.exit_code == 0, ok.output
        with unit_of_work(factory) as s:
            assert s.scalars(select(AuthToken)).all() == []
            assert authenticate(s, username="wu", password="another-secret") is not None
            service.issue_token(s, user=service.get_user(s, username="wu"), kind=TokenKind.API)
        off = runner.invoke(app, ["user", "deactivate", "wu"])
        assert off.exit_code == 0, off.output
    finally:
        get_settings.cache_clear()
    with session_factory(engine)() as s:
        assert s.scalars(select(AuthToken)).all() == []
        assert authenticate(s, username="wu", password="another-secret") is None
        assert len(s.scalars(select(AuditEntry).where(AuditEntry.entity == "user")).all()) == 2
    engine.dispose()
