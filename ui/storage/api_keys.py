"""API keys of the OpenAI-compatible API (``/v1/chat/completions``), each scoped to one bot.

A key (``hd-…``) is a secret shown once, when it is made: only its SHA-256 is kept, with its first
characters (``prefix``) so that people can tell keys apart in lists. Not to be confused with the
widget's public site keys (``site_keys.py``) or the admin API key (a setting).

    >>> keys = ApiKeys(engine)
    >>> made = keys.create("CRM integration", bot="default")   # {"id", "key", "prefix", ...}
    >>> keys.check(made["key"])["bot"]
    'default'
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from typing import Any

from sqlalchemy import Engine, insert, select, update

from knowledge.errors import InputError, NotFound

from ._time import iso
from .schema import api_keys

__all__ = ["ApiKeys", "BadApiKey", "KEY_PREFIX"]

KEY_PREFIX = "hd-"
_BOT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_TOUCH_EVERY_S = 60  # last_used_at is written at most once a minute per key


class BadApiKey(InputError):
    """A missing, unknown or revoked API key (401)."""


class ApiKeys:
    """Create, list and revoke API keys; find the key a request presents."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def create(self, name: str, bot: str, known: list[str] | None = None) -> dict[str, Any]:
        """A new key for ``bot`` (one of ``known``, when given); the returned ``key`` is the only time
        the secret is shown."""
        name = (name or "").strip() if isinstance(name, str) else ""
        if not name or len(name) > 200:
            raise InputError("an API key needs a name of 1-200 characters (e.g. the integration using it)")
        if not isinstance(bot, str) or not _BOT.match(bot):
            raise InputError("the bot name must be 1-64 letters, digits, '.', '_' or '-'")
        if known is not None and bot not in known:
            raise InputError(f"there is no bot {bot!r}: the bots are {', '.join(known)}")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        row = {"id": "ak_" + secrets.token_hex(6), "name": name, "bot": bot, "prefix": key[:10],
               "key_hash": _hash(key), "created_at": time.time(), "last_used_at": None, "revoked_at": None}
        with self.engine.begin() as conn:
            conn.execute(insert(api_keys).values(**row))
        return {**_public(row), "key": key}

    def list(self, include_revoked: bool = False) -> list[dict[str, Any]]:
        """Keys, newest first (revoked ones only when asked); never the secret."""
        query = select(api_keys).order_by(api_keys.c.created_at.desc())
        if not include_revoked:
            query = query.where(api_keys.c.revoked_at.is_(None))
        with self.engine.connect() as conn:
            return [_public(dict(r)) for r in conn.execute(query).mappings()]

    def revoke(self, key_id: str) -> dict[str, Any]:
        """Revoke a key: requests with it are refused at once, on every replica."""
        with self.engine.begin() as conn:
            done = conn.execute(update(api_keys).where(api_keys.c.id == (key_id or "").strip())
                                .where(api_keys.c.revoked_at.is_(None))
                                .values(revoked_at=time.time())).rowcount
            row = conn.execute(select(api_keys).where(api_keys.c.id == (key_id or "").strip())).mappings().first()
        if not done:
            raise NotFound(f"no active API key {key_id!r}")
        return _public(dict(row))

    def check(self, key: str | None) -> dict[str, Any]:
        """The active key ``key`` is (its public fields), recording its use; BadApiKey otherwise."""
        if not key:
            raise BadApiKey("an API key is required: send Authorization: Bearer hd-… (helpdesk keys add NAME)")
        with self.engine.connect() as conn:
            row = conn.execute(select(api_keys).where(api_keys.c.key_hash == _hash(key))).mappings().first()
        if row is None:
            raise BadApiKey("invalid API key: make one with `helpdesk keys add NAME` or in the console")
        if row["revoked_at"] is not None:
            raise BadApiKey("this API key was revoked: make a new one")
        now = time.time()
        if (row["last_used_at"] or 0) < now - _TOUCH_EVERY_S:
            with self.engine.begin() as conn:
                conn.execute(update(api_keys).where(api_keys.c.id == row["id"]).values(last_used_at=now))
            row = {**row, "last_used_at": now}
        return _public(dict(row))


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "bot": row["bot"], "prefix": row["prefix"],
            "created_at": iso(row["created_at"]), "last_used_at": iso(row["last_used_at"]),
            "revoked_at": iso(row["revoked_at"])}
