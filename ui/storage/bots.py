"""The bots of an install: each a name (also its knowledge base's), a display name, a persona and
model settings. The default bot is not a row: it is the install as it was before there were several.

    >>> store = BotStore(engine)
    >>> store.add("acme", display_name="Acme help")["name"]
    'acme'
"""

from __future__ import annotations

import re
import time
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from knowledge.errors import InputError, NotFound

from ._time import iso
from .schema import DEFAULT_BOT, bots

__all__ = ["BotStore", "check_bot_name", "DEFAULT_BOT"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def check_bot_name(name: Any) -> str:
    """``name`` when it is a bot name (1-40 lower-case letters, digits, '-' or '_'), else InputError."""
    if not isinstance(name, str) or not _NAME.match(name):
        shown = repr(name[:40]) if isinstance(name, str) else type(name).__name__
        raise InputError(f"invalid bot name {shown}: use 1-40 lower-case letters, digits, '-' or '_', "
                         "starting with a letter or digit")
    return name


class BotStore:
    """Add, list, read and remove bots (rows of the ``bots`` table)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, name: str, *, display_name: str = "", persona: dict[str, Any] | None = None,
            model: dict[str, Any] | None = None) -> dict[str, Any]:
        """A new bot; InputError for a bad or taken name (``default`` is the install's own bot)."""
        check_bot_name(name)
        if name == DEFAULT_BOT:
            raise InputError(f"{DEFAULT_BOT!r} is the install's own bot: choose another name")
        display_name = (display_name or name).strip()
        if not display_name or len(display_name) > 200:
            raise InputError("a bot's display name is 1-200 characters")
        row = {"name": name, "display_name": display_name, "persona": persona or {}, "model": model or {},
               "created_at": time.time()}
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(bots).values(**row))
        except IntegrityError:
            raise InputError(f"there is already a bot {name!r}") from None
        return _public(row)

    def get(self, name: str) -> dict[str, Any] | None:
        """The bot ``name``, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(bots).where(bots.c.name == name)).mappings().first()
        return _public(dict(row)) if row else None

    def list(self) -> list[dict[str, Any]]:
        """Every bot, by name."""
        with self.engine.connect() as conn:
            return [_public(dict(r)) for r in conn.execute(select(bots).order_by(bots.c.name)).mappings()]

    def remove(self, name: str) -> None:
        """Forget the bot ``name`` (its conversations stay, marked with its name)."""
        with self.engine.begin() as conn:
            if not conn.execute(delete(bots).where(bots.c.name == name)).rowcount:
                raise NotFound(f"no bot {name[:40]!r}")


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {"name": row["name"], "display_name": row["display_name"], "persona": row["persona"] or {},
            "model": row["model"] or {}, "created_at": iso(row["created_at"])}
