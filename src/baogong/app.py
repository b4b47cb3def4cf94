"""create_app(): the one place that wires routers, templates, static files and middleware."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.engine import Engine

from baogong import display, i18n
from baogong.auth import api as auth_api
from baogong.auth import ui as auth_ui
from baogong.auth.deps import Principal
from baogong.auth.scope import Audience
from baogong.command import api as command_api
from baogong.command import audit as command_audit
from baogong.command import phone as command_phone
from baogong.command import ui as command_ui
from baogong.command import watch
from baogong.config import get_settings
from baogong.db import default_engine, session_factory
from baogong.delivery import api as delivery_api
from baogong.delivery import ui as delivery_ui
from baogong.demand import api as demand_api
from baogong.ledger import admin_api as ledger_admin_api
from baogong.ledger import api as ledger_api
from baogong.ledger import ui as ledger_ui
from baogong.ledger import ui_import as ledger_import_ui
from baogong.ledger import ui_stock as ledger_stock_ui
from baogong.planning import api as planning_api
from baogong.regions import api as regions_api
from baogong.web import errors
from baogong.web.events import EventBus
from baogong.web.headers import LanguageAndHeaders
from baogong.web.jobs import Job, JobRunner
from baogong.web.principals import TokenCache
from baogong.web.ratelimit import RateLimiter
from baogong.workforce import api as workforce_api
from baogong.workforce import ui as workforce_ui

log = logging.getLogger("baogong.web")
HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"
API = "/api/v1"

CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; "
       "base-uri 'self'; form-action 'self'")


def vendor_dir() -> Path:
    """Where the npm libraries are served from: static/vendor (copied at set-up), else the
    repository's node_modules (a development checkout)."""
    copied = STATIC / "vendor"
    if (copied / "leaflet" / "dist" / "leaflet.js").exists():
        return copied
    return HERE.parent.parent / "node_modules"


def make_templates() -> Jinja2Templates:
    """Jinja2 with the i18n extension bound to baogong's catalogue."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(),
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True)
    env.globals["current_lang"] = i18n.current_lang
    display.install(env)
    return Jinja2Templates(env=env)


def _drop_shadowed(routers: list[APIRouter]) -> None:
    """Remove routes that an earlier router's route of the same method and path shadows.

    Requests always reach the first one; keeping the others would only put their (different)
    schemas into the OpenAPI document. Each one dropped is logged.
    """
    seen: set[tuple[str, str]] = set()
    for router in routers:
        keep = []
        for route in router.routes:
            methods = sorted(getattr(route, "methods", None) or ())
            keys = {(m, getattr(route, "path", "")) for m in methods}
            if keys and keys <= seen:
                log.warning("route %s %s is shadowed by an earlier one and is not served",
                            ",".join(methods), getattr(route, "path", ""))
                continue
            seen |= keys
            keep.append(route)
        router.routes[:] = keep


def create_app(engine: Engine | None = None, *, tile_url: str | None = None,
               login_limit: int = 10, watch_s: float = 3.0,
               hsts_seconds: int | None = None) -> FastAPI:
    """The web application on an engine (BAOGONG_DATABASE_URL by default); HSTS as
    BAOGONG_HSTS_SECONDS says unless given."""
    app = FastAPI(
        title="baogong 保供 API", version="1", openapi_url=f"{API}/openapi.json",
        docs_url=None, redoc_url=None,  # Swagger UI would load from a CDN: offline by design
        description="Emergency supply command platform. Sign in with POST /api/v1/auth/token "
                    "and send the token as `Authorization: Bearer ...`.",
        lifespan=watch.lifespan(watch_s),
    )
    eng = engine or default_engine()
    bus = EventBus(Audience())
    app.state.engine = eng
    app.state.factory = session_factory(eng)
    app.state.bus = bus
    app.state.limiter = RateLimiter(limit=login_limit, window_s=60)
    app.state.bearer_cache = TokenCache[Principal](ttl_s=10.0)
    app.state.templates = make_templates()
    app.state.tile_url = tile_url
    csp = CSP
    if tile_url:  # let the configured tile server's images in, nothing else
        parts = urlsplit(tile_url.replace("{s}", "a"))
        csp = CSP.replace("img-src 'self'", f"img-src 'self' {parts.scheme}://{parts.netloc}")

    def on_job(job: Job) -> None:
        bus.publish("job", id=job.id, state=job.state, step=job.step, done=job.done,
                    total=job.total)
        if job.state == "done":
            bus.publish("plan", plan_id=job.result.get("plan_id"))

    app.state.jobs = JobRunner(on_change=on_job)
    errors.install(app)

    api = APIRouter(prefix=API, responses=errors.ERROR_RESPONSES)
    # Order intake is the busiest route: its router goes first, as routes match in order.
    routers = [m.router for m in (demand_api, auth_api, regions_api, ledger_api, planning_api,
                                  delivery_api, workforce_api, ledger_admin_api, command_api)]
    _drop_shadowed(routers)
    for router in routers:
        api.include_router(router)
    app.include_router(api)
    for module in (auth_ui, command_ui, command_phone, ledger_ui, ledger_import_ui,
                   ledger_stock_ui, delivery_ui, workforce_ui, command_audit):
        app.include_router(module.router)
    app.mount("/static/vendor", StaticFiles(directory=str(vendor_dir())), name="vendor")
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    if hsts_seconds is None:
        hsts_seconds = get_settings().hsts_seconds
    app.add_middleware(LanguageAndHeaders, csp=csp, hsts_seconds=hsts_seconds)
    return app
