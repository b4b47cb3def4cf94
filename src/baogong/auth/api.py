"""API: bearer tokens, the signed-in user, accounts (command centre) and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response
from pydantic import BaseModel, Field, StrictBool
from sqlalchemy.orm import Session

from baogong.audit.queries import history_page
from baogong.audit.service import record
from baogong.auth import service as auth
from baogong.auth.deps import Principal, SignedIn, bearer, require
from baogong.auth.models import Role, TokenKind, User
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


DEVICE_COOKIE = "baogong_device"
DEVICE_DAYS = 180


def _too_many(wait: float) -> ApiError:
    s = int(wait) + 1
    return ApiError(429, N_("Too many sign-in attempts; try again in {s} seconds"),
                    headers={"Retry-After": str(s)}, s=s)


def sign_in(request: Request, session: Session, username: str, password: str) -> User | None:
    """Check a user name and password under the sign-in limits; None for a wrong pair.

    A client address may try five times the limit in a window; a user name that failed the
    limit in a window is refused (429) for the rest of it, except from a client holding the
    device cookie of an earlier sign-in as that user, so that nobody can lock the owner out.
    """
    limiter = request.app.state.limiter
    client = request.client.host if request.client else "?"
    if wait := limiter.hit(f"ip:{client}", factor=5):
        raise _too_many(wait)
    key = f"user:{username.lower()}"
    wait = limiter.wait(key)
    if wait and not auth.known_device(session, username=username,
                                      mark=request.cookies.get(DEVICE_COOKIE)):
        raise _too_many(wait)
    user = auth.authenticate(session, username=username, password=password)
    if user is None:
        limiter.hit(key)
    elif not wait:
        limiter.reset(key)
    return user


def remember_device(request: Request, response: Response, user: User) -> None:
    """Give the client the device cookie of this user (see sign_in)."""
    response.set_cookie(DEVICE_COOKIE, auth.device_mark(user), httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", max_age=DEVICE_DAYS * 86400)


@router.post("/auth/token", response_model=TokenOut,
             responses={401: {"description": "Wrong user name or password"},
                        429: {"description": "Too many attempts"}})
def token(request: Request, response: Response, factory: Factory,
          username: Annotated[str, Form(max_length=60)],
          password: Annotated[str, Form(max_length=200)]) -> TokenOut:
    """Exchange a user name and password for a bearer token (rate-limited; the answer also
    sets a device cookie that lets this client sign in while the user name is over its
    attempt limit)."""
    with unit_of_work(factory) as session:
        user = sign_in(request, session, username, password)
        if user is None:
            raise ApiError(401, N_("Wrong user name or password"), field="password")
        secret, row = auth.issue_token(session, user=user, kind=TokenKind.API)
        remember_device(request, response, user)
        return TokenOut(access_token=secret, expires_at=row.expires_at, role=user.role)


@router.delete("/auth/token", status_code=204, response_class=Response)
def revoke(request: Request, factory: Factory, principal: SignedIn,
           secret: Annotated[str | None, Depends(bearer)] = None) -> Response:
    """Revoke the bearer token sent with this request (sign out of the API); the user's
    other tokens keep working."""
    if principal.via != "bearer" or not secret:
        raise ApiError(400, N_("Send the bearer token to revoke"), field="Authorization")
    with unit_of_work(factory) as session:
        auth.revoke_token(session, secret=secret)
    request.app.state.bearer_cache.forget(secret)
    return Response(status_code=204)


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


class UserPatch(BaseModel):
    """A new password, or (de)activation; either revokes every token of the user."""

    password: str | None = Field(default=None, min_length=8, max_length=200)
    active: StrictBool | None = None


@router.patch("/users/{username}", response_model=UserOut)
def change_user(username: Annotated[str, Path(max_length=60)], body: UserPatch,
                request: Request, factory: Factory,
                principal: Annotated[Any, require(Role.COMMAND)]) -> UserOut:
    """Set a user's password or deactivate (activate) the account (command centre only);
    every token of the user stops working at once; audited (never the password)."""
    if body.password is None and body.active is None:
        raise ApiError(400, N_("Give a new password or active"), field="password")
    with unit_of_work(factory) as session:
        user = auth.get_user(session, username=username)
        before = {"active": user.active}
        if body.password is not None:
            auth.set_password(session, user=user, password=body.password)
        if body.active is not None:
            auth.set_active(session, user=user, active=body.active)
        record(session, actor=principal.actor(request), action="update", entity="user",
               key=user.username, before=before,
               after={"active": user.active, "password_changed": body.password is not None})
        out = UserOut(username=user.username, display_name=user.display_name, role=user.role,
                      active=user.active)
        user_id = user.id
    if body.password is not None or body.active is False:
        request.app.state.bearer_cache.forget_where(lambda p: p.user_id == user_id)
    return out


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
