"""Pages: sign in and out, the language switch, and each role's home page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from baogong import i18n
from baogong.auth import service as auth
from baogong.auth.api import remember_device, sign_in
from baogong.auth.deps import SESSION_COOKIE, OptionalPrincipal, SignedIn
from baogong.auth.models import Role, TokenKind
from baogong.db import unit_of_work
from baogong.i18n import N_, gettext
from baogong.web.deps import LANG_COOKIE, Factory
from baogong.web.errors import ApiError
from baogong.web.pages import render

router = APIRouter(include_in_schema=False)

HOME = {Role.COMMAND: "/dashboard", Role.INSPECTOR: "/dashboard",
        Role.COMMUNITY: "/m/community", Role.DRIVER: "/m/driver",
        Role.ENTERPRISE: "/m/enterprise", Role.VOLUNTEER: "/m/volunteer"}


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


@router.get("/", response_class=HTMLResponse)
def home(principal: OptionalPrincipal) -> Response:
    """Send a signed-in user to their role's page, anyone else to sign in."""
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(HOME[principal.role], status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return render(request, "login.html", next=_safe_next(next) or "", error=None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, factory: Factory, username: Annotated[str, Form(max_length=60)],
          password: Annotated[str, Form(max_length=200)],
          next: Annotated[str, Form(max_length=300)] = "") -> Response:
    """Check the password (rate-limited), open a session and set its cookie."""
    with unit_of_work(factory) as session:
        try:
            user = sign_in(request, session, username, password)
        except ApiError as exc:
            return render(request, "login.html", status=429, next=_safe_next(next) or "",
                          error=gettext(exc.message).format(**exc.params))
        if user is None:
            return render(request, "login.html", status=401, next=_safe_next(next) or "",
                          error=gettext(N_("Wrong user name or password")))
        secret, _row = auth.issue_token(session, user=user, kind=TokenKind.SESSION)
        role, lang = user.role, user.lang
        response = RedirectResponse(_safe_next(next) or HOME[role], status_code=303)
        remember_device(request, response, user)
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", max_age=auth.SESSION_HOURS * 3600)
    if lang and not request.cookies.get(LANG_COOKIE):
        response.set_cookie(LANG_COOKIE, lang, samesite="lax", max_age=365 * 86400)
    return response


@router.post("/logout")
def logout(request: Request, factory: Factory, _p: SignedIn) -> Response:
    """End the session."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        with unit_of_work(factory) as session:
            auth.revoke_token(session, secret=secret)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{lang}")
def switch_language(lang: str, request: Request, next: str | None = None) -> Response:
    """Switch the interface language (zh-CN or en) for this browser."""
    try:
        norm = i18n.normalise(lang)
    except ValueError:
        norm = i18n.DEFAULT_LANG
    response = RedirectResponse(_safe_next(next) or "/", status_code=303)
    response.set_cookie(LANG_COOKIE, norm, samesite="lax", max_age=365 * 86400)
    return response
