"""Engine, declarative base and sessions. The one place that knows about database URLs."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from baogong import migrate
from baogong.errors import DomainError
from baogong.i18n import N_, gettext

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every ORM model; constraint names are stable for Alembic."""

    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    """Take SQLite's write lock when a transaction starts.

    A transaction that first reads and then writes would otherwise fail at once with
    "database is locked" when another writer committed in between; taking the lock up front
    makes concurrent writers wait their turn (busy_timeout) instead.
    """
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, echo: bool = False) -> Engine:
    """Create an engine; for SQLite, create the file's folder and turn on foreign keys."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=False, pool_size=20, max_overflow=20, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to the engine; sessions do not expire objects on commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Own one transaction: commit if the block succeeds, roll back everything if it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def single_write(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for work whose only write is one atomic statement (order intake).

    On PostgreSQL it runs in autocommit mode: the reads before the write need no transaction
    and the write commits by itself, which saves the BEGIN and COMMIT round trips. Elsewhere it
    is a unit of work.
    """
    engine = factory.kw["bind"]
    if engine.dialect.name != "postgresql":
        with unit_of_work(factory) as session:
            yield session
        return
    with engine.connect() as conn:
        auto = conn.execution_options(isolation_level="AUTOCOMMIT")
        with Session(bind=auto, expire_on_commit=False) as session:
            yield session


def public_url(url: str | URL) -> str:
    """A database URL fit to print: without its password."""
    u = make_url(url)
    bare = URL.create(u.drivername, u.username, None, u.host, u.port, u.database, u.query)
    return bare.render_as_string(hide_password=False)


class NoDatabase(DomainError):
    """The configured database does not exist or was never set up (no schema)."""

    code = "no_database"


NO_DATABASE = N_("No baogong database at {url}: set it up with `baogong db upgrade` (or "
                 "`make run` in a checkout), or point BAOGONG_DATABASE_URL at yours")


@cache
def _shared_engine(url: str, echo: bool) -> Engine:
    return make_engine(url, echo=echo)


@cache
def _checked(url: str, echo: bool) -> None:
    """Refuse a database that was never set up, without creating one: a missing SQLite file
    is not opened (that would create it), a server database must hold the schema."""
    parsed = make_url(url)
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if file and file != ":memory:" and not Path(file).is_file():
        raise NoDatabase(NO_DATABASE, url=public_url(url))
    if migrate.current(_shared_engine(url, echo)) is None:
        raise NoDatabase(NO_DATABASE, url=public_url(url))


@cache
def _announce(url: str) -> None:
    print(gettext("Database: {url}").format(url=public_url(url)), file=sys.stderr, flush=True)


def default_engine(*, create: bool = False) -> Engine:
    """The engine of BAOGONG_DATABASE_URL (SQLite in the data directory when unset), one per
    process; says on stderr which database it is.

    Unless ``create`` (`db upgrade`, `sample load`, `demo`), a database that does not exist or
    holds no schema is refused with NoDatabase instead of being created empty.
    """
    from baogong.config import get_settings

    settings = get_settings()
    url = settings.database_url
    if not create:
        _checked(url, settings.echo_sql)
    _announce(url)
    return _shared_engine(url, settings.echo_sql)
