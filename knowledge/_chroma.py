"""Chroma plumbing: clients (embedded or server), error translation, our embedding function."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .embedders import Embedder
from .errors import InputError, NotFound, StoreUnavailable

__all__ = ["make_client", "store_errors", "chroma_embedding_function"]

_DENIED = re.compile(r"\b(401|403)\b|unauthori[sz]ed|forbidden|authenticat", re.IGNORECASE)


@contextmanager
def store_errors(what: str) -> Iterator[None]:
    """Turn connection failures and refused credentials of a Chroma store into StoreUnavailable."""
    try:
        yield
    except (InputError, NotFound):
        raise
    except Exception as exc:  # chromadb wraps transport errors in several types
        text = f"{type(exc).__name__}: {exc}"
        if any(k in text.lower() for k in ("connect", "timeout", "refused", "unavailable", "resolve")):
            raise StoreUnavailable(f"the knowledge store is unavailable while {what} ({text})") from exc
        if _DENIED.search(text):  # an authenticating proxy in front of the Chroma server said no
            raise StoreUnavailable(f"the knowledge store refused our credentials while {what}: check "
                                   f"HELPDESK_CHROMA_HEADERS ({text})") from exc
        raise


def make_client(data_dir: Path, url: str | None = None, headers: dict[str, str] | None = None):
    """An embedded Chroma in ``data_dir/chroma``, or an HTTP client for a Chroma server at ``url``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if not url:
        path = Path(data_dir) / "chroma"
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=settings)
    parts = urlparse(url if "://" in url else f"http://{url}")
    with store_errors(f"connecting to {url}"):
        return chromadb.HttpClient(
            host=parts.hostname or "localhost",
            port=parts.port or (443 if parts.scheme == "https" else 8000),
            ssl=parts.scheme == "https",
            headers=headers or None,
            settings=settings,
        )


def chroma_embedding_function(embedder: Embedder):
    """Our embedder as a Chroma embedding function, so Chroma never loads its own default."""
    from chromadb.api.types import EmbeddingFunction

    class HelpdeskEmbeddingFunction(EmbeddingFunction):
        def __init__(self) -> None:
            self.embedder = embedder

        def __call__(self, input):  # noqa: A002 - Chroma's parameter name
            return [v for v in self.embedder.embed(list(input), query=False)]

        def embed_query(self, input):  # noqa: A002
            return [v for v in self.embedder.embed(list(input), query=True)]

        @staticmethod
        def name() -> str:
            return "helpdesk"

        def get_config(self) -> dict[str, Any]:
            return {"embedder": embedder.name}

        @staticmethod
        def build_from_config(config: dict[str, Any]):
            raise NotImplementedError("helpdesk collections are opened by helpdesk")

        def default_space(self) -> str:
            return "cosine"

    return HelpdeskEmbeddingFunction()
