"""One error shape for every API response: {"error": {"code", "message", "field"}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from baogong.errors import Conflict, DomainError, NotFound
from baogong.i18n import N_, gettext

log = logging.getLogger("baogong.web")

HTTP_CODES = {400: "invalid", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large",
              415: "unsupported_media_type", 422: "invalid", 429: "rate_limited",
              500: "server_error"}


class ApiError(Exception):
    """An HTTP refusal with a code and a message id (translated when sent)."""

    def __init__(self, status: int, message: str, *, code: str | None = None,
                 field: str | None = None, headers: dict[str, str] | None = None,
                 **params: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or HTTP_CODES.get(status, "error")
        self.field = field
        self.headers = headers
        self.params = params


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """The error object every API response uses."""
    return {"error": {"code": code, "message": message, "field": field}}


class ErrorDetail(BaseModel):
    """What went wrong: a stable code, a message in the caller's language, the field at fault."""

    code: str
    message: str
    field: str | None


class ErrorOut(BaseModel):
    """The one error shape of the API."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text} for status, text in (
        (400, "Refused by a business rule"), (401, "Not signed in"),
        (403, "Role not allowed, or CSRF token missing"), (404, "Not found (or out of scope)"),
        (409, "Conflicts with stored data"), (422, "Invalid parameters or body"),
        (429, "Too many sign-in attempts"))}


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", "")


def _json(status: int, code: str, message: str, field: str | None = None,
          headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(error_body(code, message, field), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the one error shape."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        if exc.status == 401 and _wants_html(request):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        text = gettext(exc.message).format(**exc.params)
        if _wants_html(request):
            return _page_error(request, exc.status, text)
        return _json(exc.status, exc.code, text, exc.field, exc.headers)

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> Response:
        status = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict) else 400
        if _wants_html(request):
            return _page_error(request, status, exc.text())
        return _json(status, exc.code, exc.text(), exc.field)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path",
                                                                  "header", "cookie")]
        field = ".".join(loc) or None
        message = gettext(N_("Invalid value")) + (f": {first.get('msg')}" if first else "")
        return _json(422, "invalid", message, field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code
        if exc.status_code == 404:
            message = gettext(N_("Not found"))
        elif exc.status_code == 405:
            message = gettext(N_("Method not allowed"))
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:  # Starlette names only the first route of the path
            headers = {**(headers or {}), "Allow": _allowed_methods(request)}
        if _wants_html(request):
            page = _page_error(request, exc.status_code, message)
            page.headers.update(headers or {})
            return page
        return _json(exc.status_code, code, message, None, headers)

    @app.exception_handler(OverflowError)
    async def _too_big(request: Request, exc: OverflowError) -> Response:
        # a number the database cannot hold (SQLite: 64-bit): the input is at fault
        return _json(400, "invalid", gettext(N_("A value cannot be stored as given")))

    @app.exception_handler(DataError)
    async def _bad_data(request: Request, exc: DataError) -> Response:
        # e.g. a NUL character, which PostgreSQL text cannot hold: the input is at fault
        log.info("refused data on %s %s: %s", request.method, request.url.path, exc.orig)
        return _json(400, "invalid", gettext(N_("A value cannot be stored as given")))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _json(500, "server_error", gettext(N_("Internal error; it has been logged")))


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this request's path."""
    routes = request.app.router.routes
    return ", ".join(m for m in METHODS if any(
        route.matches({**request.scope, "method": m})[0] is Match.FULL for route in routes))


def _page_error(request: Request, status: int, message: str) -> Response:
    templates = getattr(request.app.state, "templates", None)
    if templates is None:
        return _json(status, HTTP_CODES.get(status, "error"), message)
    response: Response = templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status)
    return response
