"""Site keys of the embeddable widget, and the short-lived session tokens they are traded for.

A site key (``pk_…``) is public: it sits in the page's script tag. What makes it safe is that it
names the websites (origins) allowed to use it, that it can only chat, and that the admin can
revoke it. The widget trades it for a token that expires (an hour by default); every chat
request carries the token, not the key.

Tokens are signed, not stored: ``base64url(json).base64url(hmac)`` with a secret kept in the
shared database, so every replica checks a token minted by any other one, and nothing needs
sticky sessions.

A key may also carry an *identity secret* (``ids_…``), shown once when it is made or rotated and
never listed again: the website's backend signs its signed-in customer's id with it
(``user_hash`` = hex HMAC-SHA256 of the id), so the widget can say who the customer is without
anyone being able to claim another customer's id. Keys made before identity existed have none
until the admin rotates one in.

    >>> keys = SiteKeys(engine, Secrets(engine))
    >>> made = keys.create("Shop", ["https://shop.example.com"])   # {"id", "key", ...}
    >>> token, ttl = keys.mint(keys.find(made["key"]), session_id="abc", ttl_s=3600)
    >>> keys.verify(token)["session_id"]
    'abc'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, insert, select, update

from knowledge.errors import InputError, NotFound

from .schema import DEFAULT_BOT, site_keys
from .secrets import Secrets

__all__ = ["SiteKeys", "BadToken", "normalize_origin", "identity_hash"]

_SECRET = "widget_token_secret"


class BadToken(InputError):
    """A widget token that is malformed, forged or expired."""


def identity_hash(secret: str, user_id: str) -> str:
    """The ``user_hash`` a website's backend computes for ``user_id``: hex HMAC-SHA256 with the secret."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def normalize_origin(origin: str) -> str:
    """``scheme://host[:port]`` in lower case, or InputError naming what is wrong with it."""
    raw = (origin or "").strip()
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"invalid origin {raw!r}: write it as https://www.example.com (scheme and host)")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise InputError(f"invalid origin {raw!r}: an origin has no path, query or user (https://host[:port])")
    if "*" in raw:
        raise InputError(f"invalid origin {raw!r}: wildcards are not allowed, list each website")
    try:
        port = parts.port
    except ValueError as exc:
        raise InputError(f"invalid origin {raw!r}: bad port") from exc
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


class SiteKeys:
    """Create, list and revoke site keys; mint and check widget tokens."""

    def __init__(self, engine: Engine, secrets: Secrets):
        self.engine, self.secrets = engine, secrets
        self._origins: tuple[float, frozenset[str]] = (0.0, frozenset())
        self._secret: bytes | None = None

    # -- keys --------------------------------------------------------------------------------

    def create(self, name: str, origins: list[str], daily_budget: int | None = None,
               bot: str = DEFAULT_BOT) -> dict[str, Any]:
        """A new active key of ``bot`` for ``origins``; returns it with its public ``key`` and, this
        once, its ``identity_secret``."""
        name = (name or "").strip()
        if not name or len(name) > 200:
            raise InputError("a site key needs a name of 1-200 characters (e.g. the website's name)")
        if isinstance(origins, str):
            origins = origins.replace(",", " ").split()
        clean = sorted({normalize_origin(o) for o in origins or []})
        if not clean:
            raise InputError("a site key needs at least one allowed origin, e.g. https://www.example.com")
        if daily_budget is not None and daily_budget < 0:
            raise InputError("daily_budget must be 0 or more messages a day")
        row = {"id": "sk_" + secrets.token_hex(6), "name": name, "key": "pk_" + secrets.token_urlsafe(24),
               "origins": clean, "daily_budget": daily_budget, "created_at": time.time(), "revoked_at": None,
               "identity_secret": _new_secret(), "appearance": None, "bot": bot}
        with self.engine.begin() as conn:
            conn.execute(insert(site_keys).values(**row))
        self._origins = (0.0, frozenset())
        return {**_public(row), "identity_secret": row["identity_secret"]}

    def rotate_secret(self, key_id: str) -> dict[str, Any]:
        """A new identity secret for an active key (the old one stops verifying at once); returns
        ``{"id", "identity_secret"}``, the only time it is shown."""
        secret = _new_secret()
        self._set(key_id, identity_secret=secret)
        return {"id": key_id, "identity_secret": secret}

    def set_appearance(self, key_id: str, appearance: dict[str, Any]) -> None:
        """Store how the widget looks for an active key (checked by ui/widget_appearance.py first)."""
        self._set(key_id, appearance=appearance)

    def check_user(self, key: dict[str, Any], user_id: str, user_hash: str) -> bool:
        """Whether ``user_hash`` is the key's HMAC of ``user_id`` (compared in constant time); False
        for a key without an identity secret."""
        with self.engine.connect() as conn:
            secret = conn.execute(select(site_keys.c.identity_secret).where(site_keys.c.id == key["id"])).scalar()
        if not secret:
            return False
        return hmac.compare_digest(identity_hash(secret, user_id).encode(),
                                   (user_hash or "").strip().lower().encode("utf-8", "replace"))

    def _set(self, key_id: str, **values: Any) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(update(site_keys).where(site_keys.c.id == key_id)
                                .where(site_keys.c.revoked_at.is_(None)).values(**values)).rowcount
        if not done:
            raise NotFound(f"no active site key {key_id!r}")

    def list(self, include_revoked: bool = False) -> list[dict[str, Any]]:
        """Keys, newest first (revoked ones only when asked)."""
        query = select(site_keys).order_by(site_keys.c.created_at.desc())
        if not include_revoked:
            query = query.where(site_keys.c.revoked_at.is_(None))
        with self.engine.connect() as conn:
            return [_public(dict(r)) for r in conn.execute(query).mappings()]

    def revoke(self, key_id: str) -> None:
        """Revoke a key: its tokens stop working at once, on every replica."""
        with self.engine.begin() as conn:
            done = conn.execute(update(site_keys).where(site_keys.c.id == key_id)
                                .where(site_keys.c.revoked_at.is_(None))
                                .values(revoked_at=time.time())).rowcount
        if not done:
            raise NotFound(f"no active site key {key_id!r}")
        self._origins = (0.0, frozenset())

    def find(self, key: str) -> dict[str, Any] | None:
        """The active key with public value ``key``, or None."""
        return self._one(site_keys.c.key == (key or "").strip())

    def get(self, key_id: str) -> dict[str, Any] | None:
        """The active key with id ``key_id``, or None (revoked keys are None too)."""
        return self._one(site_keys.c.id == key_id)

    def _one(self, where) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(site_keys).where(where)
                               .where(site_keys.c.revoked_at.is_(None))).mappings().first()
        return _public(dict(row)) if row else None

    def any_allows(self, origin: str, max_age_s: float = 5.0) -> bool:
        """Whether some active key allows ``origin`` (for CORS preflights; cached a few seconds)."""
        at, known = self._origins
        if time.monotonic() - at > max_age_s:
            with self.engine.connect() as conn:
                rows = conn.execute(select(site_keys.c.origins)
                                    .where(site_keys.c.revoked_at.is_(None))).scalars()
                known = frozenset(o for origins in rows for o in origins or [])
            self._origins = (time.monotonic(), known)
        return _origin_or_none(origin) in known

    @staticmethod
    def allows(key: dict[str, Any], origin: str | None) -> bool:
        """Whether ``key`` may be used from a page on ``origin``."""
        return _origin_or_none(origin) in key["origins"]

    # -- tokens ------------------------------------------------------------------------------

    def mint(self, key: dict[str, Any], session_id: str, ttl_s: int) -> tuple[str, int]:
        """A signed token for ``key`` and one conversation; (token, seconds it lives)."""
        claims = {"k": key["id"], "s": session_id, "e": int(time.time()) + ttl_s, "n": secrets.token_hex(6)}
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{body}.{_b64(self._sign(body))}", ttl_s

    def verify(self, token: str, expired_ok_s: int = 0) -> dict[str, Any]:
        """The claims of a valid token: key_id, session_id, token_id; BadToken otherwise (and when it
        expired more than ``expired_ok_s`` seconds ago)."""
        try:
            body, signature = (token or "").split(".")
            good = hmac.compare_digest(_unb64(signature), self._sign(body))
            claims = json.loads(_unb64(body)) if good else None
        except ValueError:
            claims = None
        if not isinstance(claims, dict) or not {"k", "s", "e", "n"} <= claims.keys():
            raise BadToken("invalid widget token: get a new one from /api/v1/widget/session")
        if claims["e"] + expired_ok_s < time.time():
            raise BadToken("the widget token has expired: get a new one from /api/v1/widget/session")
        return {"key_id": claims["k"], "session_id": claims["s"], "token_id": claims["n"],
                "expires_at": claims["e"]}

    def _sign(self, body: str) -> bytes:
        if self._secret is None:
            if self.secrets.get(_SECRET) is None:
                self.secrets.put(_SECRET, secrets.token_hex(32))  # the first replica's wins
            self._secret = self.secrets.get(_SECRET).encode()
        return hmac.new(self._secret, body.encode(), hashlib.sha256).digest()


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "key": row["key"], "origins": list(row["origins"] or []),
            "daily_budget": row["daily_budget"], "identity": bool(row.get("identity_secret")),
            "appearance": row.get("appearance") or {}, "bot": row.get("bot") or DEFAULT_BOT,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row["created_at"])),
            "revoked": row["revoked_at"] is not None}


def _new_secret() -> str:
    return "ids_" + secrets.token_urlsafe(32)


def _origin_or_none(origin: str | None) -> str | None:
    try:
        return normalize_origin(origin) if origin else None
    except InputError:
        return None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
