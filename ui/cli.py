"""The full ``helpdesk`` command: bot's commands plus ``serve``, which needs the ui layer.

It lives here so that imports keep flowing ui -> bot -> knowledge: ``bot.cli`` knows nothing of
the web server or its database, and this module adds the ``serve`` command to bot's command group
and keeps the sessions of ``ask --session``, ``chat`` and ``eval`` in the server's database.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.cli import _errors
from bot.cli import main as commands
from knowledge.errors import MissingExtra

from .cli_bots import bot_profile, bots
from .cli_keys import keys
from .cli_sources import sources, sync
from .cli_users import users

__all__ = ["main"]


def main(args: list[str] | None = None) -> None:
    """Run the ``helpdesk`` command."""
    commands.main(args, obj={"conversations": _conversations, "bot_profile": bot_profile})


commands.add_command(sources)
commands.add_command(sync)
commands.add_command(keys)
commands.add_command(users)
commands.add_command(bots)


def _conversations(settings, bot: str | None = None):
    """The server's conversation store, so a session continues across runs and on the server; new
    sessions are ``bot``'s (the default bot's when None)."""
    from .storage import Storage

    conversations = Storage.from_settings(settings).conversations
    return conversations.of_bot(bot) if bot else conversations


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


@commands.command()
@click.option("--from", "start", default=None, metavar="YYYY-MM-DD", help="First day (UTC) of conversations started.")
@click.option("--to", "end", default=None, metavar="YYYY-MM-DD", help="Last day (UTC), included.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True,
              help="jsonl: one conversation a line; csv: one turn a row.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@click.pass_context
@_errors
def export(ctx, start: str | None, end: str | None, fmt: str, output: Path | None) -> None:
    """Every conversation with its turns, sources, feedback and hand-offs (streamed, any size)."""
    from .storage import Storage
    from .storage.export import period

    lo, hi = period(start, end)
    storage = Storage.from_settings(ctx.obj["settings"])
    try:
        lines = storage.export.jsonl(lo, hi) if fmt == "jsonl" else storage.export.csv(lo, hi)
        handle = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            n = 0
            for n, line in enumerate(lines, 1):
                handle.write(line)
            handle.flush()
        finally:
            if output:
                handle.close()
    finally:
        storage.close()
    count = n - 1 if fmt == "csv" else n
    click.echo(f"exported {count} {'turns' if fmt == 'csv' else 'conversations'}"
               + (f" to {output}" if output else ""), err=True)


if __name__ == "__main__":
    main()
