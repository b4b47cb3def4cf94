"""Orders from every channel, their lines and lifecycle, and shortage reports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from baogong.db import Base
from baogong.types import enum_col, money, qty, utcnow


class Channel(StrEnum):
    """How an order came in."""

    GROUP = "group"  # 团购: a group leader or community worker, many households
    PHONE = "phone"  # 电话代下单: staff on behalf of a resident who cannot use apps
    PLATFORM = "platform"  # a mini-program or delivery platform, through the API


class OrderStatus(StrEnum):
    """Where an order stands."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    ALLOCATED = "allocated"
    DISPATCHED = "dispatched"
    AT_HANDOFF = "at_handoff"
    DELIVERED = "delivered"
    FAILED = "failed"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class OrderBatch(Base):
    """A group order (团购单): one compound, one leader, many households' orders."""

    __tablename__ = "order_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    leader: Mapped[str] = mapped_column(String(80))
    leader_phone: Mapped[str] = mapped_column(String(20), default="")
    service_day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Order(Base):
    """One household's order, whatever the channel."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_household_day", "compound_id", "service_day", "building", "unit",
              "room"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("order_batches.id"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_col(Channel))
    status: Mapped[OrderStatus] = mapped_column(enum_col(OrderStatus), index=True,
                                                default=OrderStatus.SUBMITTED)
    building: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(20), default="")
    room: Mapped[str] = mapped_column(String(20))
    resident: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(20))
    vulnerable: Mapped[bool] = mapped_column(Boolean, default=False)
    substitution_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    owner: Mapped[str] = mapped_column(String(80))
    """The account that placed it (staff for phone orders, the platform for API orders)."""
    service_day: Mapped[date] = mapped_column(Date, index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    """Set when the same household already ordered for the same day (flagged, not refused)."""
    idempotency_key: Mapped[str | None] = mapped_column(String(220), unique=True)
    """The client's key (up to 200 characters) prefixed with the placing account's id and ':'
    (see orders.scoped_key), so that no two accounts share a key."""
    request_hash: Mapped[str | None] = mapped_column(String(64))

    lines: Mapped[list[OrderLine]] = relationship(back_populates="order",
                                                  cascade="all, delete-orphan",
                                                  order_by="OrderLine.id")
    events: Mapped[list[OrderEvent]] = relationship(back_populates="order",
                                                    cascade="all, delete-orphan",
                                                    order_by="OrderEvent.id")


class OrderLine(Base):
    """A pack or a product, how many, and its cost, price and subsidy at order time."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_pos"),
        CheckConstraint("(pack_id IS NULL) <> (product_id IS NULL)", name="pack_or_product"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    pack_id: Mapped[int | None] = mapped_column(ForeignKey("pack_templates.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[Decimal] = mapped_column(money())
    unit_price: Mapped[Decimal] = mapped_column(money())
    unit_subsidy: Mapped[Decimal] = mapped_column(money(), default=Decimal(0))

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderEvent(Base):
    """One step of an order's lifecycle: from, to, when, who, why."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    from_status: Mapped[OrderStatus | None] = mapped_column(enum_col(OrderStatus))
    to_status: Mapped[OrderStatus] = mapped_column(enum_col(OrderStatus))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    by: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(String(300), default="")

    order: Mapped[Order] = relationship(back_populates="events")


class ShortageReport(Base):
    """A grassroots outlet reports running short of a product (seed 002)."""

    __tablename__ = "shortage_reports"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_pos"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    outlet: Mapped[str] = mapped_column(String(120))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[Decimal] = mapped_column(qty())
    note: Mapped[str] = mapped_column(String(300), default="")
    reported_by: Mapped[str] = mapped_column(String(80))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)


class OrderRules(Base):
    """A district's ordering rules: the daily cut-off (orders after it are for the next day)."""

    __tablename__ = "order_rules"

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), primary_key=True)
    cutoff_minutes: Mapped[int] = mapped_column(Integer, default=20 * 60)
    """Minutes after midnight, China time."""
