"""Which database a command uses, and what it says when that database is missing or down."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import PgDatabases

pytestmark = pytest.mark.slow  # each test runs the installed command in subprocesses

BAOGONG = shutil.which("baogong", path=str(Path(sys.executable).parent)) or "baogong"
CHECKOUT = Path(__file__).resolve().parents[2]


def _run(url: str | None, *args: str, cwd: Path | None = None,
         extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BAOGONG_DATABASE_URL",
                                                            "BAOGONG_LANG")}
    if url is not None:
        env["BAOGONG_DATABASE_URL"] = url
    env.update(extra or {})
    return subprocess.run([BAOGONG, "--lang", "en", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300, check=False)


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_server_is_one_line_without_the_password() -> None:
    """`db upgrade`, `plan` and `serve` on a server that does not answer exit 1 with one error
    line that names the URL (no password) and what to do, not a traceback."""
    port = _closed_port()
    url = f"postgresql+psycopg://postgres:hunter2@127.0.0.1:{port}/baogong"
    for args in (("db", "upgrade"), ("plan", "--date", "2022-04-09"),
                 ("serve", "--port", str(_closed_port()))):
        proc = _run(url, *args)
        assert proc.returncode == 1, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
        errors = [line for line in _lines(proc.stderr) if line.startswith("Error:")]
        assert len(errors) == 1 and len(_lines(proc.stderr)) <= 2, proc.stderr
        assert f"postgresql+psycopg://postgres@127.0.0.1:{port}/baogong" in errors[0]
        assert "hunter2" not in proc.stderr + proc.stdout
        assert "start its server" in errors[0] and "baogong db upgrade" in errors[0]


def test_missing_server_database_is_one_line(pg_databases: PgDatabases) -> None:
    """A PostgreSQL database that does not exist on a running server is one line too."""
    url = make_url(pg_databases.create()).set(database="baogong_no_such_db")
    proc = _run(url.render_as_string(hide_password=False), "plan", "--date", "2022-04-09")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and len(_lines(proc.stderr)) == 1, proc.stderr
    assert "baogong_no_such_db" in proc.stderr and "does not exist" in proc.stderr
    assert "createdb baogong_no_such_db" in proc.stderr


def test_missing_or_empty_sqlite_is_refused_not_created(tmp_path: Path) -> None:
    """Commands other than `db upgrade`, `sample load` and `demo` refuse a missing or empty
    database (exit 1, one line) and do not create the file."""
    missing = tmp_path / "none.db"
    for args in (("export", "ledger", "-o", str(tmp_path / "x.xlsx")),
                 ("plan", "--date", "2022-04-09"), ("stock", "count", "S1", "P1", "1",
                                                    "--by", "me"), ("db", "current")):
        proc = _run(f"sqlite:///{missing}", *args)
        assert proc.returncode == 1, (args, proc.stderr)
        assert len(_lines(proc.stderr)) == 1 and "baogong db upgrade" in proc.stderr, (
            args, proc.stderr)
        assert not missing.exists() and not (tmp_path / "x.xlsx").exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    proc = _run(f"sqlite:///{empty}", "export", "ledger", "-o", str(tmp_path / "y.xlsx"))
    assert proc.returncode == 1 and "baogong db upgrade" in proc.stderr
    assert not (tmp_path / "y.xlsx").exists()


def test_writing_commands_say_which_database(tmp_path: Path, pg_databases: PgDatabases
                                             ) -> None:
    """`db upgrade`, `sample load` and `export` print the database they use on stderr, one
    line, without the password; the export then reads that database."""
    db = tmp_path / "city.db"
    for url, shown in ((f"sqlite:///{db}", f"sqlite:///{db}"),
                       (make_url(pg_databases.create()).set(password="hunter2")
                        .render_as_string(hide_password=False), None)):
        shown = shown or url.replace(":hunter2@", "@")
        for args in (("db", "upgrade"), ("sample", "load", "--size", "small"),
                     ("export", "ledger", "-o", str(tmp_path / "out.xlsx"))):
            proc = _run(url, *args)
            assert proc.returncode == 0, (args, proc.stderr)
            assert f"Database: {shown}" in _lines(proc.stderr), (args, proc.stderr)
            assert "hunter2" not in proc.stderr + proc.stdout
        assert "站点 17" in proc.stdout.replace("\n", " ")


def test_default_database_does_not_depend_on_the_current_folder(tmp_path: Path) -> None:
    """Without BAOGONG_DATABASE_URL, `export` run from another folder uses the checkout's
    var/baogong.db (an absolute path), and creates no database in that folder."""
    proc = _run(None, "export", "ledger", "-o", str(tmp_path / "out.xlsx"), cwd=tmp_path)
    expected = f"sqlite:///{CHECKOUT / 'var' / 'baogong.db'}"
    assert expected in proc.stderr, proc.stderr
    assert not (tmp_path / "var").exists()
