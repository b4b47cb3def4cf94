"""API: enterprises, sites, stock (read and post movements), products and packs."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from baogong.auth import audience
from baogong.auth.deps import Principal, SignedIn, require
from baogong.auth.models import Role
from baogong.db import unit_of_work
from baogong.ledger import queries
from baogong.ledger.models import EnterpriseKind, Qualification, SiteKind
from baogong.types import Unit
from baogong.web.deps import DbSession, Factory
from baogong.web.pagination import Page, Paging

router = APIRouter(tags=["ledger"])
LEDGER_READERS = (Role.COMMAND, Role.INSPECTOR, Role.ENTERPRISE, Role.DRIVER)
SiteCode = Annotated[str, Path(max_length=40)]


class EnterpriseOut(BaseModel):
    """A supplier enterprise."""

    credit_code: str
    name: str
    kind: EnterpriseKind
    key_supply: bool
    qualification: Qualification
    contact_name: str
    phone: str


@router.get("/enterprises", response_model=Page[EnterpriseOut])
def list_enterprises(db: DbSession, paging: Paging,
                     principal: Annotated[Principal, require(Role.COMMAND, Role.INSPECTOR,
                                                       Role.ENTERPRISE)]
                     ) -> Page[EnterpriseOut]:
    """Enterprises in scope (an enterprise user sees its own)."""
    rows, total = queries.enterprises_page(db, scope=principal.scope, limit=paging.limit,
                                           offset=paging.offset)
    items = [EnterpriseOut(credit_code=e.credit_code, name=e.name, kind=e.kind,
                           key_supply=e.key_supply, qualification=e.qualification,
                           contact_name=e.contact_name, phone=e.phone) for e in rows]
    return Page[EnterpriseOut](items=items, total=total, limit=paging.limit,
                               offset=paging.offset)


class SiteOut(BaseModel):
    """A store, warehouse or base."""

    code: str
    name: str
    kind: SiteKind
    enterprise: str
    lat: float
    lon: float
    capacity_kg: Decimal
    is_open: bool


@router.get("/sites", response_model=Page[SiteOut])
def list_sites(db: DbSession, paging: Paging,
               principal: Annotated[Principal, require(*LEDGER_READERS)],
               region: Annotated[str | None, Query(max_length=40)] = None,
               enterprise: Annotated[str | None, Query(max_length=18)] = None) -> Page[SiteOut]:
    """Sites in scope; filter by region and enterprise credit code."""
    rows, total = queries.sites_page(db, scope=principal.scope, region=region,
                                     enterprise=enterprise, limit=paging.limit,
                                     offset=paging.offset)
    items = [SiteOut(code=s.code, name=s.name, kind=s.kind, enterprise=s.enterprise.credit_code,
                     lat=s.lat, lon=s.lon, capacity_kg=s.capacity_kg, is_open=s.is_open)
             for s in rows]
    return Page[SiteOut](items=items, total=total, limit=paging.limit, offset=paging.offset)


class StockLineOut(BaseModel):
    """A product's balance at a site."""

    product: str
    name: str
    unit: Unit
    quantity: Decimal
    kg: Decimal


class SiteStockOut(BaseModel):
    """Every balance of one site."""

    site: str
    lines: list[StockLineOut]


@router.get("/sites/{code}/stock", response_model=SiteStockOut)
def get_site_stock(code: SiteCode, db: DbSession,
                   principal: Annotated[Principal, require(*LEDGER_READERS)]) -> SiteStockOut:
    """Balances at a site in scope (404 for a site out of scope)."""
    site, lines = queries.site_stock(db, scope=principal.scope, code=code)
    return SiteStockOut(site=site.code, lines=[
        StockLineOut(product=ln.product.code, name=ln.product.name, unit=ln.product.unit,
                     quantity=ln.quantity, kg=ln.kg) for ln in lines])


class MovementIn(BaseModel):
    """A receipt, issue or signed adjustment of one product at a site."""

    product: str = Field(min_length=1, max_length=40)
    kind: queries.MovementRequest
    quantity: Decimal = Field(max_digits=13, decimal_places=3, ge=-1_000_000, le=1_000_000)
    reason: str = Field(default="", max_length=300)


class BalanceOut(BaseModel):
    """The balance after a movement."""

    site: str
    product: str
    quantity: Decimal


@router.post("/sites/{code}/stock", response_model=BalanceOut, status_code=201)
def post_stock(code: SiteCode, body: MovementIn, request: Request, factory: Factory,
               principal: Annotated[Principal, require(Role.COMMAND, Role.ENTERPRISE)]
               ) -> BalanceOut:
    """Book a stock movement at a site in scope; audited; dashboards update live."""
    with unit_of_work(factory) as session:
        after = queries.post_movement(session, scope=principal.scope,
                                      actor=principal.actor(request), site_code=code,
                                      product_code=body.product, kind=body.kind,
                                      quantity=body.quantity, reason=body.reason)
        to = audience.of_site(session, code=code)
    request.app.state.bus.publish("stock", to, site=code, product=body.product)
    return BalanceOut(site=code, product=body.product, quantity=after)


class ProductOut(BaseModel):
    """A product of the catalogue."""

    code: str
    name: str
    category: str
    unit: Unit
    kg_per_unit: Decimal
    cold_chain: bool


@router.get("/products", response_model=Page[ProductOut])
def list_products(db: DbSession, paging: Paging, _p: SignedIn) -> Page[ProductOut]:
    """The product catalogue."""
    rows = queries.products(db)
    items = [ProductOut(code=p.code, name=p.name, category=c.code, unit=p.unit,
                        kg_per_unit=p.kg_per_unit, cold_chain=p.cold_chain)
             for p, c in paging.cut(rows)]
    return Page[ProductOut](items=items, total=len(rows), limit=paging.limit,
                            offset=paging.offset)


class PackItemOut(BaseModel):
    """One line of a pack's bill of materials."""

    product: str
    quantity: Decimal


class PackOut(BaseModel):
    """A standard pack template."""

    code: str
    name: str
    price: Decimal
    standard: bool
    active: bool
    weight_kg: Decimal
    items: list[PackItemOut]


@router.get("/packs", response_model=Page[PackOut])
def list_packs(db: DbSession, paging: Paging, _p: SignedIn) -> Page[PackOut]:
    """Pack templates with their bills of materials."""
    rows = queries.packs(db)
    items = [PackOut(code=p.code, name=p.name, price=p.price, standard=p.standard,
                     active=p.active, weight_kg=p.weight_kg,
                     items=[PackItemOut(product=i.product.code, quantity=i.quantity)
                            for i in p.items]) for p in paging.cut(rows)]
    return Page[PackOut](items=items, total=len(rows), limit=paging.limit, offset=paging.offset)
