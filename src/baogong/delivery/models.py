"""The fleet, and the routes, stops and proofs of delivery made for a plan."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from baogong.db import Base
from baogong.types import enum_col, qty, utcnow


class Vehicle(Base):
    """A van or truck with its capacity, cold chain and pass permit (通行证)."""

    __tablename__ = "vehicles"
    __table_args__ = (CheckConstraint("capacity_kg > 0", name="capacity_pos"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(40), default="van")
    capacity_kg: Mapped[Decimal] = mapped_column(qty())
    cold_chain: Mapped[bool] = mapped_column(Boolean, default=False)
    pass_permit: Mapped[str | None] = mapped_column(String(40))
    """Number of the pass permit for sealed and controlled zones; None when it has none."""
    permit_valid_to: Mapped[date | None] = mapped_column(Date)
    home_site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    driver_name: Mapped[str] = mapped_column(String(60), default="")
    driver_phone: Mapped[str] = mapped_column(String(20), default="")
    available: Mapped[bool] = mapped_column(Boolean, default=True)


class StopStatus(StrEnum):
    """Where a stop's delivery stands; proof of delivery fills in who and when."""

    PLANNED = "planned"
    DELIVERED = "delivered"
    FAILED = "failed"


class RoutingRun(Base):
    """The routes made for one plan, with the totals of the solve."""

    __tablename__ = "routing_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    routes: Mapped[list[Route]] = relationship(back_populates="run",
                                               cascade="all, delete-orphan")


class Route(Base):
    """One vehicle's day from its site: stops in order, over one or more trips."""

    __tablename__ = "routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("routing_runs.id", ondelete="CASCADE"),
                                        index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id"))
    vehicle_label: Mapped[str] = mapped_column(String(60))
    distance_m: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[int] = mapped_column(Integer)
    start: Mapped[str] = mapped_column(String(5), default="")
    end: Mapped[str] = mapped_column(String(5), default="")
    trips: Mapped[int] = mapped_column(Integer, default=1)

    run: Mapped[RoutingRun] = relationship(back_populates="routes")
    stops: Mapped[list[RouteStop]] = relationship(back_populates="route",
                                                  cascade="all, delete-orphan",
                                                  order_by="RouteStop.seq")


class RouteStop(Base):
    """A visit to a hand-off point, and its proof of delivery."""

    __tablename__ = "route_stops"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id", ondelete="CASCADE"),
                                          index=True)
    seq: Mapped[int] = mapped_column(Integer)
    trip: Mapped[int] = mapped_column(Integer, default=1)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoff_points.id"), index=True)
    arrival: Mapped[str] = mapped_column(String(5))
    load_kg: Mapped[Decimal] = mapped_column(qty())
    cold: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[StopStatus] = mapped_column(enum_col(StopStatus), default=StopStatus.PLANNED)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by: Mapped[str | None] = mapped_column(String(80))
    received_by: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(String(300), default="")

    route: Mapped[Route] = relationship(back_populates="stops")


class Unrouted(Base):
    """Load that no vehicle could take, with the reason (never dropped silently)."""

    __tablename__ = "unrouted"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("routing_runs.id", ondelete="CASCADE"),
                                        index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoff_points.id"))
    load_kg: Mapped[Decimal] = mapped_column(qty())
    code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(300))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
