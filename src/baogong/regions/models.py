"""Region hierarchy, hand-off points (接驳点) and zone declarations (封控/管控/防范)."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from baogong.db import Base
from baogong.types import Crs, enum_col, utcnow


class RegionLevel(StrEnum):
    """Level of a region in the hierarchy, top to bottom."""

    CITY = "city"
    DISTRICT = "district"
    SUBDISTRICT = "subdistrict"
    TOWN = "town"
    COMMUNITY = "community"
    COMPOUND = "compound"


PARENT_LEVELS: dict[RegionLevel, tuple[RegionLevel, ...]] = {
    RegionLevel.CITY: (),
    RegionLevel.DISTRICT: (RegionLevel.CITY,),
    RegionLevel.SUBDISTRICT: (RegionLevel.DISTRICT,),
    RegionLevel.TOWN: (RegionLevel.DISTRICT,),
    RegionLevel.COMMUNITY: (RegionLevel.SUBDISTRICT, RegionLevel.TOWN),
    RegionLevel.COMPOUND: (RegionLevel.COMMUNITY,),
}


class ZoneStatus(StrEnum):
    """Zone status; the order of SEVERITY is from strictest to none."""

    SEALED = "sealed"
    CONTROLLED = "controlled"
    PRECAUTION = "precaution"
    NORMAL = "normal"


VULNERABLE_FIELDS = ("elderly_alone", "seriously_ill", "disabled", "hardship", "infants_pregnant")


class Region(Base):
    """One area of the hierarchy. Compounds (小区) carry households and vulnerable counts."""

    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint("households >= 0", name="households_nonneg"),
        CheckConstraint("population >= 0", name="population_nonneg"),
        CheckConstraint(
            "elderly_alone >= 0 AND seriously_ill >= 0 AND disabled >= 0 "
            "AND hardship >= 0 AND infants_pregnant >= 0",
            name="vulnerable_nonneg",
        ),
        Index("ix_regions_path", "path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    admin_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[RegionLevel] = mapped_column(enum_col(RegionLevel))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), default="/")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    crs: Mapped[Crs] = mapped_column(enum_col(Crs), default=Crs.WGS84)
    households: Mapped[int] = mapped_column(Integer, default=0)
    population: Mapped[int] = mapped_column(Integer, default=0)
    elderly_alone: Mapped[int] = mapped_column(Integer, default=0)
    seriously_ill: Mapped[int] = mapped_column(Integer, default=0)
    disabled: Mapped[int] = mapped_column(Integer, default=0)
    hardship: Mapped[int] = mapped_column(Integer, default=0)
    infants_pregnant: Mapped[int] = mapped_column(Integer, default=0)
    buildings: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Residential buildings of a compound (楼栋), for the last-100-m manifests."""
    household_sizes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Households by size for compounds: {"1": n1, "2": n2, ..., "5": n5_or_more}."""

    parent: Mapped[Region | None] = relationship(remote_side=[id])

    @property
    def vulnerable_households(self) -> int:
        """Households with at least one vulnerable resident (categories counted per household)."""
        return sum(getattr(self, f) for f in VULNERABLE_FIELDS)


class HandoffPoint(Base):
    """A contactless hand-off point (接驳点) at a compound's checkpoint."""

    __tablename__ = "handoff_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    crs: Mapped[Crs] = mapped_column(enum_col(Crs), default=Crs.WGS84)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    compound: Mapped[Region] = relationship()


class ZoneDeclaration(Base):
    """A zone status declared for a region over [valid_from, valid_to); open-ended if no end."""

    __tablename__ = "zone_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    status: Mapped[ZoneStatus] = mapped_column(enum_col(ZoneStatus))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(String(400), default="")
    declared_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    region: Mapped[Region] = relationship()
