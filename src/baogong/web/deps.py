"""Request dependencies: the session factory and a read session for one request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

LANG_COOKIE = "baogong_lang"


async def get_factory(request: Request) -> sessionmaker[Session]:
    """The application's session factory (async: no thread hop for a plain lookup)."""
    factory: sessionmaker[Session] = request.app.state.factory
    return factory


Factory = Annotated[sessionmaker[Session], Depends(get_factory)]


def get_db(factory: Factory) -> Iterator[Session]:
    """A read session for one request (writes open their own unit of work)."""
    with factory() as session:
        yield session


DbSession = Annotated[Session, Depends(get_db)]
