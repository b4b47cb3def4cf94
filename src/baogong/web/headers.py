"""Per-request language and security headers, as a plain ASGI middleware (no per-request
task or body streaming, unlike Starlette's BaseHTTPMiddleware)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from baogong import i18n
from baogong.web.deps import LANG_COOKIE


class LanguageAndHeaders:
    """Sets the language of the request (?lang=, then the cookie, then zh-CN) and adds the
    Content-Security-Policy and other safety headers to every response (HSTS when
    `hsts_seconds` is set: only behind HTTPS)."""

    def __init__(self, app: ASGIApp, csp: str, hsts_seconds: int = 0) -> None:
        self.app = app
        self.headers = {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
                        "Referrer-Policy": "same-origin"}
        if hsts_seconds > 0:
            self.headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        wanted = conn.query_params.get("lang") or conn.cookies.get(LANG_COOKIE)
        try:
            i18n.set_lang(wanted)
        except ValueError:
            i18n.set_lang(None)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
