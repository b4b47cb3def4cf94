"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL (a throwaway database)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

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
BACKENDS = ["sqlite", "postgresql"]


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
def pg_databases() -> Iterator[PgDatabases]:
    """Factory of throwaway PostgreSQL databases for this test run."""
    dbs = PgDatabases()
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                 pg_databases: PgDatabases) -> str:
    """URL of a migrated test database of the backend in request.param."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    return pg_databases.create()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that uses a database once per backend."""
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
