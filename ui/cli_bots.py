"""``helpdesk bots add | list | remove``: the bots of an install, kept in the server's database, and
what ``--bot NAME`` on the knowledge and answer commands resolves to. They join bot's command group
from ``ui/cli.py``, like ``cli_keys.py``."""

from __future__ import annotations

import json

import click

from bot.cli import _emit, _errors, json_option
from knowledge.errors import InputError, NotFound

__all__ = ["bots", "bot_profile"]


def _bots(ctx: click.Context):
    from .bots import Bots
    from .storage import Storage

    storage = Storage.from_settings(ctx.obj["settings"])
    ctx.call_on_close(storage.close)
    return Bots(ctx.obj["settings"], storage)


def bot_profile(settings, name: str):
    """(settings, knowledge base name, persona) of bot ``name`` for ``--bot``: the default bot is the
    settings as they are; InputError for a bot that does not exist."""
    from bot.persona import Persona

    from .bots import Bots, bot_settings
    from .storage import DEFAULT_BOT, Storage

    storage = Storage.from_settings(settings)
    try:
        try:
            stored = Bots(settings, storage).resolve(name)
        except NotFound as exc:
            raise InputError(f"{exc} (helpdesk bots list)") from None
        if stored == DEFAULT_BOT:
            return settings, None, None
        row = storage.bots.get(stored)
        return bot_settings(settings, row["model"]), stored, Persona.from_dict(row["display_name"], row["persona"])
    finally:
        storage.close()


def _json_arg(value: str | None, what: str) -> dict:
    if not value:
        return {}
    try:
        data = json.loads(value)
    except ValueError as exc:
        raise InputError(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{what} is a JSON object")
    return data


@click.group()
def bots() -> None:
    """Several bots in one install: each with its knowledge base, persona and model settings."""


@bots.command("add")
@click.argument("name")
@click.option("--display-name", default="", help="The name customers see (default: NAME).")
@click.option("--persona", default=None, metavar="JSON",
              help='{"tone": "...", "texts": {"en": {"greeting": "...", "refusal": "...", "handoff": "..."}}}')
@click.option("--model", default=None, metavar="JSON", help='Settings overrides, e.g. {"model": "qwen2.5-1.5b"}.')
@json_option
@click.pass_context
@_errors
def add(ctx, name: str, display_name: str, persona: str | None, model: str | None, as_json: bool) -> None:
    """Add a bot; fill its knowledge base with `helpdesk ingest --bot NAME PATH`."""
    made = _bots(ctx).add(name, display_name, _json_arg(persona, "--persona"), _json_arg(model, "--model"))
    if as_json:
        _emit(made)
        return
    click.echo(f"bot {made['name']!r} added ({made['display_name']}): "
               f"helpdesk ingest --bot {made['name']} PATH fills its knowledge base")


@bots.command("list")
@json_option
@click.pass_context
@_errors
def list_(ctx, as_json: bool) -> None:
    """The bots, the default first."""
    registry = _bots(ctx)
    rows = [{"name": ctx.obj["settings"].bot_name, "display_name": "", "default": True}]
    rows += [{**b, "default": False} for b in registry.store.list()]
    if as_json:
        _emit({"bots": rows})
        return
    for b in rows:
        click.echo(f"{b['name']}\t{'(default)' if b['default'] else b['display_name']}")


@bots.command("remove")
@click.argument("name")
@click.option("--delete-knowledge", is_flag=True, help="Also delete its knowledge base's documents.")
@click.pass_context
@_errors
def remove(ctx, name: str, delete_knowledge: bool) -> None:
    """Remove a bot (refused while its knowledge base holds documents, unless --delete-knowledge)."""
    try:
        gone = _bots(ctx).remove(name, delete_knowledge)
    except NotFound as exc:
        raise InputError(str(exc)) from None
    click.echo(f"bot {gone['name']!r} removed ({gone['documents_deleted']} documents deleted)")
