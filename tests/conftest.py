"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL (a throwaway database).

BAOGONG_TEST_BACKENDS (default `sqlite,postgresql`) chooses the backends. When no PostgreSQL
server answers its tests are skipped, unless BAOGONG_TEST_REQUIRE_PG=1 (CI): then they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

import baogong.models  # noqa: F401
from baogong import i18n, migrate
from baogong.db import Base, make_engine, session_factory

PG_ADMIN_URL = os.environ.get(
    "BAOGONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ALL_BACKENDS = ("sqlite", "postgresql")
REQUIRE_PG = os.environ.get("BAOGONG_TEST_REQUIRE_PG", "") == "1"


def _chosen_backends() -> list[str]:
    raw = os.environ.get("BAOGONG_TEST_BACKENDS", ",".join(ALL_BACKENDS))
    chosen = [b.strip() for b in raw.split(",") if b.strip()]
    if not chosen or set(chosen) - set(ALL_BACKENDS):
        raise pytest.UsageError(f"BAOGONG_TEST_BACKENDS={raw!r}: name sqlite, postgresql or both")
    return chosen


BACKENDS = _chosen_backends()


def _pg_conninfo(url: str) -> str:
    u = make_url(url)
    return f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"


class PgDatabases:
    """Creates throwaway PostgreSQL databases and drops them at the end of the run."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def create(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        name = f"baogong_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(_pg_conninfo(PG_ADMIN_URL), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with psycopg.connect(_pg_conninfo(PG_ADMIN_URL), autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """The PostgreSQL server's admin URL, asked once per run: its tests skip when it does not
    answer, or fail under BAOGONG_TEST_REQUIRE_PG=1."""
    try:
        with psycopg.connect(_pg_conninfo(PG_ADMIN_URL), connect_timeout=3):
            pass
    except psycopg.OperationalError as e:
        u = make_url(PG_ADMIN_URL)
        why = " ".join(str(e).split("\n")[0].split()) or type(e).__name__
        reason = (f"no PostgreSQL answers at {u.host}:{u.port or 5432} ({why}); start one or "
                  "set BAOGONG_TEST_PG_URL")
        if REQUIRE_PG:
            pytest.fail(f"{reason} (BAOGONG_TEST_REQUIRE_PG=1)", pytrace=False)
        pytest.skip(reason)
    return PG_ADMIN_URL


@pytest.fixture(scope="session")
def pg_databases(pg_admin_url: str) -> Iterator[PgDatabases]:
    """Factory of throwaway PostgreSQL databases for this test run."""
    dbs = PgDatabases()
    yield dbs
    dbs.drop_all()


def backend_url(request: pytest.FixtureRequest, backend: str, sqlite_path: Path) -> str:
    """An empty database of the backend: a file at sqlite_path, or a throwaway PostgreSQL
    database (asked for only then, so SQLite tests never wait on the server)."""
    if backend == "sqlite":
        return f"sqlite:///{sqlite_path}"
    dbs: PgDatabases = request.getfixturevalue("pg_databases")
    return dbs.create()


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a test database of the backend in request.param."""
    return backend_url(request, request.param, tmp_path_factory.mktemp("db") / "test.db")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that uses a database once per chosen backend."""
    if "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database_url", BACKENDS, indirect=True, scope="session")


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated engine for the backend under test."""
    eng = make_engine(database_url)
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


def _wipe(eng: Engine) -> None:
    with eng.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(delete(table))


@pytest.fixture
def factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory on a database that is emptied after the test."""
    yield session_factory(engine)
    _wipe(engine)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose changes the test commits (or not) itself."""
    with factory() as s:
        yield s
        s.rollback()


@pytest.fixture(autouse=True)
def _english_by_default() -> Iterator[None]:
    """Tests read messages in English unless they set another language."""
    i18n.set_lang("en")
    yield
    i18n.set_lang(None)
