"""Pagination of list endpoints: ?limit=&offset= in, {items, total, limit, offset} out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Query
from pydantic import BaseModel

T = TypeVar("T")
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total number of matching records."""

    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class PageParams:
    """The requested window."""

    limit: int
    offset: int

    def cut(self, rows: Sequence[T]) -> list[T]:
        """The window of a fully loaded list."""
        return list(rows[self.offset:self.offset + self.limit])


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")] = 0,
) -> PageParams:
    """Read ?limit= and ?offset=."""
    return PageParams(limit, offset)


Paging = Annotated[PageParams, Depends(page_params)]


@dataclass(frozen=True)
class PageLinks:
    """A window of a long table on a page, and how to link to another window with the same
    filters (rendered by templates/_pager.html)."""

    total: int
    limit: int
    offset: int
    base: str
    filters: dict[str, str] = field(default_factory=dict)

    def url(self, offset: int) -> str:
        """The page's address at another offset."""
        return f"{self.base}?{urlencode({**self.filters, 'offset': offset})}"
