"""Admin credentials: the console password (from settings, or generated once and kept hashed)
and the bearer key of the admin API. Comparisons take constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

__all__ = ["AdminAuth", "hash_password", "verify_password"]

_SECRET = "admin_password"
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    """A salted scrypt hash, self-describing: ``scrypt$n$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


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


class AdminAuth:
    """Checks the admin console login and the admin API key."""

    def __init__(self, records, *, user: str = "admin", password: str | None = None,
                 api_key: str | None = None):
        self.records, self.user = records, user
        self._password, self._api_key = password, api_key

    def ensure_password(self, *, reset: bool = False) -> str | None:
        """Make sure a console password exists; return it only when it was generated just now."""
        if self._password:
            return None
        if not reset and self.records.secret(_SECRET):
            return None
        password = secrets.token_urlsafe(12)
        stored = self.records.put_secret(_SECRET, hash_password(password), replace=reset)
        return password if stored else None

    def login(self, user: str, password: str) -> bool:
        """Gradio's login check for the admin console."""
        ok_user = hmac.compare_digest((user or "").strip().encode(), self.user.encode())
        if self._password:
            ok = hmac.compare_digest((password or "").encode(), self._password.encode())
        else:
            stored = self.records.secret(_SECRET)
            ok = bool(stored) and verify_password(password or "", stored)
        if not (ok and ok_user):
            time.sleep(0.5)  # slows down guessing
            return False
        return True

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
