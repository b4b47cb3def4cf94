"""`baogong serve`: migrate the database and serve the web application (create_app)."""

from __future__ import annotations

from typing import Annotated

import typer

from baogong import migrate
from baogong.auth.commands import show_demo_users
from baogong.config import get_settings
from baogong.console import console
from baogong.db import default_engine
from baogong.i18n import _


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    demo_users: Annotated[bool, typer.Option(
        "--demo-users", help="Create the demo accounts first and print their logins.")] = False,
    tile_url: Annotated[str | None, typer.Option(
        help="Map tile URL template ({z}/{x}/{y}); default none: our own outline only.",
        envvar="BAOGONG_TILE_URL")] = None,
) -> None:
    """Serve the web pages and the API (http://HOST:PORT, API under /api/v1)."""
    # loaded on use, so that the other commands start without the web stack
    import uvicorn

    from baogong.app import create_app
    from baogong.web.server import uvicorn_options

    engine = default_engine()
    migrate.upgrade(engine)
    if demo_users:
        show_demo_users()
    console.print(_("Serving on http://{host}:{port}/ (Ctrl+C to stop)").format(
        host=host, port=port))
    uvicorn.run(create_app(engine, tile_url=tile_url), host=host, port=port, log_level="warning",
                timeout_graceful_shutdown=3, **uvicorn_options(get_settings()))


def register(app: typer.Typer) -> None:
    """Add `serve` to the main app."""
    app.command("serve")(serve)
