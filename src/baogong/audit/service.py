"""Record and read the audit trail. Functions never commit: the change and its entry commit
together or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from baogong.audit.models import AuditEntry, Source
from baogong.types import utcnow


@dataclass(frozen=True)
class Actor:
    """Who is making changes and through what: passed down from the command, page or API."""

    name: str
    source: Source
    ref: str = ""

    def at_row(self, ref: str) -> Actor:
        """The same actor, pointing at a more precise place (a file's sheet and row)."""
        return Actor(self.name, self.source, ref)


SYSTEM = Actor("system", Source.SYSTEM)


def plain(value: Any) -> Any:
    """A JSON-safe copy of a value (decimals, dates and enums as text)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 3000.000 and 3000 are the same value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of a record, JSON-safe."""
    return {f: plain(getattr(obj, f)) for f in fields}


def record(session: Session, *, actor: Actor, action: str, entity: str, key: str,
           before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> AuditEntry | None:
    """Add an audit entry; an update that changes nothing is not recorded (returns None)."""
    if action == "update" and before == after:
        return None
    entry = AuditEntry(actor=actor.name, source=actor.source, source_ref=actor.ref,
                       action=action, entity=entity, entity_key=key,
                       before=plain(before) if before is not None else None,
                       after=plain(after) if after is not None else None)
    session.add(entry)
    return entry


_INSERT = insert(AuditEntry.__table__)  # type: ignore[arg-type]


def record_now(session: Session, *, actor: Actor, action: str, entity: str, key: str,
               after: dict[str, Any] | None = None) -> None:
    """Write one entry at once with a single INSERT, in the session's transaction: for hot
    paths (order intake) where an ORM flush per request costs more than the change itself."""
    session.connection().execute(_INSERT, {
        "at": utcnow(), "actor": actor.name, "source": actor.source, "source_ref": actor.ref,
        "action": action, "entity": entity, "entity_key": key, "before": None,
        "after": plain(after) if after is not None else None})


def history(session: Session, *, entity: str | None = None, key: str | None = None,
            limit: int = 200) -> list[AuditEntry]:
    """Audit entries, newest first, for one entity kind and/or record."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if key:
        stmt = stmt.where(AuditEntry.entity_key == key)
    return list(session.scalars(stmt))
