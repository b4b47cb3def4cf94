"""How uvicorn serves the app: the options that bear on security, in one place."""

from __future__ import annotations

from typing import Any

from baogong.config import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """No `server` banner; forwarded headers (client address, scheme) believed only from the
    configured proxies (uvicorn would otherwise believe any from loopback)."""
    proxies = settings.trusted_proxies.strip()
    return {"server_header": False, "proxy_headers": bool(proxies),
            "forwarded_allow_ips": proxies or ""}
