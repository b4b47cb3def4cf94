"""Enterprises and sites, the product catalogue, standard packs and the stock ledger."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from baogong.db import Base
from baogong.types import Crs, Unit, enum_col, money, qty, utcnow


class EnterpriseKind(StrEnum):
    """Kind of supplier enterprise."""

    SUPERMARKET_CHAIN = "supermarket_chain"
    WHOLESALER = "wholesaler"
    PROCESSOR = "processor"
    FARM = "farm"
    LOGISTICS = "logistics"
    COOPERATIVE = "cooperative"


class Qualification(StrEnum):
    """Supplier qualification: only verified suppliers take part in allocation."""

    PENDING = "pending"
    VERIFIED = "verified"
    SUSPENDED = "suspended"


class SiteKind(StrEnum):
    """Kind of supply site."""

    STORE = "store"
    WAREHOUSE = "warehouse"
    BASE = "base"


class MovementKind(StrEnum):
    """Kind of stock movement; transfers are a linked out/in pair."""

    RECEIPT = "receipt"
    ISSUE = "issue"
    ADJUSTMENT = "adjustment"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"


class Enterprise(Base):
    """A supplier enterprise (保供企业)."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    kind: Mapped[EnterpriseKind] = mapped_column(enum_col(EnterpriseKind))
    key_supply: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_name: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    qualification: Mapped[Qualification] = mapped_column(
        enum_col(Qualification), default=Qualification.PENDING
    )
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by: Mapped[str | None] = mapped_column(String(80))
    recheck_due: Mapped[date | None] = mapped_column(Date)
    allocation_override: Mapped[bool] = mapped_column(Boolean, default=False,
                                                      server_default=false())
    """The command centre lets an unverified supplier take part in allocation (recorded)."""
    override_by: Mapped[str | None] = mapped_column(String(80))
    override_reason: Mapped[str | None] = mapped_column(String(300))

    sites: Mapped[list[Site]] = relationship(back_populates="enterprise")


class Site(Base):
    """A store, warehouse or production base of an enterprise."""

    __tablename__ = "sites"
    __table_args__ = (CheckConstraint("capacity_kg >= 0", name="capacity_nonneg"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SiteKind] = mapped_column(enum_col(SiteKind))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    crs: Mapped[Crs] = mapped_column(enum_col(Crs), default=Crs.WGS84)
    capacity_kg: Mapped[Decimal] = mapped_column(qty())
    """Daily dispatch capacity in kg, shared by all products."""
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)

    enterprise: Mapped[Enterprise] = relationship(back_populates="sites")


class ProductCategory(Base):
    """One of the monitored categories of necessities (生活必需品)."""

    __tablename__ = "product_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(60))
    sort: Mapped[int] = mapped_column(Integer, default=0)


class Product(Base):
    """A concrete product with its counting unit and weight per unit."""

    __tablename__ = "products"
    __table_args__ = (CheckConstraint("kg_per_unit > 0", name="kg_per_unit_pos"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    category_id: Mapped[int] = mapped_column(ForeignKey("product_categories.id"), index=True)
    unit: Mapped[Unit] = mapped_column(enum_col(Unit))
    kg_per_unit: Mapped[Decimal] = mapped_column(qty())
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    cold_chain: Mapped[bool] = mapped_column(Boolean, default=False)
    units_per_case: Mapped[int | None] = mapped_column(Integer)
    """Units in one case (箱规), to read quantities given in cases."""
    unit_cost: Mapped[Decimal | None] = mapped_column(money())
    unit_price: Mapped[Decimal | None] = mapped_column(money())
    min_group_lot: Mapped[int | None] = mapped_column(Integer)
    """Least units a group order (团购) must reach for this product."""

    category: Mapped[ProductCategory] = relationship()


class PackTemplate(Base):
    """A standard pack (标准包): a bill of materials with cost, price and subsidy per pack."""

    __tablename__ = "pack_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    cost: Mapped[Decimal] = mapped_column(money())
    price: Mapped[Decimal] = mapped_column(money())
    subsidy: Mapped[Decimal] = mapped_column(money(), default=Decimal("0"))
    standard: Mapped[bool] = mapped_column(Boolean, default=False)
    """Standard packs go to every household of a sealed compound (sized by household)."""
    min_group_lot: Mapped[int | None] = mapped_column(Integer)
    """Least packs a group order (团购) must reach, e.g. 30 sets."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    items: Mapped[list[PackItem]] = relationship(
        back_populates="pack", cascade="all, delete-orphan", order_by="PackItem.id"
    )
    rules: Mapped[list[PackRule]] = relationship(
        back_populates="pack", cascade="all, delete-orphan", order_by="PackRule.min_size"
    )

    @property
    def weight_kg(self) -> Decimal:
        """Weight of one pack from its bill of materials."""
        return sum((i.quantity * i.product.kg_per_unit for i in self.items), Decimal("0"))


class PackItem(Base):
    """One line of a pack's bill of materials."""

    __tablename__ = "pack_items"
    __table_args__ = (
        UniqueConstraint("pack_id", "product_id"),
        CheckConstraint("quantity > 0", name="quantity_pos"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("pack_templates.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[Decimal] = mapped_column(qty())

    pack: Mapped[PackTemplate] = relationship(back_populates="items")
    product: Mapped[Product] = relationship()


class PackRule(Base):
    """How many packs a household of size min_size..max_size gets (max_size None: or more)."""

    __tablename__ = "pack_rules"
    __table_args__ = (
        CheckConstraint("min_size >= 1", name="min_size_pos"),
        CheckConstraint("packs >= 0", name="packs_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("pack_templates.id", ondelete="CASCADE"))
    min_size: Mapped[int] = mapped_column(Integer)
    max_size: Mapped[int | None] = mapped_column(Integer)
    packs: Mapped[int] = mapped_column(Integer)

    pack: Mapped[PackTemplate] = relationship(back_populates="rules")


class StockMovement(Base):
    """One entry of the stock ledger; the signed quantity is in the product's unit."""

    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    kind: Mapped[MovementKind] = mapped_column(enum_col(MovementKind))
    quantity: Mapped[Decimal] = mapped_column(qty())
    reason: Mapped[str] = mapped_column(String(300), default="")
    transfer_ref: Mapped[str | None] = mapped_column(String(40), index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(80), default="")


class StockBalance(Base):
    """Balance per site and product, kept in step with the ledger in the same transaction.

    The ledger is the record; this row is its running sum, so that the non-negative rule can
    be enforced under concurrency (row lock) and by the database (check constraint).
    """

    __tablename__ = "stock_balances"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_nonneg"),)

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    quantity: Mapped[Decimal] = mapped_column(qty(), default=Decimal("0"))
