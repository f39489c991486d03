"""`workingup serve`: the web application, with the demo sign-in only on a loopback address."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from workingup.commands.errors import friendly_errors
from workingup.commands.options import DatabaseOption, open_database
from workingup.commands.setup import print_demo_login
from workingup.config import Settings

console = Console(soft_wrap=True)


def is_loopback(host: str) -> bool:
    """Whether an address to listen on reaches only this machine (the demo sign-in is allowed only then)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@friendly_errors
def serve(
    database: DatabaseOption = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (WORKINGUP_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (WORKINGUP_PORT).")] = None,
) -> None:
    """Serve the web application."""
    import uvicorn

    from workingup.services.accounts import has_demo_facilitator
    from workingup.web.app import create_app

    settings = Settings.from_env()
    db = open_database(database)  # kept open while the server runs
    listen = host or settings.host
    loopback = is_loopback(listen)
    with db.sessions() as session:
        if has_demo_facilitator(session):
            print_demo_login(enabled=loopback)
    console.print(f"Serving Working Up at http://{listen}:{port or settings.port}")
    # uvicorn picks uvloop and httptools when installed (they are dependencies): several times cheaper per
    # request than asyncio's default loop and the pure-Python HTTP parser.
    uvicorn.run(
        # The background analysis runs in a child process at a lower priority: in a thread here, its Python
        # would hold the GIL the event loop needs to answer votes.
        create_app(db, settings, allow_demo_login=loopback, analysis_process=True),
        host=listen,
        port=port or settings.port,
        log_level="info",
        access_log=settings.access_log,
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,
    )
