"""API: bearer tokens, the signed-in user, accounts (command centre) and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from pydantic import BaseModel, Field

from baogong.audit.queries import history_page
from baogong.audit.service import record
from baogong.auth import service as auth
from baogong.auth.deps import Principal, SignedIn, require
from baogong.auth.models import Role, TokenKind
from baogong.db import unit_of_work
from baogong.i18n import N_
from baogong.web.deps import DbSession, Factory
from baogong.web.errors import ApiError
from baogong.web.pagination import Page, Paging
from baogong.web.schemas import UtcDatetime

router = APIRouter(tags=["auth"])


class TokenOut(BaseModel):
    """A bearer token for the API."""

    access_token: str
    token_type: str = "bearer"
    expires_at: UtcDatetime
    role: Role


def login_allowed(request: Request, username: str) -> None:
    """Refuse with 429 when this user name (or, five times as often, this client address) was
    tried too often; a successful sign-in clears the user name's count."""
    limiter = request.app.state.limiter
    client = request.client.host if request.client else "?"
    for key, factor in ((f"ip:{client}", 5), (f"user:{username.lower()}", 1)):
        wait = limiter.hit(key, factor=factor)
        if wait:
            raise ApiError(429, N_("Too many sign-in attempts; try again in {s} seconds"),
                           headers={"Retry-After": str(int(wait) + 1)}, s=int(wait) + 1)


@router.post("/auth/token", response_model=TokenOut,
             responses={401: {"description": "Wrong user name or password"},
                        429: {"description": "Too many attempts"}})
def token(request: Request, factory: Factory,
          username: Annotated[str, Form(max_length=60)],
          password: Annotated[str, Form(max_length=200)]) -> TokenOut:
    """Exchange a user name and password for a bearer token (rate-limited)."""
    login_allowed(request, username)
    with unit_of_work(factory) as session:
        user = auth.authenticate(session, username=username, password=password)
        if user is None:
            raise ApiError(401, N_("Wrong user name or password"), field="password")
        secret, row = auth.issue_token(session, user=user, kind=TokenKind.API)
        request.app.state.limiter.reset(f"user:{username.lower()}")
        return TokenOut(access_token=secret, expires_at=row.expires_at, role=user.role)


class MeOut(BaseModel):
    """The signed-in user and the bounds of what they see."""

    username: str
    display_name: str
    role: Role
    enterprise_id: int | None
    region_path: str | None
    vehicle_id: int | None
    volunteer_id: int | None


@router.get("/me", response_model=MeOut)
def me(principal: SignedIn) -> MeOut:
    """Who am I, and what bounds my view."""
    s = principal.scope
    return MeOut(username=principal.username, display_name=principal.display_name,
                 role=principal.role, enterprise_id=s.enterprise_id, region_path=s.region_path,
                 vehicle_id=s.vehicle_id, volunteer_id=s.volunteer_id)


class UserIn(BaseModel):
    """A new account."""

    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=8, max_length=200)
    role: Role
    display_name: str = Field(default="", max_length=80)
    org: str | None = Field(default=None, max_length=18, description="Credit code")
    community: str | None = Field(default=None, max_length=40)
    vehicle: str | None = Field(default=None, max_length=20)
    volunteer: str | None = Field(default=None, max_length=40)
    lang: str | None = Field(default=None, pattern="^(zh_CN|en)$")


class UserOut(BaseModel):
    """An account (never its password)."""

    username: str
    display_name: str
    role: Role
    active: bool


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(body: UserIn, request: Request, factory: Factory,
             principal: Annotated[Principal, require(Role.COMMAND)]) -> UserOut:
    """Create an account (command centre only); audited."""
    with unit_of_work(factory) as session:
        user = auth.create_user(session, username=body.username, role=body.role,
                                password=body.password, display_name=body.display_name,
                                org=body.org, community=body.community, vehicle=body.vehicle,
                                volunteer=body.volunteer, lang=body.lang)
        record(session, actor=principal.actor(request), action="create", entity="user",
               key=user.username, after={"role": user.role, "org": body.org,
                                         "community": body.community})
        return UserOut(username=user.username, display_name=user.display_name, role=user.role,
                       active=user.active)


class AuditOut(BaseModel):
    """One audit entry."""

    id: int
    at: UtcDatetime
    actor: str
    source: str
    source_ref: str
    action: str
    entity: str
    entity_key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get("/audit", response_model=Page[AuditOut])
def audit_log(db: DbSession, paging: Paging,
              _p: Annotated[Principal, require(Role.COMMAND, Role.INSPECTOR)],
              entity: Annotated[str | None, Query(max_length=60)] = None,
              key: Annotated[str | None, Query(max_length=120)] = None,
              actor: Annotated[str | None, Query(max_length=80)] = None) -> Page[AuditOut]:
    """The audit trail, newest first (command centre and inspectors), filtered by record
    (entity and key) and by who made the change."""
    rows, total = history_page(db, entity=entity, key=key, actor=actor, limit=paging.limit,
                               offset=paging.offset)
    items = [AuditOut(id=e.id, at=e.at, actor=e.actor, source=e.source.value,
                      source_ref=e.source_ref, action=e.action, entity=e.entity,
                      entity_key=e.entity_key, before=e.before, after=e.after) for e in rows]
    return Page[AuditOut](items=items, total=total, limit=paging.limit, offset=paging.offset)
