"""Migrations create exactly the schema the models describe, and can be reverted."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from baogong import migrate
from baogong.db import Base, make_engine
from tests.conftest import BACKENDS, backend_url


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    """After `db upgrade` Alembic finds no difference between the database and the models."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_downgrade_to_base_and_upgrade_again(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The first migration can be reverted to an empty schema and applied again."""
    url = backend_url(request, backend, tmp_path / "rt.db")
    eng = make_engine(url)
    migrate.upgrade(eng)
    assert "stock_movements" in inspect(eng).get_table_names()
    migrate.downgrade(eng, "base")
    assert set(inspect(eng).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(eng)
    assert migrate.current(eng) is not None
    eng.dispose()
