"""The one place that wires settings into working parts (used by Bot.from_settings and the CLI)."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.calibration import load_or_calibrate
from knowledge.embedders import Embedder, make_embedder
from knowledge.ingest import Ingestor
from knowledge.migrate import ensure_current
from knowledge.search import CrossEncoderReranker, Searcher
from knowledge.store import KnowledgeBase, make_client

from .settings import Settings, reveal

__all__ = ["Knowledge", "open_knowledge", "build_bot", "question_translator"]


@dataclass
class Knowledge:
    """A knowledge base with the searcher and ingestor configured for it."""

    kb: KnowledgeBase
    searcher: Searcher
    ingestor: Ingestor


_embedders: dict[str, Embedder] = {}


def _embedder(name: str) -> Embedder:
    # One embedder per process, shared by every knowledge base that uses it.
    if name not in _embedders:
        _embedders[name] = make_embedder(name)
    return _embedders[name]


def open_knowledge(settings: Settings, kb_name: str | None = None, *, progress: bool = True) -> Knowledge:
    """Open the configured store and knowledge base, rebuilding it if the embedder changed."""
    embedder = _embedder(settings.embedder)
    headers = {name: reveal(value) for name, value in settings.chroma_headers.items()}
    client = make_client(settings.data_dir, settings.chroma_url, headers)
    kb = KnowledgeBase.open(client, embedder, kb_name or settings.kb)
    ensure_current(kb, chunk_tokens=settings.ingest.chunk_tokens, progress=progress)
    calibration = load_or_calibrate(embedder, settings.data_dir / "calibration.json")
    r = settings.retrieval
    reranker = CrossEncoderReranker(r.reranker) if r.reranker else None
    searcher = Searcher(kb, calibration, keyword_weight=r.keyword_weight, reranker=reranker)
    ingestor = Ingestor(
        kb,
        chunk_tokens=settings.ingest.chunk_tokens,
        overlap_tokens=settings.ingest.overlap_tokens,
        max_bytes=int(settings.ingest.max_file_mb * 2**20),
        batch_size=settings.ingest.batch_size,
        progress=progress,
        limits=settings.ingest.limits(),
    )
    return Knowledge(kb, searcher, ingestor)


def build_bot(settings: Settings | None = None, *, kb_name: str | None = None, progress: bool = True,
              generator=None, conversations=None):
    """A Bot over the configured knowledge base and generator; sessions go to ``conversations``
    (a :class:`~bot.conversation.Conversations` store; kept in memory when None)."""
    from .bot import Bot
    from .conversation import MemoryConversations
    from .generators import make_generator
    from .options import BotOptions

    settings = settings or Settings()
    knowledge = open_knowledge(settings, kb_name, progress=progress)
    conversations = conversations if conversations is not None else MemoryConversations()
    options = BotOptions.from_settings(settings)
    generator = generator or make_generator(settings)
    knowledge.searcher.translator = question_translator(generator)
    knowledge.searcher.translate_into = frozenset(settings.retrieval.translate_into)
    return Bot(knowledge, generator, conversations, options)


def question_translator(generator):
    """The chat model as the searcher's translator: a question asked in a language the knowledge
    base hardly holds is searched in translation too (see ``knowledge/search.py``)."""
    from .prompts import translation_messages

    def translate(question: str, lang: str) -> str:
        return generator.complete(translation_messages(question, lang), max_tokens=96, stop=["\n"])

    return translate
