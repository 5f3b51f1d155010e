"""Staff accounts: who may use the console and the staff API, in which role, and for how long.

``admin`` does everything; ``agent`` sees the inbox and conversations, replies, and may add an
FAQ entry from a reply, but changes no knowledge, site keys or users. The bootstrap admin
(``HELPDESK_SERVER__ADMIN_USER`` with ``HELPDESK_ADMIN_PASSWORD`` or the generated password, and
``HELPDESK_ADMIN_API_KEY`` for the API) always exists, so a fresh server can be set up.

Secrets are shown once and kept only as hashes: passwords as scrypt (``ui/auth.py``), personal API
tokens as SHA-256 (a token is 32 random bytes, so a fast hash is enough and a lookup by it is one
indexed query). Every change is written to the audit log.

    >>> staff = StaffAccounts(storage.users, auth, storage.audit, session_s=12 * 3600)
    >>> account, password = staff.add("ana", "agent", actor="admin")   # password generated, shown once
    >>> token = staff.issue_token("ana", actor="admin")                # "hds_…", shown once
    >>> staff.for_token(token)
    Staff(name='ana', role='agent', bots=())
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal

import anyio

from knowledge.errors import InputError

from .auth import MAX_PASSWORD, hash_password, login_client
from .storage.users import check_name

__all__ = ["Staff", "StaffAccounts", "ConsoleSessions", "MIN_PASSWORD", "TOKEN_PREFIX"]

MIN_PASSWORD = 10
TOKEN_PREFIX = "hds_"


@dataclass(frozen=True)
class Staff:
    """Who a staff request acts for: ``admin`` does everything, ``agent`` answers conversations."""

    name: str
    role: Literal["admin", "agent"]
    bots: tuple[str, ...] = ()  # the bots (stored names) this member works for; empty: every bot

    def sees(self, bot: str) -> bool:
        """Whether this member may see and answer the conversations of ``bot`` (a stored name)."""
        return not self.bots or bot in self.bots


def _check_password(password: Any) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InputError(f"a password needs {MIN_PASSWORD}-{MAX_PASSWORD} characters")
    if any(ord(c) < 32 for c in password):
        raise InputError("a password may not hold control characters (a line break, a tab)")
    return password


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StaffAccounts:
    """Add, remove and change staff accounts; check personal tokens and console roles."""

    def __init__(self, users, auth, audit, *, session_s: float, bots=None):
        self.users, self.auth, self.audit, self.session_s = users, auth, audit, session_s
        self.bots = bots  # ui/bots.py's Bots: checks the names an account is limited to

    def check_bots(self, names: Any) -> list[str]:
        """The stored names of the bots ``names`` lists (empty: every bot); InputError naming every
        unknown one."""
        if names is None:
            return []
        if isinstance(names, str):
            names = [n for n in names.split(",") if n.strip()]
        if not isinstance(names, (list, tuple)) or len(names) > 200:
            raise InputError("bots is a list of at most 200 bot names (empty: every bot)")
        known, unknown = [], []
        for name in names:
            clean = name.strip() if isinstance(name, str) else name
            try:
                known.append(self.bots.resolve(clean))
            except InputError:  # NotFound for any unknown or malformed name
                unknown.append(str(clean)[:40])
        if unknown:
            raise InputError(f"unknown bots: {', '.join(repr(u) for u in unknown[:10])} (GET /api/v1/bots lists them)")
        return sorted(set(known))

    # -- accounts ----------------------------------------------------------------------------

    def add(self, name: str, role: str, password: str | None = None, *, actor: str,
            bots: Any = None) -> tuple[dict, str | None]:
        """A new account, limited to ``bots`` when given (names; empty: every bot); returns it and
        the generated password (None when ``password`` was given)."""
        name = self._new_name(name)
        limited = self.check_bots(bots)
        generated = None if password is not None else secrets.token_urlsafe(12)
        account = self.users.add(name, role, hash_password(_check_password(password or generated)), limited)
        self.audit.record(actor, "user.add", name, {"role": account["role"], "bots": limited})
        return account, generated

    def reset_password(self, name: str, password: str | None = None, *, actor: str) -> str | None:
        """Set a new password; returns it when generated (None when ``password`` was given)."""
        generated = None if password is not None else secrets.token_urlsafe(12)
        self.users.set_password(name, hash_password(_check_password(password or generated)))
        self.audit.record(actor, "user.password", check_name(name))
        return generated

    def remove(self, name: str, *, actor: str) -> None:
        """Delete an account: its token and console sessions stop working at once."""
        self.users.remove(name)
        self.audit.record(actor, "user.remove", check_name(name))

    def set_disabled(self, name: str, disabled: bool, *, actor: str) -> None:
        """Disable (no sign-in, token refused) or enable an account."""
        self.users.set_disabled(name, disabled)
        self.audit.record(actor, "user.disable" if disabled else "user.enable", check_name(name))

    def set_language(self, name: str, language: str, *, actor: str) -> None:
        """The account's console language: "en", "zh", or "" (the browser's)."""
        self.users.set_language(name, language)
        self.audit.record(actor, "user.language", check_name(name), {"language": language})

    def issue_token(self, name: str, *, actor: str) -> str:
        """A new personal API token for ``name`` (shown once; the previous one stops working)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.users.set_token(name, _sha256(token))
        self.audit.record(actor, "user.token", check_name(name))
        return token

    def _new_name(self, name: str) -> str:
        clean = check_name(name)
        if self.auth.is_bootstrap(clean):
            raise InputError(f"{clean!r} is the bootstrap admin's name (HELPDESK_SERVER__ADMIN_USER): choose another")
        return clean

    # -- who is asking -----------------------------------------------------------------------

    def for_token(self, token: str | None) -> Staff | None:
        """The staff member whose personal token this is (enabled accounts only), or None."""
        if not token or len(token) > 200 or not token.startswith(TOKEN_PREFIX):
            return None
        account = self.users.by_token(_sha256(token.strip()))
        return Staff(account["name"], account["role"], tuple(account["bots"])) if account else None

    def console(self, username: str | None) -> dict[str, Any] | None:
        """``{"name", "role", "language", "bots"}`` of a console user that may still use it, else None."""
        if not username:
            return None
        if self.auth.is_bootstrap(username):
            return {"name": self.auth.user, "role": "admin", "language": "", "bots": []}
        account = self.users.get(username)
        if account is None or account["disabled"]:
            return None
        return {"name": account["name"], "role": account["role"], "language": account["language"] or "",
                "bots": list(account.get("bots") or [])}

    def role(self, username: str | None) -> str | None:
        """``admin`` or ``agent`` for a console user that may still use it, else None."""
        account = self.console(username)
        return account["role"] if account else None

    async def login(self, user: str, password: str) -> bool:
        """Gradio's login check (on a worker thread): the audit log gets each sign-in and failure."""
        client = login_client()
        ok = await anyio.to_thread.run_sync(self.auth.check_login, user, password, client)
        name = (user or "").strip()[:64]
        if ok and not self.auth.is_bootstrap(name):
            self.users.signed_in(name.lower())
        self.audit.record(name.lower() if ok else "", "sign-in" if ok else "sign-in.failed", name,
                          {"client": client})
        return ok


class ConsoleSessions(dict):
    """Gradio's console sign-ins (token -> user name) that expire, and end at once for a removed or
    disabled account.

    Gradio keeps its login tokens in a dict on its app (``App.tokens``) and reads it with ``.get``
    on every request; this dict takes its place, notes when each token was made, and answers None
    for one older than ``session_s`` or whose account may no longer use the console, which Gradio
    treats as signed out. The tokens live in this process: behind several replicas the console
    needs sticky sessions (or a sign-in on each replica)."""

    def __init__(self, staff: StaffAccounts, session_s: float, *, max_sessions: int = 10_000):
        super().__init__()
        self.staff, self.session_s, self.max_sessions = staff, session_s, max_sessions
        self._made: dict[str, float] = {}

    def __setitem__(self, token: str, username: str) -> None:
        now = time.monotonic()
        for old in [t for t, at in self._made.items() if now - at > self.session_s]:
            self.pop(old, None)
        while len(self) >= self.max_sessions:  # a crowd of sign-ins: the oldest go first
            self.pop(min(self._made, key=self._made.get), None)
        super().__setitem__(token, username)
        self._made[token] = now

    def __delitem__(self, token: str) -> None:
        super().__delitem__(token)
        self._made.pop(token, None)

    def pop(self, token, *default):
        self._made.pop(token, None)
        return super().pop(token, *default)

    def get(self, token, default=None):
        """The signed-in user of ``token`` while its session lasts, else ``default``."""
        username = super().get(token)
        if username is None:
            return default
        if time.monotonic() - self._made.get(token, 0.0) > self.session_s or self.staff.console(username) is None:
            self.pop(token, None)
            return default
        return username

    def signed_in(self) -> list[str]:
        """The names with a live console session in this process."""
        return sorted({u for t in list(self) if (u := self.get(t)) is not None})
