"""ChunkStore: the only module that talks to Chroma (through ``_chroma``'s client and errors).

Each knowledge base ``NAME`` is a small family of Chroma collections:

    hd-NAME              registry: its metadata names the active generation and a revision token
    hd-NAME-G            chunks of generation G (one generation per embedder), cosine space
    hd-NAME-G-docs       the manifest: one record per committed document, plus pending markers
    hd-NAME-G-faq        FAQ questions, embedded, with their verbatim answers
    hd-NAME-G-units      one vector per sentence of a chunk (``splitting.sentence_texts``), by chunk id

A document is visible only through the manifest: its chunks are written first, then one
manifest record commits them, then the previous version's chunks are deleted. A process killed
in between leaves chunks that no manifest record points to; search ignores them and
:meth:`ChunkStore.heal` deletes them. Every change writes a new revision token, so caches
(the keyword index, the manifest) in every replica notice it on their next query.

    >>> store = ChunkStore.open(make_client(Path("helpdesk-data")), make_embedder("multilingual-e5-small"))
    >>> [d.source for d in store.documents()]
    ['returns.md', 'shipping.md']
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._chroma import chroma_embedding_function, make_client, store_errors
from .embedders import Embedder
from .errors import NotFound
from .keyword import BM25Index
from .manifest import DocInfo, chunk_to_meta, doc_id_for, meta_to_chunk, valid_kb_name
from .types import Chunk, FaqEntry

__all__ = ["ChunkStore", "DocInfo", "SUFFIXES", "doc_id_for", "make_client", "valid_kb_name"]

_PAGE = 2000
# The collections whose records belong to one document version (doc_id and hash in metadata);
# they hold its vectors, in cosine space.
_OWNED = ("", "-faq", "-units")
# Every collection of a generation: those and the manifest.
SUFFIXES = (*_OWNED, "-docs")
_HOST = socket.gethostname()


class ChunkStore:
    """Chunks, their vectors, the manifest of documents and FAQ entries of one knowledge base.

    Open it with :meth:`open`; ingestion, search and migration build on its methods, and callers
    outside this package use it through :class:`knowledge.base.KnowledgeBase`.
    """

    def __init__(self, client, embedder: Embedder, name: str = "default"):
        self.client, self.embedder, self.name = client, embedder, valid_kb_name(name)
        self._ef = chroma_embedding_function(embedder)
        self._lock = threading.Lock()
        self._cache: dict[str, Any] = {}

    # -- collections -------------------------------------------------------------------------

    @classmethod
    def open(cls, client, embedder: Embedder, name: str = "default") -> ChunkStore:
        """Open (creating if needed) knowledge base ``name`` for ``embedder``."""
        kb = cls(client, embedder, name)
        with store_errors("opening the knowledge base"):
            reg = kb._registry()
            if not reg.metadata or "active" not in reg.metadata:
                kb._write_registry(kb.generation)
        return kb

    @property
    def generation(self) -> str:
        """Collection name of this embedder's generation of the knowledge base."""
        import hashlib

        return f"hd-{self.name}-{hashlib.sha1(self.embedder.name.encode()).hexdigest()[:8]}"

    def _registry(self):
        return self.client.get_or_create_collection(
            f"hd-{self.name}", embedding_function=self._ef, metadata={"helpdesk": "registry"}
        )

    def _write_registry(self, active: str, embedder_name: str | None = None) -> None:
        self._registry().modify(
            metadata={
                "helpdesk": "registry",
                "active": active,
                "embedder": embedder_name or self.embedder.name,
                "revision": uuid.uuid4().hex,
            }
        )

    def registry(self) -> dict[str, Any]:
        """The registry record: active generation, its embedder and the revision token."""
        with store_errors("reading the registry"):
            return dict(self._registry().metadata or {})

    def touch(self) -> None:
        """Publish a new revision token so that every replica's caches refresh."""
        reg = self.registry()
        self._write_registry(reg.get("active", self.generation), reg.get("embedder"))

    def _col(self, suffix: str = "", generation: str | None = None):
        name = (generation or self.generation) + suffix
        config = {"hnsw": {"space": "cosine"}} if suffix in _OWNED else None
        return self.client.get_or_create_collection(
            name, embedding_function=self._ef, configuration=config
        )

    # -- manifest ----------------------------------------------------------------------------

    def _manifest(self) -> dict[str, DocInfo]:
        """Committed documents by doc_id, cached per revision."""
        rev = self.registry().get("revision")
        cached = self._cache.get("manifest")
        if cached and cached[0] == rev:
            return cached[1]
        docs: dict[str, DocInfo] = {}
        with store_errors("reading the document list"):
            for rid, meta in self._iter_records(self._col("-docs")):
                if meta.get("pending"):
                    continue
                docs[rid] = DocInfo(**{k: meta[k] for k in DocInfo.__dataclass_fields__})
        self._cache["manifest"] = (rev, docs)
        return docs

    def documents(self) -> list[DocInfo]:
        """Committed documents, sorted by source."""
        return sorted(self._manifest().values(), key=lambda d: d.source)

    def document(self, source: str) -> DocInfo | None:
        """The committed document named ``source``, if any."""
        return self._manifest().get(doc_id_for(source))

    def _iter_records(self, col, include=("metadatas",)) -> Iterator[tuple[str, dict[str, Any]]]:
        offset = 0
        while True:
            got = col.get(limit=_PAGE, offset=offset, include=list(include))
            for i, rid in enumerate(got["ids"]):
                yield rid, (got["metadatas"][i] or {})
            if len(got["ids"]) < _PAGE:
                return
            offset += _PAGE

    # -- writing -----------------------------------------------------------------------------

    def begin(self, doc_id: str, doc_hash: str) -> None:
        """Mark a document version as being written, so heal() can tell live writers from dead."""
        with store_errors("starting a document"):
            self._col("-docs").upsert(
                ids=[f"pending:{doc_id}:{doc_hash}"],
                embeddings=[[1.0]],
                metadatas=[
                    {"pending": True, "doc_id": doc_id, "hash": doc_hash, "host": _HOST,
                     "pid": os.getpid(), "started": time.time()}
                ],
            )

    def add_chunks(self, chunks: list[Chunk], vectors: np.ndarray, doc_id: str, doc_hash: str,
                   keywords: list[list[str]]) -> None:
        """Write chunks of a not yet committed document version, in Chroma-sized batches."""
        col = self._col()
        step = max(1, min(self.client.get_max_batch_size(), 1000))
        with store_errors("adding chunks"):
            for i in range(0, len(chunks), step):
                part = chunks[i : i + step]
                col.upsert(
                    ids=[c.id for c in part],
                    embeddings=[v for v in vectors[i : i + step]],
                    documents=[c.text for c in part],
                    metadatas=[
                        chunk_to_meta(c, doc_id, doc_hash, kw)
                        for c, kw in zip(part, keywords[i : i + step])
                    ],
                )

    def add_units(self, chunk_ids: list[str], vectors: np.ndarray, doc_id: str, doc_hash: str) -> None:
        """Write the sentence vectors of not yet committed chunks: ``chunk_ids[i]`` owns ``vectors[i]``."""
        col = self._col("-units")
        step = max(1, min(self.client.get_max_batch_size(), 1000))
        seen: dict[str, int] = {}
        ids = []
        for cid in chunk_ids:
            seen[cid] = seen.get(cid, -1) + 1
            ids.append(f"{cid}-s{seen[cid]}")
        with store_errors("adding sentence vectors"):
            for i in range(0, len(ids), step):
                col.upsert(ids=ids[i : i + step], embeddings=[v for v in vectors[i : i + step]],
                           metadatas=[{"chunk": cid, "doc_id": doc_id, "hash": doc_hash}
                                      for cid in chunk_ids[i : i + step]])

    def add_faq(self, entries: list[FaqEntry], vectors: np.ndarray, doc_id: str, doc_hash: str) -> None:
        """Write FAQ entries of a not yet committed document version."""
        if not entries:
            return
        with store_errors("adding FAQ entries"):
            self._col("-faq").upsert(
                ids=[f"{doc_id}-{doc_hash[:10]}-faq{i}" for i in range(len(entries))],
                embeddings=[v for v in vectors],
                documents=[e.question for e in entries],
                metadatas=[
                    {"answer": e.answer, "source": e.source, "doc_id": doc_id, "hash": doc_hash}
                    for e in entries
                ],
            )

    def commit(self, info: DocInfo) -> None:
        """Make a written version the visible one, then drop the previous version's records."""
        with store_errors("committing a document"):
            meta = {k: getattr(info, k) for k in DocInfo.__dataclass_fields__}
            docs = self._col("-docs")
            docs.upsert(ids=[info.doc_id], embeddings=[[1.0]], metadatas=[meta])
            self.touch()
            stale = {"$and": [{"doc_id": info.doc_id}, {"hash": {"$ne": info.hash}}]}
            for suffix in _OWNED:
                self._col(suffix).delete(where=stale)
            docs.delete(ids=[f"pending:{info.doc_id}:{info.hash}"])

    def abort(self, doc_id: str, doc_hash: str) -> None:
        """Remove everything written for an uncommitted version (a failed ingestion)."""
        with store_errors("cleaning up a failed document"):
            committed = self._manifest().get(doc_id)
            if committed is not None and committed.hash == doc_hash:
                return
            where = {"$and": [{"doc_id": doc_id}, {"hash": doc_hash}]}
            for suffix in _OWNED:
                self._col(suffix).delete(where=where)
            self._col("-docs").delete(ids=[f"pending:{doc_id}:{doc_hash}"])

    def delete(self, source: str) -> DocInfo:
        """Remove a document and every one of its chunks and FAQ entries."""
        info = self.document(source)
        if info is None:
            raise NotFound(f"no document named {source!r} in knowledge base {self.name!r}")
        with store_errors("deleting a document"):
            self._col("-docs").delete(ids=[info.doc_id])
            self.touch()
            for suffix in _OWNED:
                self._col(suffix).delete(where={"doc_id": info.doc_id})
        return info

    def heal(self, max_age_s: float = 3600.0) -> int:
        """Delete chunks that no committed document owns and no live writer is still writing."""
        with store_errors("healing the knowledge base"):
            manifest = self._manifest()
            live: set[tuple[str, str]] = set()
            docs = self._col("-docs")
            for rid, meta in self._iter_records(docs):
                if not meta.get("pending"):
                    continue
                if _writer_alive(meta, max_age_s):
                    live.add((meta["doc_id"], meta["hash"]))
                else:
                    docs.delete(ids=[rid])
            removed = 0
            for col in (self._col(suffix) for suffix in _OWNED):
                orphans = [
                    rid for rid, m in self._iter_records(col)
                    if (m.get("doc_id"), m.get("hash")) not in live
                    and (m.get("doc_id") not in manifest or manifest[m["doc_id"]].hash != m.get("hash"))
                ]
                for i in range(0, len(orphans), _PAGE):
                    col.delete(ids=orphans[i : i + _PAGE])
                removed += len(orphans)
        return removed

    # -- reading -----------------------------------------------------------------------------

    def _visible(self, meta: dict[str, Any], manifest: dict[str, DocInfo]) -> bool:
        info = manifest.get(meta.get("doc_id", ""))
        return info is not None and info.hash == meta.get("hash")

    def query(self, vector: np.ndarray, n: int) -> list[tuple[Chunk, float]]:
        """The ``n`` nearest committed chunks with their cosine similarity."""
        manifest = self._manifest()
        if not manifest:
            return []
        col = self._col()
        with store_errors("searching"):
            # Over-fetch a little: uncommitted chunks of an ingestion in flight are filtered out.
            got = col.query(query_embeddings=[vector], n_results=n + 8,
                            include=["documents", "metadatas", "distances"])
        out = []
        for cid, text, meta, dist in zip(got["ids"][0], got["documents"][0],
                                         got["metadatas"][0], got["distances"][0]):
            if self._visible(meta, manifest):
                out.append((meta_to_chunk(cid, text, meta), 1.0 - float(dist)))
        return out[:n]

    def fetch(self, ids: list[str], vector: np.ndarray) -> list[tuple[Chunk, float]]:
        """Chunks by id with their cosine similarity to ``vector``."""
        if not ids:
            return []
        with store_errors("reading chunks"):
            got = self._col().get(ids=ids, include=["documents", "metadatas", "embeddings"])
        sims = np.asarray(got["embeddings"], dtype=np.float32) @ vector if got["ids"] else []
        return [
            (meta_to_chunk(cid, text, meta), float(sim))
            for cid, text, meta, sim in zip(got["ids"], got["documents"], got["metadatas"], sims)
        ]

    def sentence_similarity(self, ids: list[str], vector: np.ndarray) -> dict[str, float]:
        """For chunks by id, the cosine similarity of their sentence closest to ``vector`` (chunks
        written before sentence vectors existed have none)."""
        if not ids:
            return {}
        with store_errors("reading sentence vectors"):
            got = self._col("-units").get(where={"chunk": {"$in": list(ids)}},
                                          include=["metadatas", "embeddings"])
        best: dict[str, float] = {}
        if got["ids"]:
            sims = np.asarray(got["embeddings"], dtype=np.float32) @ vector
            for meta, sim in zip(got["metadatas"], sims):
                cid = meta["chunk"]
                best[cid] = max(best.get(cid, -1.0), float(sim))
        return best

    def keyword_index(self) -> BM25Index:
        """The BM25 index over committed chunks, rebuilt when the revision changes."""
        rev = self.registry().get("revision")
        with self._lock:
            cached = self._cache.get("bm25")
            if cached and cached[0] == rev:
                return cached[1]
            manifest = self._manifest()
            with store_errors("building the keyword index"):
                docs = {
                    rid: meta.get("kw", "").split()
                    for rid, meta in self._iter_records(self._col())
                    if self._visible(meta, manifest)
                }
            index = BM25Index(docs)
            self._cache["bm25"] = (rev, index)
            return index

    def chunks_of(self, source: str) -> list[Chunk]:
        """The committed chunks of one document, in order."""
        info = self.document(source)
        if info is None:
            raise NotFound(f"no document named {source!r} in knowledge base {self.name!r}")
        with store_errors("reading chunks"):
            got = self._col().get(where={"$and": [{"doc_id": info.doc_id}, {"hash": info.hash}]},
                                  include=["documents", "metadatas"])
        chunks = [meta_to_chunk(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]
        return sorted(chunks, key=lambda c: int(c.id.rsplit("-", 1)[-1]))

    def version_of(self, chunk: Chunk) -> list[Chunk]:
        """Every chunk of the document version ``chunk`` belongs to, in order (cached): an answer
        can then quote a whole section, a list or table that spans several chunks, or the
        numbered sections of a procedure."""
        version = chunk.id.rsplit("-", 1)[0]  # "<doc_id>-<hash>": a new version, a new key
        with self._lock:
            cached = self._cache.setdefault("versions", {}).get(version)
        if cached is None:
            with store_errors("reading a document"):
                got = self._col().get(where={"doc_id": version.rsplit("-", 1)[0]},
                                      include=["documents", "metadatas"])
            cached = sorted((meta_to_chunk(i, t, m) for i, t, m in
                             zip(got["ids"], got["documents"], got["metadatas"]) if i.startswith(version + "-")),
                            key=lambda c: int(c.id.rsplit("-", 1)[-1]))
            with self._lock:
                versions = self._cache["versions"]
                if len(versions) >= 256:
                    versions.pop(next(iter(versions)))
                versions[version] = cached
        return cached or [chunk]

    def faq_nearest(self, vector: np.ndarray, n: int = 3) -> list[tuple[FaqEntry, float]]:
        """The FAQ entries whose questions are nearest to ``vector``, with cosine similarity."""
        manifest = self._manifest()
        with store_errors("searching FAQ entries"):
            col = self._col("-faq")
            if col.count() == 0:
                return []
            got = col.query(query_embeddings=[vector], n_results=n + 4,
                            include=["documents", "metadatas", "distances"])
        out = []
        for q, meta, dist in zip(got["documents"][0], got["metadatas"][0], got["distances"][0]):
            if self._visible(meta, manifest):
                out.append((FaqEntry(q, meta["answer"], meta.get("source", "")), 1.0 - float(dist)))
        return out[:n]

    def count(self) -> int:
        """Number of committed chunks."""
        return sum(d.chunks for d in self._manifest().values())


def _writer_alive(meta: dict[str, Any], max_age_s: float) -> bool:
    """Whether the process that started writing a document version may still be writing it."""
    if time.time() - float(meta.get("started", 0)) > max_age_s:
        return False
    if meta.get("host") != _HOST:
        return True  # another machine: only age can tell
    pid = int(meta.get("pid", 0))
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
