"""Shared field types of the API's response models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def _aware(value: datetime) -> datetime:
    """Stored times are UTC; SQLite gives them back naive, so say so."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_aware)]
"""A moment, always with its offset (naive values from the database are UTC)."""
