"""Times on pages: stored in UTC (naive on SQLite), shown in China time."""

from __future__ import annotations

from datetime import UTC, datetime

from baogong.types import CHINA_TZ


def local_time(value: datetime | None) -> str:
    """A stored time as 'YYYY-MM-DD HH:MM:SS' China time ('' for none)."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
