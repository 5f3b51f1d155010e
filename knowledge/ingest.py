"""Ingestion: paths -> IngestReport. Idempotent by content hash; replace and delete are exact.

For every file: hash it; if the knowledge base already holds that exact version, nothing
happens. Otherwise load and split it (a bad file is reported as ``failed`` and changes nothing),
embed its chunks, write them under a pending marker, and commit (see ``store``): the old
version disappears in the same step the new one appears.
"""

from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import FileTooLarge, HelpdeskError, InputError, StoreUnavailable
from .keyword import tokenize
from .limits import ParseLimits
from .loaders import iter_files, load_file
from .splitting import embedding_text, sentence_texts, split
from .store import ChunkStore, DocInfo, doc_id_for
from .types import Chunk, LoadedFile

__all__ = ["Ingestor", "IngestReport", "DocReport"]

# Bump when loaders or splitting change what a file turns into, so unchanged files re-ingest.
# 2: chunks follow paragraphs (splitting.split); 3: Markdown dialects and MDX normalised, code
# fences kept whole, HTML stripped from texts and titles.
# 4: one sentence splitter (knowledge/sentences.py) for chunks and answers.
# 5: badges beside a heading are said with the heading ("Load balancing: Professional, Team").
# 6: every sentence of a chunk gets a vector of its own (store's "-units" collection).
# 7: an HTML page's ordered lists are numbered steps, not bullets.
_PIPELINE_VERSION = "7"


@dataclass
class DocReport:
    """What happened to one file."""

    source: str
    status: str  # added | updated | unchanged | failed
    chunks: int = 0
    error: str | None = None
    too_large: bool = False  # failed because the file is, or would unpack to, more than allowed


@dataclass
class IngestReport:
    """What happened to every file of one ``ingest`` call."""

    documents: list[DocReport] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        """The ``--json`` object of the command-line contract."""
        fields = ("source", "status", "chunks", "error")  # the command-line contract
        return {"documents": [{k: asdict(d)[k] for k in fields} for d in self.documents],
                "seconds": round(self.seconds, 3)}

    @property
    def failed(self) -> list[DocReport]:
        """Reports of files that could not be ingested."""
        return [d for d in self.documents if d.status == "failed"]


@dataclass
class _Prepared:
    source: str
    doc_hash: str
    size: int
    loaded: LoadedFile
    chunks: list[Chunk]
    previous: DocInfo | None


def write_chunks(store: ChunkStore, chunks: list[Chunk], doc_id: str, doc_hash: str) -> None:
    """Embed and write chunks of a document version not yet committed: each chunk's text, and
    each of its sentences on its own (``sentence_texts``)."""
    texts = [embedding_text(c) for c in chunks]
    store.add_chunks(chunks, store.embedder.embed(texts, query=False), doc_id, doc_hash,
                     [tokenize(t) for t in texts])
    owners, sentences = [], []
    for chunk in chunks:
        for text in sentence_texts(chunk):
            owners.append(chunk.id)
            sentences.append(text)
    if sentences:
        store.add_units(owners, store.embedder.embed(sentences, query=False), doc_id, doc_hash)


class Ingestor:
    """Turns files into committed documents of one knowledge base.

    >>> report = Ingestor(store, chunk_tokens=200).ingest([Path("help-center/")])
    >>> [(d.source, d.status) for d in report.documents]
    [('returns.md', 'added'), ('shipping.md', 'unchanged')]
    """

    def __init__(self, store: ChunkStore, *, chunk_tokens: int = 200, overlap_tokens: int = 0,
                 max_bytes: int = 50 * 2**20, batch_size: int = 64, progress: bool = True,
                 limits: ParseLimits | None = None):
        self.store = store
        self.chunk_tokens = min(chunk_tokens, store.embedder.max_tokens)
        self.overlap_tokens, self.max_bytes = overlap_tokens, max_bytes
        self.limits = limits or ParseLimits()
        self.batch_size, self.progress = batch_size, progress

    def ingest(self, paths: list[Path], *, names: dict[Path, str] | None = None) -> IngestReport:
        """Ingest files and folders; ``names`` optionally overrides the source name of a file."""
        start = time.perf_counter()
        report = IngestReport()
        self.store.heal()
        prepared: list[_Prepared] = []
        for path, source in self._sources(paths, names or {}):
            try:
                item = self._prepare(path, source)
            except StoreUnavailable:
                raise  # not the file's fault: the caller reports the outage (HTTP 503)
            except HelpdeskError as exc:
                report.documents.append(DocReport(source, "failed", error=str(exc),
                                                  too_large=isinstance(exc, FileTooLarge)))
                continue
            except Exception as exc:  # a loader library choking on a malformed file
                report.documents.append(DocReport(source, "failed", error=f"{source}: {exc}"))
                continue
            if item is None:
                report.documents.append(DocReport(source, "unchanged", self.store.document(source).chunks))
            else:
                prepared.append(item)
        total = sum(len(p.chunks) + len(p.loaded.faq) for p in prepared)
        bar = self._bar(total)
        try:
            for item in prepared:
                report.documents.append(self._write(item, bar))
        finally:
            bar.close()
        report.seconds = time.perf_counter() - start
        return report

    def _sources(self, paths: list[Path], names: dict[Path, str]):
        for given in paths:
            given = Path(given)
            root = given if given.is_dir() else None
            for path in iter_files([given]):
                if path in names:
                    yield path, names[path]
                elif root is not None:
                    yield path, path.relative_to(root).as_posix()
                else:
                    yield path, path.name

    def _prepare(self, path: Path, source: str) -> _Prepared | None:
        size = path.stat().st_size
        data = path.read_bytes() if size <= self.max_bytes else b""
        settings = f"|{self.store.embedder.name}|{self.chunk_tokens}|{self.overlap_tokens}|{_PIPELINE_VERSION}"
        doc_hash = hashlib.sha256(data + settings.encode()).hexdigest()
        previous = self.store.document(source)
        if previous is not None and previous.hash == doc_hash:
            return None
        loaded = load_file(path, max_bytes=self.max_bytes, source=source, limits=self.limits)
        chunks = split(loaded.documents, self.store.embedder.count_tokens, self.chunk_tokens,
                       self.overlap_tokens)
        if not chunks and not loaded.faq:
            raise InputError(f"{source}: no text to index")
        doc_id = doc_id_for(source)
        for i, chunk in enumerate(chunks):
            chunk.id = f"{doc_id}-{doc_hash[:10]}-{i}"
        return _Prepared(source, doc_hash, size, loaded, chunks, previous)

    def _write(self, item: _Prepared, bar) -> DocReport:
        doc_id = doc_id_for(item.source)
        self.store.begin(doc_id, item.doc_hash)
        try:
            for i in range(0, len(item.chunks), self.batch_size):
                part = item.chunks[i : i + self.batch_size]
                write_chunks(self.store, part, doc_id, item.doc_hash)
                bar.update(len(part))
            if item.loaded.faq:
                # Questions are embedded as queries: they are matched against customers' questions.
                vectors = self.store.embedder.embed([e.question for e in item.loaded.faq], query=True)
                self.store.add_faq(item.loaded.faq, vectors, doc_id, item.doc_hash)
                bar.update(len(item.loaded.faq))
            self.store.commit(DocInfo(
                source=item.source, doc_id=doc_id, hash=item.doc_hash, title=item.loaded.title,
                chunks=len(item.chunks), faq=len(item.loaded.faq), bytes=item.size,
                ingested_at=time.time(),
            ))
        except BaseException as exc:
            self.store.abort(doc_id, item.doc_hash)
            if not isinstance(exc, Exception):
                raise
            return DocReport(item.source, "failed", error=f"{item.source}: {exc}")
        status = "updated" if item.previous is not None else "added"
        return DocReport(item.source, status, len(item.chunks))

    def _bar(self, total: int):
        from tqdm import tqdm

        return tqdm(total=total, unit="chunk", desc="ingesting", file=sys.stderr, delay=1.0,
                    disable=not self.progress or total == 0)

