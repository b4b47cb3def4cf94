"""Stored plans: the allocation of a day, its flows (pick lists) and what stays unmet."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from baogong.db import Base
from baogong.optim.allocation import Tier
from baogong.types import enum_col, utcnow


class Plan(Base):
    """One allocation run for a day; the newest of a day is the one in force."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80), default="")
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    flows: Mapped[list[PlanFlow]] = relationship(back_populates="plan",
                                                 cascade="all, delete-orphan")
    unmet: Mapped[list[PlanUnmet]] = relationship(back_populates="plan",
                                                  cascade="all, delete-orphan")


class PlanFlow(Base):
    """Units of a product a site sends to a compound (a pick-list line / an allocation line)."""

    __tablename__ = "plan_flows"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    priority_quantity: Mapped[int] = mapped_column(Integer, default=0)
    km: Mapped[float] = mapped_column(Float)
    tier: Mapped[Tier] = mapped_column(enum_col(Tier))

    plan: Mapped[Plan] = relationship(back_populates="flows")


class PlanUnmet(Base):
    """Units of a product a compound asked for that the plan could not serve."""

    __tablename__ = "plan_unmet"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    priority: Mapped[int] = mapped_column(Integer)
    regular: Mapped[int] = mapped_column(Integer)

    plan: Mapped[Plan] = relationship(back_populates="unmet")
