"""Staff accounts: name, role, password hash, language, the personal API token's SHA-256, when
the account last signed in to the console, and whether it is disabled.

The store keeps what it is given: passwords arrive hashed (``ui/auth.py``), tokens as their
SHA-256, so nothing here can reveal a secret. ``ui/staff.py`` makes the secrets and checks them.
"""

from __future__ import annotations

import re
import time
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from knowledge.errors import InputError, NotFound

from ._time import iso
from .schema import staff_users

__all__ = ["StaffUsers", "ROLES", "LANGUAGES", "check_name"]

ROLES = ("admin", "agent")
LANGUAGES = ("", "en", "zh")  # "": the browser's language
_NAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")


def check_name(name: Any) -> str:
    """A user name as stored (trimmed, lower case), or InputError saying what a name may hold."""
    clean = (name if isinstance(name, str) else "").strip().lower()
    if not _NAME.fullmatch(clean):
        raise InputError(f"invalid user name {str(name)[:80]!r}: use 1-64 letters a-z, digits and . _ @ -, "
                         "starting with a letter or digit")
    return clean


def _check_role(role: Any) -> str:
    if role not in ROLES:
        raise InputError(f"unknown role {str(role)[:40]!r}: use admin or agent")
    return role


class StaffUsers:
    """Add, list, change and remove staff accounts."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, name: str, role: str, password_hash: str, bots: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
        """A new account (limited to ``bots``, checked stored names; empty: every bot); InputError
        when the name is taken or invalid, or the role unknown."""
        row = {"name": check_name(name), "role": _check_role(role), "password_hash": password_hash,
               "language": "", "token_sha256": None, "signed_in_at": None, "created_at": time.time(),
               "disabled": False, "bots": sorted(set(bots))}
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(staff_users).values(**row))
        except IntegrityError as exc:
            raise InputError(f"a user named {row['name']!r} exists already") from exc
        return _public(row)

    def get(self, name: str) -> dict[str, Any] | None:
        """The account ``name`` with its password hash (for the login check), or None."""
        try:
            name = check_name(name)
        except InputError:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(staff_users).where(staff_users.c.name == name)).mappings().first()
        return dict(row) if row else None

    def list(self) -> list[dict[str, Any]]:
        """Every account, by name, without secrets."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(staff_users).order_by(staff_users.c.name)).mappings()
            return [_public(dict(r)) for r in rows]

    def by_token(self, sha256: str) -> dict[str, Any] | None:
        """The enabled account whose personal token has this SHA-256, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(staff_users).where(staff_users.c.token_sha256 == sha256)
                               .where(staff_users.c.disabled.is_(False))).mappings().first()
        return _public(dict(row)) if row else None

    def remove(self, name: str) -> None:
        """Delete an account: its token and console sessions stop working at once."""
        self._change(name, None)

    def set_password(self, name: str, password_hash: str) -> None:
        """Replace the password hash (console sessions signed in before stay until they expire)."""
        self._change(name, {"password_hash": password_hash})

    def set_token(self, name: str, sha256: str | None) -> None:
        """Replace the personal token (None revokes it): the old one stops working at once."""
        self._change(name, {"token_sha256": sha256})

    def set_language(self, name: str, language: str) -> None:
        """The console language: "en", "zh", or "" for the browser's."""
        if language not in LANGUAGES:
            raise InputError(f"unknown language {str(language)[:20]!r}: use en, zh, or empty for the browser's")
        self._change(name, {"language": language})

    def set_bots(self, name: str, bots: list[str] | tuple[str, ...]) -> None:
        """Limit the account to ``bots`` (checked stored names; empty: every bot)."""
        self._change(name, {"bots": sorted(set(bots))})

    def set_disabled(self, name: str, disabled: bool) -> None:
        """Disable (no sign-in, no token) or enable an account."""
        self._change(name, {"disabled": bool(disabled)})

    def signed_in(self, name: str) -> None:
        """Note a console sign-in now."""
        with self.engine.begin() as conn:
            conn.execute(update(staff_users).where(staff_users.c.name == name).values(signed_in_at=time.time()))

    def _change(self, name: str, values: dict[str, Any] | None) -> None:
        name = check_name(name)
        where = staff_users.c.name == name
        with self.engine.begin() as conn:
            done = conn.execute(delete(staff_users).where(where) if values is None
                                else update(staff_users).where(where).values(**values)).rowcount
        if not done:
            raise NotFound(f"no user {name!r}")


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {"name": row["name"], "role": row["role"], "language": row["language"] or "",
            "has_token": bool(row["token_sha256"]), "disabled": bool(row["disabled"]),
            "created_at": iso(row["created_at"]), "signed_in_at": iso(row["signed_in_at"]),
            "bots": list(row.get("bots") or [])}
