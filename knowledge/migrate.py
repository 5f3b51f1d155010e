"""Rebuild a knowledge base for a new embedder without a manual wipe.

When the configured embedder differs from the one the active generation was built with, every
committed chunk is re-embedded into a fresh generation (chunks that no longer fit the new
model's window are split again), FAQ questions too; the registry switches to the new generation
only when all of it is written, and the old collections are dropped afterwards. A rebuild that is
interrupted leaves the old generation active and starts over next time.
"""

from __future__ import annotations

import sys

from .ingest import write_chunks
from .splitting import split
from ._chroma import store_errors
from .store import SUFFIXES, ChunkStore, DocInfo
from .types import Chunk, Document, FaqEntry

__all__ = ["ensure_current"]


def ensure_current(kb: ChunkStore, *, chunk_tokens: int, progress: bool = True) -> bool:
    """Rebuild ``kb`` into its embedder's generation if another one is active; True if it did."""
    reg = kb.registry()
    old = reg.get("active")
    if not old or old == kb.generation:
        return False
    with store_errors("rebuilding for a new embedder"):
        names = {c.name for c in kb.client.list_collections()}
        if f"{old}-docs" not in names:
            kb._write_registry(kb.generation)
            return False
        for suffix in SUFFIXES:  # leftovers of an interrupted rebuild
            if kb.generation + suffix in names:
                kb.client.delete_collection(kb.generation + suffix)
        docs = [
            DocInfo(**{k: m[k] for k in DocInfo.__dataclass_fields__})
            for _, m in kb._iter_records(kb._col("-docs", old)) if not m.get("pending")
        ]
        _copy(kb, old, docs, chunk_tokens, progress)
        kb._write_registry(kb.generation)
        for suffix in SUFFIXES:
            if old + suffix in names:  # a generation from before pipeline 6 has no units
                kb.client.delete_collection(old + suffix)
    kb._cache.clear()
    return True


def _copy(kb: ChunkStore, old: str, docs: list[DocInfo], chunk_tokens: int, progress: bool) -> None:
    from tqdm import tqdm

    budget = min(chunk_tokens, kb.embedder.max_tokens)
    bar = tqdm(total=sum(d.chunks for d in docs), unit="chunk", desc="rebuilding for new embedder",
               file=sys.stderr, delay=1.0, disable=not progress)
    try:
        for info in docs:
            where = {"$and": [{"doc_id": info.doc_id}, {"hash": info.hash}]}
            got = kb._col("", old).get(where=where, include=["documents", "metadatas"])
            chunks = _resplit(got, kb, budget)
            for i, chunk in enumerate(chunks):
                chunk.id = f"{info.doc_id}-{info.hash[:10]}-{i}"
            for i in range(0, len(chunks), 64):
                write_chunks(kb, chunks[i : i + 64], info.doc_id, info.hash)
                bar.update(min(64, len(chunks) - i))
            faq = kb._col("-faq", old).get(where=where, include=["documents", "metadatas"])
            entries = [FaqEntry(q, m["answer"], m.get("source", "")) for q, m in
                       zip(faq["documents"], faq["metadatas"])]
            if entries:
                kb.add_faq(entries, kb.embedder.embed([e.question for e in entries], query=True),
                           info.doc_id, info.hash)
            info.chunks = len(chunks)
            meta = {k: getattr(info, k) for k in DocInfo.__dataclass_fields__}
            kb._col("-docs").upsert(ids=[info.doc_id], embeddings=[[1.0]], metadatas=[meta])
    finally:
        bar.close()


def _resplit(got: dict, kb: ChunkStore, budget: int) -> list[Chunk]:
    """Old chunks, in order, split again only where they exceed the new model's window."""
    rows = sorted(zip(got["ids"], got["documents"], got["metadatas"]),
                  key=lambda r: int(r[0].rsplit("-", 1)[-1]))
    docs = [
        Document(text=text, source=m.get("source", ""), title=m.get("title", ""),
                 section=m.get("section", ""), page=m.get("page"), row=m.get("row"),
                 kind=m.get("kind", "text"))
        for _, text, m in rows
    ]
    out: list[Chunk] = []
    for doc in docs:
        # One document at a time so that neighbouring chunks are never merged differently.
        out.extend(split([doc], kb.embedder.count_tokens, budget, 0))
    return out
