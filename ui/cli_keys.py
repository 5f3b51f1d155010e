"""``helpdesk keys add|list|revoke``: API keys of the OpenAI-compatible API (``/v1``), in the
server's database. They join bot's command group from ``ui/cli.py``, like ``cli_sources.py``."""

from __future__ import annotations

import click

from bot.cli import _emit, _errors, json_option

__all__ = ["keys"]


def _store(ctx: click.Context):
    from .storage import Storage

    storage = Storage.from_settings(ctx.obj["settings"])
    ctx.call_on_close(storage.close)
    return storage


@click.group()
def keys() -> None:
    """API keys for /v1/chat/completions (the OpenAI-compatible API), each for one bot."""


@keys.command("add")
@click.argument("name")
@click.option("--bot", default=None, help="The bot (model name) the key may use; the default bot if unset.")
@json_option
@click.pass_context
@_errors
def add(ctx, name: str, bot: str | None, as_json: bool) -> None:
    """Make a key named NAME; the key is printed this once (only its hash is kept)."""
    from .openai_api import bot_names

    storage = _store(ctx)
    bots = bot_names(ctx.obj["settings"], storage.bots)
    made = storage.api_keys.create(name, bot or bots[0], bots)
    if as_json:
        _emit({"api_key": made})
        return
    click.echo(made["key"])
    click.echo(f"API key {made['id']} ({made['name']}) for bot {made['bot']!r}: copy it now, it is not shown "
               "again. Use it as the OpenAI API key with base URL http(s)://<server>/v1", err=True)


@keys.command("list")
@click.option("--all", "include_revoked", is_flag=True, help="Revoked keys too.")
@json_option
@click.pass_context
@_errors
def list_(ctx, include_revoked: bool, as_json: bool) -> None:
    """Keys with their bot, first characters, creation and last use (never the secret)."""
    items = _store(ctx).api_keys.list(include_revoked)
    if as_json:
        _emit({"api_keys": items})
        return
    if not items:
        click.echo("no API keys yet: make one with `helpdesk keys add NAME`", err=True)
    for k in items:
        state = f"revoked {k['revoked_at']}" if k["revoked_at"] else f"last used {k['last_used_at'] or 'never'}"
        click.echo(f"{k['id']}\t{k['name']}\tbot {k['bot']}\t{k['prefix']}…\tcreated {k['created_at']}\t{state}")


@keys.command("revoke")
@click.argument("key_id")
@click.pass_context
@_errors
def revoke(ctx, key_id: str) -> None:
    """Revoke the key with id KEY_ID (ak_…): requests with it are refused from now on."""
    gone = _store(ctx).api_keys.revoke(key_id)
    click.echo(f"revoked API key {gone['id']} ({gone['name']})")
