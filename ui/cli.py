"""The full ``helpdesk`` command: bot's commands plus ``serve``, which needs the ui layer.

It lives here so that imports keep flowing ui -> bot -> knowledge: ``bot.cli`` knows nothing of
the web server or its database, and this module adds the ``serve`` command to bot's command group
and keeps the sessions of ``ask --session``, ``chat`` and ``eval`` in the server's database.
"""

from __future__ import annotations

import click

from bot.cli import _errors
from bot.cli import main as commands
from knowledge.errors import MissingExtra

__all__ = ["main"]


def main(args: list[str] | None = None) -> None:
    """Run the ``helpdesk`` command."""
    commands.main(args, obj={"conversations": _conversations})


def _conversations(settings):
    """The server's conversation store, so a session continues across runs and on the server."""
    from .storage import Storage

    return Storage.from_settings(settings).conversations


@commands.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535))
@click.option("--reset-admin-password", is_flag=True,
              help="Generate and print a new admin console password (when HELPDESK_ADMIN_PASSWORD is unset).")
@click.pass_context
@_errors
def serve(ctx, host: str, port: int, reset_admin_password: bool) -> None:
    """Web chat at /, admin console at /admin, HTTP API under /api/v1."""
    import importlib.util

    for package in ("fastapi", "uvicorn", "gradio", "multipart"):
        if importlib.util.find_spec(package) is None:
            raise MissingExtra(package, "server", "helpdesk serve")
    from .server import serve as run

    run(ctx.obj["settings"], host, port, reset_admin_password=reset_admin_password)


if __name__ == "__main__":
    main()
