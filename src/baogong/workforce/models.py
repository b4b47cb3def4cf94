"""Teams and volunteers."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from baogong.db import Base
from baogong.types import enum_col, qty


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
