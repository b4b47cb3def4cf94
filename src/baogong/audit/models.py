"""Audit entries, written in the same transaction as the change they record."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from baogong.db import Base
from baogong.types import enum_col, utcnow


class Source(StrEnum):
    """Where a change came from."""

    CLI = "cli"
    PAGE = "page"
    API = "api"
    FILE = "file"
    SYSTEM = "system"
    DEMO = "demo"


class AuditEntry(Base):
    """One change of one record."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_key", "entity", "entity_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    source: Mapped[Source] = mapped_column(enum_col(Source))
    source_ref: Mapped[str] = mapped_column(String(300), default="")
    """File name and row, page path or API route."""
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(60))
    entity_key: Mapped[str] = mapped_column(String(120))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
