"""KnowledgeBase: the one object its callers use (the Bot, the server, the CLI, users' scripts),
and ``open_knowledge``, the one function that builds it.

Behind it are three parts, each given to it whole: a :class:`~knowledge.store.ChunkStore`
(chunks, documents and FAQ entries in Chroma), a :class:`~knowledge.search.Searcher` over that
store (hybrid, calibrated, with its translator) and an :class:`~knowledge.ingest.Ingestor` into
it. ``open_knowledge`` opens the store (embedded or a Chroma server), rebuilds it when the
embedder changed (``knowledge/migrate.py``), loads or measures the embedder's calibration (cached
in ``DATA_DIR/calibration.json``) and wires the three; it takes plain values, so the knowledge
package knows nothing of the bot's settings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._chroma import make_client
from .calibration import load_or_calibrate
from .embedders import Embedder, embed_query, make_embedder
from .ingest import IngestReport, Ingestor
from .keyword import BM25Index
from .lang import detect_language
from .limits import ParseLimits
from .manifest import DocInfo
from .migrate import ensure_current
from .retriever import make_retriever
from .search import CrossEncoderReranker, Searcher
from .store import ChunkStore
from .types import Chunk, FaqEntry, Hit

__all__ = ["KnowledgeBase", "FaqMatch", "open_knowledge"]


@dataclass(frozen=True)
class FaqMatch:
    """The FAQ entry nearest to a question, with its cosine and its calibrated score."""

    entry: FaqEntry
    cosine: float
    score: float


class KnowledgeBase:
    """One knowledge base: search it, match FAQ entries, list, add and delete documents.

        >>> kb = open_knowledge(Path("helpdesk-data"), embedder="multilingual-e5-small")
        >>> [d.status for d in kb.ingest([Path("help-center/")]).documents]
        ['added', 'added']
        >>> hit = kb.search("How long do refunds take?", k=1)[0]
        >>> hit.chunk.source, hit.relevance > 0.69
        ('returns.md', True)
        >>> kb.delete("shipping.md").source
        'shipping.md'
    """

    def __init__(self, store: ChunkStore, searcher: Searcher, ingestor: Ingestor):
        self._store, self._searcher, self._ingestor = store, searcher, ingestor

    @property
    def name(self) -> str:
        """The knowledge base's name (several live side by side in one store)."""
        return self._store.name

    @property
    def embedder_name(self) -> str:
        """The name of the embedder its vectors were made with."""
        return self._store.embedder.name

    # -- asking ------------------------------------------------------------------------------

    def embed_query(self, text: str) -> np.ndarray:
        """The vector of a question, as search and FAQ matching compare it."""
        return embed_query(self._store.embedder, text)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """The vectors of passages, one row each, comparable with :meth:`embed_query`'s."""
        return self._store.embedder.embed(texts)

    def search(self, query: str, k: int = 4, *, vector: np.ndarray | None = None,
               also: tuple[str, ...] = ()) -> list[Hit]:
        """The ``k`` most relevant chunks, best first (``vector``: the query's, if known;
        ``also``: other wordings searched too), see ``knowledge/search.py``."""
        return self._searcher.search(query, k, vector=vector, also=also)

    def translates(self, query: str) -> bool:
        """Whether :meth:`search` would ask the translator (the chat model) to translate ``query``."""
        return self._searcher.translates(query)

    def faq_match(self, vector: np.ndarray, question: str) -> FaqMatch | None:
        """The FAQ entry nearest to ``question`` (embedded as ``vector``), if there is any."""
        near = self._store.faq_nearest(vector, 1)
        if not near:
            return None
        entry, cosine = near[0]
        calibration = self._searcher.calibration
        score = calibration.score(cosine, detect_language(question), detect_language(entry.question))
        return FaqMatch(entry, cosine, float(score))

    def keyword_index(self) -> BM25Index:
        """The BM25 index over the committed chunks: its terms and their idf."""
        return self._store.keyword_index()

    def as_retriever(self, k: int = 4):
        """A LangChain retriever that searches like :meth:`search` (``knowledge/retriever.py``)."""
        return make_retriever(self, k)

    # -- reading -----------------------------------------------------------------------------

    def documents(self) -> list[DocInfo]:
        """Committed documents, sorted by source."""
        return self._store.documents()

    def document(self, source: str) -> DocInfo | None:
        """The committed document named ``source``, if any."""
        return self._store.document(source)

    def chunks_of(self, source: str) -> list[Chunk]:
        """The committed chunks of one document, in order (NotFound if there is none)."""
        return self._store.chunks_of(source)

    def version_of(self, chunk: Chunk) -> list[Chunk]:
        """Every chunk of the document version ``chunk`` belongs to, in order."""
        return self._store.version_of(chunk)

    # -- changing ----------------------------------------------------------------------------

    def ingest(self, paths: Iterable[Path], *, names: dict[Path, str] | None = None) -> IngestReport:
        """Add or update files and folders (``names``: source names for some files)."""
        return self._ingestor.ingest(list(paths), names=names)

    def delete(self, source: str) -> DocInfo:
        """Remove a document and every chunk and FAQ entry of it (NotFound if there is none)."""
        return self._store.delete(source)


_embedders: dict[str, Embedder] = {}
_embedders_lock = threading.Lock()


def _shared_embedder(name: str) -> Embedder:
    """One embedder per name and process, shared by every knowledge base that uses it."""
    with _embedders_lock:
        if name not in _embedders:
            _embedders[name] = make_embedder(name)
        return _embedders[name]


def open_knowledge(data_dir: Path | str, *, embedder: str | Embedder, name: str = "default",
                   chroma_url: str | None = None, chroma_headers: dict[str, str] | None = None,
                   chunk_tokens: int = 200, overlap_tokens: int = 0, max_bytes: int = 50 * 2**20,
                   batch_size: int = 64, limits: ParseLimits | None = None,
                   keyword_weight: float = 1.5, reranker: str | None = None,
                   translator: Callable[[str, str], str] | None = None,
                   translate_into: Iterable[str] = ("en",), progress: bool = True) -> KnowledgeBase:
    """Open (creating if needed) knowledge base ``name`` in ``data_dir`` or on a Chroma server.

    ``embedder`` is a name (loaded once per process) or an Embedder; ``chunk_tokens`` to
    ``limits`` shape ingestion, ``keyword_weight`` and ``reranker`` (a cross-encoder path or id)
    the search; ``translator(text, language)`` lets the search also try a question in
    translation, into the languages of ``translate_into`` only; ``progress`` shows progress bars.
    """
    data_dir = Path(data_dir)
    model = _shared_embedder(embedder) if isinstance(embedder, str) else embedder
    store = ChunkStore.open(make_client(data_dir, chroma_url, chroma_headers), model, name)
    ensure_current(store, chunk_tokens=chunk_tokens, progress=progress)
    calibration = load_or_calibrate(model, data_dir / "calibration.json")
    searcher = Searcher(store, calibration, keyword_weight=keyword_weight,
                        reranker=CrossEncoderReranker(reranker) if reranker else None,
                        translator=translator, translate_into=frozenset(translate_into))
    ingestor = Ingestor(store, chunk_tokens=chunk_tokens, overlap_tokens=overlap_tokens,
                        max_bytes=max_bytes, batch_size=batch_size, progress=progress, limits=limits)
    return KnowledgeBase(store, searcher, ingestor)
