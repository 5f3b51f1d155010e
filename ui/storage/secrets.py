"""Secrets the server makes for itself (the admin password hash, the widget token key), shared by
every replica through the database: the first replica to store one wins."""

from __future__ import annotations

import time

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from .schema import server_secrets

__all__ = ["Secrets"]


class Secrets:
    """Named secrets in the shared database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def get(self, name: str) -> str | None:
        """A stored secret (e.g. the admin password hash), or None."""
        with self.engine.connect() as conn:
            return conn.execute(select(server_secrets.c.value).where(server_secrets.c.name == name)).scalar()

    def put(self, name: str, value: str, *, replace: bool = False) -> bool:
        """Store a secret; without ``replace`` only if absent. True when this call stored it."""
        with self.engine.begin() as conn:
            if replace:
                conn.execute(delete(server_secrets).where(server_secrets.c.name == name))
            try:
                with conn.begin_nested():
                    conn.execute(insert(server_secrets).values(name=name, value=value, created_at=time.time()))
            except IntegrityError:  # another replica stored it first
                return False
        return True
