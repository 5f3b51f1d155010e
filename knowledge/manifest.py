"""What the store records about documents and chunks: knowledge base names, the manifest's
document records, and the flat metadata each chunk carries in Chroma.

Pure data, no Chroma calls: :mod:`knowledge.store` reads and writes these.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from .errors import InputError
from .types import Chunk

__all__ = ["DocInfo", "doc_id_for", "valid_kb_name", "meta_to_chunk", "chunk_to_meta"]


def valid_kb_name(name: str) -> str:
    """Return ``name`` if it can name a knowledge base, else raise InputError."""
    ok = 1 <= len(name) <= 40 and name.replace("-", "").replace("_", "").isalnum() and name.isascii()
    if not ok or not name[0].isalnum():
        raise InputError(
            f"invalid knowledge base name {name!r}: use 1-40 letters, digits, '-' or '_'"
        )
    return name


@dataclass
class DocInfo:
    """A committed document as the manifest records it."""

    source: str
    doc_id: str
    hash: str
    title: str
    chunks: int
    faq: int
    bytes: int
    ingested_at: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form for ``helpdesk docs --json`` and the API."""
        return {
            "source": self.source,
            "id": self.doc_id,
            "title": self.title,
            "chunks": self.chunks,
            "faq": self.faq,
            "bytes": self.bytes,
            "ingested_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.ingested_at)),
        }


def doc_id_for(source: str) -> str:
    """Stable id of a document from its source name."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:16]


def meta_to_chunk(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    """A chunk read back from its Chroma record."""
    return Chunk(
        id=chunk_id,
        text=text,
        source=meta.get("source", ""),
        title=meta.get("title", ""),
        section=meta.get("section", ""),
        page=meta.get("page"),
        row=meta.get("row"),
        kind=meta.get("kind", "text"),
    )


def chunk_to_meta(chunk: Chunk, doc_id: str, doc_hash: str, keywords: list[str]) -> dict[str, Any]:
    """The Chroma metadata of a chunk: its document, version, place and keywords (flat scalars)."""
    meta: dict[str, Any] = {
        "source": chunk.source,
        "doc_id": doc_id,
        "hash": doc_hash,
        "title": chunk.title,
        "section": chunk.section,
        "kind": chunk.kind,
        "kw": " ".join(keywords),
    }
    if chunk.page is not None:
        meta["page"] = int(chunk.page)
    if chunk.row is not None:
        meta["row"] = int(chunk.row)
    return meta
