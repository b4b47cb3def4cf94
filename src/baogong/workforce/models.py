"""Teams, volunteers and their shifts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from baogong.db import Base
from baogong.i18n import N_, gettext
from baogong.regions.models import HandoffPoint, Region
from baogong.types import enum_col, qty, utcnow


class TeamKind(StrEnum):
    """Volunteer service team (志愿服务队) or liaison team posted to communities (联络队)."""

    VOLUNTEER = "volunteer"
    LIAISON = "liaison"


class Availability(StrEnum):
    """Whether a volunteer can be rostered."""

    AVAILABLE = "available"
    ON_DUTY = "on_duty"
    UNAVAILABLE = "unavailable"


class Team(Base):
    """A team, attached to the region it serves."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[TeamKind] = mapped_column(enum_col(TeamKind))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)


class Volunteer(Base):
    """A volunteer with their team, phone and availability (hours a day they can give)."""

    __tablename__ = "volunteers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    availability: Mapped[Availability] = mapped_column(
        enum_col(Availability), default=Availability.AVAILABLE
    )
    hours_per_day: Mapped[Decimal] = mapped_column(qty(), default=Decimal("8"))

    team: Mapped[Team | None] = relationship()


class ShiftTask(StrEnum):
    """What a volunteer does on a shift."""

    CARRY = "carry"
    """Carry packs the last 100 m from the hand-off point."""
    DOOR_TO_DOOR = "door_to_door"
    """Deliver door to door in a sealed compound."""
    HANDOFF = "handoff"
    """Staff the hand-off point (receive, check, sort)."""
    INSPECTION = "inspection"
    """Inspect (patrol, checks of hand-off points and stock)."""


TASK_LABELS: dict[ShiftTask, str] = {
    ShiftTask.CARRY: N_("carry the last 100 m"),
    ShiftTask.DOOR_TO_DOOR: N_("door to door (sealed)"),
    ShiftTask.HANDOFF: N_("staff the hand-off point"),
    ShiftTask.INSPECTION: N_("inspection"),
}


def task_label(task: ShiftTask | str) -> str:
    """The task's name in the current language."""
    return gettext(TASK_LABELS[ShiftTask(task)])


class Shift(Base):
    """A volunteer's shift on a service day, at a compound (and one of its hand-off points).

    Start and end are stored in UTC; the service day is the China date of the start.
    """

    __tablename__ = "shifts"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_shifts_volunteer_day", "volunteer_id", "service_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteers.id"))
    service_day: Mapped[date] = mapped_column(Date, index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    compound_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoff_points.id"), index=True)
    task: Mapped[ShiftTask] = mapped_column(enum_col(ShiftTask))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    volunteer: Mapped[Volunteer] = relationship()
    compound: Mapped[Region] = relationship()
    handoff: Mapped[HandoffPoint | None] = relationship()
