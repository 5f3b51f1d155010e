"""Staff credentials: the bootstrap admin's console password (from settings, or generated once and
kept hashed) and admin API key, and the staff accounts' passwords (``ui/storage/users.py``).
Comparisons take constant time; an unknown name costs as much as a known one.

Guessing the console password is slowed per client address and for the account, in the shared
database (so every replica sees the same count): after a few failed logins each further attempt
waits out a back-off that doubles, and is refused with 429 meanwhile, without checking the
password. The check itself runs on a worker thread, so a crowd of wrong logins never stalls the
event loop that serves chat, API and health, and one check runs at a time, so a crowd of them
takes one core at most from the answers.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import math
import secrets
import threading
from contextvars import ContextVar

import anyio
from fastapi import HTTPException

__all__ = ["AdminAuth", "LoginClient", "hash_password", "verify_password", "login_client", "MAX_PASSWORD"]

_login_client: ContextVar[str] = ContextVar("login_client", default="unknown")
_one_hash_at_a_time = threading.Lock()  # scrypt is made to be costly: a login flood gets one core

_SECRET = "admin_password"
_N, _R, _P = 2**14, 8, 1
MAX_PASSWORD = 1024  # characters: a longer one is refused before it is hashed


def hash_password(password: str) -> str:
    """A salted scrypt hash, self-describing: ``scrypt$n$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


@functools.cache
def _decoy() -> str:
    """A hash to check unknown names against, so that they take as long as known ones."""
    return hash_password(secrets.token_urlsafe(12))


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by :func:`hash_password`."""
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def login_client() -> str:
    """The address of the client whose console login is being checked (see :class:`LoginClient`)."""
    return _login_client.get()


class AdminAuth:
    """Checks console logins (the bootstrap admin and staff accounts) and the admin API key."""

    def __init__(self, stored_secrets, logins, *, users=None, user: str = "admin", password: str | None = None,
                 api_key: str | None = None, free_attempts: int = 5, backoff_s: float = 1.0,
                 backoff_max_s: float = 900.0):
        self.secrets, self.logins, self.users, self.user = stored_secrets, logins, users, user
        self._password, self._api_key = password, api_key
        self.free_attempts, self.backoff_s, self.backoff_max_s = free_attempts, backoff_s, backoff_max_s

    def ensure_password(self, *, reset: bool = False) -> str | None:
        """Make sure a console password exists; return it only when it was generated just now."""
        if self._password:
            return None
        if not reset and self.secrets.get(_SECRET):
            return None
        password = secrets.token_urlsafe(12)
        stored = self.secrets.put(_SECRET, hash_password(password), replace=reset)
        return password if stored else None

    async def login(self, user: str, password: str) -> bool:
        """:meth:`check_login` on a worker thread, for the client :class:`LoginClient` saw."""
        return await anyio.to_thread.run_sync(self.check_login, user, password, _login_client.get())

    def is_bootstrap(self, user: str | None) -> bool:
        """Whether ``user`` names the bootstrap admin (``HELPDESK_SERVER__ADMIN_USER``)."""
        return hmac.compare_digest((user or "").strip().encode(), self.user.encode())

    def check_login(self, user: str, password: str, client: str) -> bool:
        """Whether ``user``/``password`` is right, for the bootstrap admin or a staff account;
        HTTPException 429 while ``client`` or the account must wait. Each attempt counts before
        the password is checked; a success forgets them."""
        name = (user or "").strip()
        bootstrap = self.is_bootstrap(name)
        keys = (f"addr:{client}"[:200], f"account:{self.user if bootstrap else name.lower()}"[:200])
        free = (self.free_attempts, self.free_attempts * 4)  # many addresses share one account
        for key, n in zip(keys, free):
            wait = self.logins.attempt(key, n, self.backoff_s, self.backoff_max_s)
            if wait:
                seconds = math.ceil(wait)
                raise HTTPException(429, f"too many failed logins: try again in {seconds} s",
                                    headers={"Retry-After": str(seconds)})
        password = password or ""
        if len(password) > MAX_PASSWORD:
            return False
        if bootstrap and self._password:
            ok = hmac.compare_digest(password.encode(), self._password.encode())
        elif bootstrap:
            stored = self.secrets.get(_SECRET)
            with _one_hash_at_a_time:
                ok = bool(stored) and verify_password(password, stored)
        else:
            account = self.users.get(name) if self.users is not None else None
            usable = account is not None and not account["disabled"]
            with _one_hash_at_a_time:
                ok = verify_password(password, account["password_hash"] if usable else _decoy()) and usable
        if ok:
            self.logins.succeeded(*keys)
            return True
        return False

    @property
    def api_enabled(self) -> bool:
        """Whether an admin API key is configured (without one the admin API is off)."""
        return bool(self._api_key)

    def api_key_ok(self, authorization: str | None) -> bool:
        """Whether an ``Authorization`` header carries the admin API key as a bearer token."""
        if not self._api_key or not authorization:
            return False
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(token.strip().encode(), self._api_key.encode())


class LoginClient:
    """ASGI middleware that tells the login check the client's address (Gradio passes it only the
    user name and password) through a context variable, for ``POST <path>``."""

    def __init__(self, app, path: str = "/admin/login"):
        self.app, self.path = app, path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].rstrip("/") != self.path:
            return await self.app(scope, receive, send)
        token = _login_client.set(scope["client"][0] if scope.get("client") else "unknown")
        try:
            await self.app(scope, receive, send)
        finally:
            _login_client.reset(token)
