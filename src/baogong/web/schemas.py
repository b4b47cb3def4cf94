"""Shared field types of the API's request and response models."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, BeforeValidator, Field

from baogong.types import EARLIEST_DAY, LATEST_DAY, in_day_window


def _aware(value: datetime) -> datetime:
    """Stored times are UTC; SQLite gives them back naive, so say so."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_aware)]
"""A moment, always with its offset (naive values from the database are UTC)."""

_WINDOW = f"between {EARLIEST_DAY} and {LATEST_DAY}"
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}.*)?")


def _day_text(value: Any) -> Any:
    """Only YYYY-MM-DD (or a date): a number would otherwise be read as a Unix time."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return value
    raise ValueError("expected a date as YYYY-MM-DD")


def _moment_text(value: Any) -> Any:
    """Only an ISO 8601 date and time (or a datetime), never a number."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_MOMENT.fullmatch(value)):
        return value
    raise ValueError("expected a date and time as YYYY-MM-DD[THH:MM[:SS][+08:00]]")


def _in_window(value: Any) -> Any:
    if not in_day_window(value):
        raise ValueError(f"expected a date {_WINDOW}")
    return value


Day = Annotated[date, BeforeValidator(_day_text), AfterValidator(_in_window)]
"""A service or plan day: YYYY-MM-DD within the day window (types.EARLIEST_DAY..LATEST_DAY)."""
Moment = Annotated[datetime, BeforeValidator(_moment_text), AfterValidator(_in_window)]
"""A moment given as ISO 8601 text, within the day window (naive: China time)."""
PlanDay = Annotated[Day | None, Query(description="Day of the plan; default the newest")]
"""The `day` query parameter of the plan's reads (plans, routes, alerts, the dashboard)."""
Count = Annotated[int, Field(strict=True)]
"""A whole number that must be sent as a JSON number (true is not 1, "3" is not 3)."""
