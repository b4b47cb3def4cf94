"""Enterprises, sites, the product catalogue and standard packs. Functions never commit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from baogong.errors import Conflict, DomainError, NotFound
from baogong.i18n import N_
from baogong.ledger import credit_code
from baogong.ledger.models import (
    Enterprise,
    EnterpriseKind,
    PackItem,
    PackRule,
    PackTemplate,
    Product,
    ProductCategory,
    Qualification,
    Site,
    SiteKind,
)
from baogong.types import Crs, Unit

# The 12 categories local monitoring commonly uses (domain-facts.md); a city edits the list.
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("grain", "粮食", "Grain"),
    ("edible_oil", "食用油", "Edible oil"),
    ("pork", "猪肉", "Pork"),
    ("poultry", "禽", "Poultry"),
    ("eggs", "蛋", "Eggs"),
    ("dairy", "奶制品", "Dairy"),
    ("salt", "食盐", "Salt"),
    ("sugar", "食糖", "Sugar"),
    ("aquatic", "水产品", "Aquatic products"),
    ("vegetables", "蔬菜", "Vegetables"),
    ("fruit", "水果", "Fruit"),
    ("water", "饮用水", "Drinking water"),
)


def seed_categories(session: Session) -> list[ProductCategory]:
    """Create the 12 monitored categories that are not there yet; return all, in order."""
    have = {c.code: c for c in session.scalars(select(ProductCategory))}
    for sort, (code, zh, en) in enumerate(CATEGORIES, start=1):
        if code not in have:
            have[code] = ProductCategory(code=code, name_zh=zh, name_en=en, sort=sort)
            session.add(have[code])
    session.flush()
    return sorted(have.values(), key=lambda c: c.sort)


def _unique(session: Session, model: type, column: str, value: str, record: str) -> None:
    if session.scalar(select(model).where(getattr(model, column) == value)) is not None:
        raise Conflict(N_("{value} is already registered"), record=record, field=column,
                       value=value)


def create_enterprise(
    session: Session,
    *,
    name: str,
    credit_code_: str,
    kind: EnterpriseKind,
    key_supply: bool = False,
    contact_name: str = "",
    phone: str = "",
    address: str = "",
    qualification: Qualification = Qualification.PENDING,
    verified_at: datetime | None = None,
    verified_by: str | None = None,
    recheck_due: date | None = None,
) -> Enterprise:
    """Register a supplier enterprise; its credit code must carry a valid check digit."""
    record = f"enterprise {name}"
    if not credit_code.is_valid(credit_code_):
        raise DomainError(N_("Credit code {code} is not valid (length or check digit)"),
                          record=record, field="credit_code", code=credit_code_)
    _unique(session, Enterprise, "credit_code", credit_code_, record)
    ent = Enterprise(
        name=name, credit_code=credit_code_, kind=kind, key_supply=key_supply,
        contact_name=contact_name, phone=phone, address=address, qualification=qualification,
        verified_at=verified_at, verified_by=verified_by, recheck_due=recheck_due,
    )
    session.add(ent)
    session.flush()
    return ent


def get_enterprise(session: Session, *, credit_code_: str) -> Enterprise:
    """The enterprise with this credit code."""
    ent = session.scalar(select(Enterprise).where(Enterprise.credit_code == credit_code_))
    if ent is None:
        raise NotFound(N_("Unknown enterprise {code}"), record=f"enterprise {credit_code_}",
                       field="credit_code", code=credit_code_)
    return ent


def create_site(
    session: Session,
    *,
    code: str,
    enterprise_credit_code: str,
    name: str,
    kind: SiteKind,
    lat: float,
    lon: float,
    capacity_kg: Decimal,
    region_code: str | None = None,
    address: str = "",
    crs: Crs = Crs.WGS84,
    is_open: bool = True,
) -> Site:
    """Add a site of an enterprise with its daily dispatch capacity in kg."""
    record = f"site {code}"
    _unique(session, Site, "code", code, record)
    ent = get_enterprise(session, credit_code_=enterprise_credit_code)
    if capacity_kg < 0:
        raise DomainError(N_("{field} must not be negative (got {value})"), record=record,
                          field="capacity_kg", value=capacity_kg)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise DomainError(N_("Coordinates {lat}, {lon} are not on Earth"), record=record,
                          field="lat", lat=lat, lon=lon)
    region_id = None
    if region_code:
        from baogong.regions.service import get_region

        region_id = get_region(session, code=region_code).id
    site = Site(code=code, enterprise=ent, name=name, kind=kind, lat=lat, lon=lon, crs=crs,
                capacity_kg=capacity_kg, region_id=region_id, address=address, is_open=is_open)
    session.add(site)
    session.flush()
    return site


def get_site(session: Session, *, code: str) -> Site:
    """The site with this code."""
    site = session.scalar(select(Site).where(Site.code == code))
    if site is None:
        raise NotFound(N_("Unknown site code {code}"), record=f"site {code}", field="site",
                       code=code)
    return site


def create_product(
    session: Session,
    *,
    code: str,
    name: str,
    category_code: str,
    unit: Unit,
    kg_per_unit: Decimal,
    shelf_life_days: int | None = None,
    cold_chain: bool = False,
) -> Product:
    """Add a product of one of the monitored categories."""
    record = f"product {code}"
    _unique(session, Product, "code", code, record)
    cat = session.scalar(select(ProductCategory).where(ProductCategory.code == category_code))
    if cat is None:
        raise NotFound(N_("Unknown product category {code}"), record=record, field="category",
                       code=category_code)
    if kg_per_unit <= 0:
        raise DomainError(N_("{field} must be positive (got {value})"), record=record,
                          field="kg_per_unit", value=kg_per_unit)
    product = Product(code=code, name=name, category=cat, unit=unit, kg_per_unit=kg_per_unit,
                      shelf_life_days=shelf_life_days, cold_chain=cold_chain)
    session.add(product)
    session.flush()
    return product


def get_product(session: Session, *, code: str) -> Product:
    """The product with this code."""
    product = session.scalar(select(Product).where(Product.code == code))
    if product is None:
        raise NotFound(N_("Unknown product code {code}"), record=f"product {code}",
                       field="product", code=code)
    return product


def create_pack(
    session: Session,
    *,
    code: str,
    name: str,
    cost: Decimal,
    price: Decimal,
    items: list[tuple[str, Decimal]],
    rules: list[tuple[int, int | None, int]],
    subsidy: Decimal = Decimal("0"),
    standard: bool = False,
) -> PackTemplate:
    """Add a standard pack: its bill of materials (product code, quantity) and its rules.

    A rule (min_size, max_size, packs) gives households of that size that many packs; the
    rules must not overlap.
    """
    record = f"pack {code}"
    _unique(session, PackTemplate, "code", code, record)
    for field_name, value in (("cost", cost), ("price", price), ("subsidy", subsidy)):
        if value < 0:
            raise DomainError(N_("{field} must not be negative (got {value})"), record=record,
                              field=field_name, value=value)
    if not items:
        raise DomainError(N_("A pack needs at least one item"), record=record, field="items")
    pack = PackTemplate(code=code, name=name, cost=cost, price=price, subsidy=subsidy,
                        standard=standard)
    for product_code, quantity in items:
        if quantity <= 0:
            raise DomainError(N_("{field} must be positive (got {value})"),
                              record=f"{record} item {product_code}", field="quantity",
                              value=quantity)
        pack.items.append(PackItem(product=get_product(session, code=product_code),
                                   quantity=quantity))
    covered: set[int] = set()
    for min_size, max_size, packs in rules:
        span = set(range(min_size, (max_size or 20) + 1))
        if min_size < 1 or (max_size is not None and max_size < min_size) or packs < 0:
            raise DomainError(N_("Rule {min}-{max} x{packs} is not valid"), record=record,
                              field="rules", min=min_size, max=max_size or "", packs=packs)
        if covered & span:
            raise DomainError(N_("Rules overlap at household size {size}"), record=record,
                              field="rules", size=min(covered & span))
        covered |= span
        pack.rules.append(PackRule(min_size=min_size, max_size=max_size, packs=packs))
    session.add(pack)
    session.flush()
    return pack


def packs_for_size(pack: PackTemplate, size: int) -> int:
    """How many of this pack a household of `size` people gets (0 if no rule covers it)."""
    for rule in pack.rules:
        if rule.min_size <= size and (rule.max_size is None or size <= rule.max_size):
            return rule.packs
    return 0

