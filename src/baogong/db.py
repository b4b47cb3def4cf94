"""Engine, declarative base and sessions. The one place that knows about database URLs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

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


def default_engine() -> Engine:
    """The engine of BAOGONG_DATABASE_URL (SQLite under var/ when unset)."""
    from baogong.config import get_settings

    settings = get_settings()
    return make_engine(settings.database_url, echo=settings.echo_sql)
