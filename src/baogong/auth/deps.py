"""Request dependencies of the signed-in: the principal and require(...)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from baogong.audit.models import Source
from baogong.audit.service import Actor
from baogong.auth import service as auth
from baogong.auth.models import ROLE_LABELS, Role, TokenKind
from baogong.auth.scope import Scope
from baogong.i18n import N_
from baogong.web.deps import Factory
from baogong.web.errors import ApiError
from baogong.web.principals import TokenCache

SESSION_COOKIE = "baogong_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


@dataclass(frozen=True)
class Principal:
    """Who is calling, through what, and what they may see."""

    user_id: int
    username: str
    display_name: str
    role: Role
    scope: Scope
    via: str
    """'bearer' (API token) or 'cookie' (browser session, CSRF-checked)."""
    csrf: str
    lang: str | None

    @property
    def role_label(self) -> str:
        """The message id of the role's name (translated on the page)."""
        return ROLE_LABELS[self.role]

    def actor(self, request: Request) -> Actor:
        """The audit actor of this principal on this request."""
        source = Source.API if request.url.path.startswith("/api/") else Source.PAGE
        return Actor(self.username, source, f"{request.method} {request.url.path}")


async def optional_principal(request: Request, factory: Factory,
                             token: Annotated[str | None, Depends(bearer)] = None
                             ) -> Principal | None:
    """The signed-in principal from a bearer token or the session cookie, if any.

    A bearer token seen in the last few seconds is answered from the cache without leaving
    the event loop; anything else is looked up in a worker thread.
    """
    via, secret, kind = "bearer", token, TokenKind.API
    if not secret:
        via, secret, kind = "cookie", request.cookies.get(SESSION_COOKIE), TokenKind.SESSION
    if not secret:
        return None
    cache: TokenCache[Principal] | None = getattr(request.app.state, "bearer_cache", None)
    if kind is TokenKind.API and cache is not None and (hit := cache.get(secret)) is not None:
        return hit
    return await run_in_threadpool(_resolve, factory, secret, kind, via, cache)


def _resolve(factory: sessionmaker[Session], secret: str, kind: TokenKind, via: str,
             cache: TokenCache[Principal] | None) -> Principal | None:
    with factory() as session:
        row = auth.resolve_token(session, secret=secret, kind=kind)
        if row is None:
            return None
        user = row.user
        principal = Principal(user.id, user.username, user.display_name, user.role,
                              auth.scope_of(session, user), via, row.csrf, user.lang)
        if kind is TokenKind.API and cache is not None:
            cache.put(secret, principal, auth.seconds_left(row))
        return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


async def _check_csrf(request: Request, principal: Principal) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, principal.csrf):
        raise ApiError(403, N_("Missing or wrong CSRF token; reload the page"), code="csrf",
                       field=CSRF_FIELD)


def require(*roles: Role) -> Any:
    """A dependency giving the principal, refusing anyone not signed in or not in `roles`.

    Cookie sessions must also send the CSRF token on every unsafe method.
    """

    async def dependency(request: Request, principal: OptionalPrincipal) -> Principal:
        if principal is None:
            raise ApiError(401, N_("Sign in first"), headers={"WWW-Authenticate": "Bearer"})
        if roles and principal.role not in roles:
            raise ApiError(403, N_("Your role may not do this"))
        if principal.via == "cookie" and request.method not in SAFE_METHODS:
            await _check_csrf(request, principal)
        return principal

    return Depends(dependency)


SignedIn = Annotated[Principal, require()]
