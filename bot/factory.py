"""The one place that turns Settings into working parts: the knowledge base and the Bot (used by
the CLI, the server and the benchmarks)."""

from __future__ import annotations

from knowledge import KnowledgeBase, open_knowledge

from .settings import Settings, reveal

__all__ = ["knowledge_from_settings", "build_bot", "question_translator"]


def knowledge_from_settings(settings: Settings, kb_name: str | None = None, *, progress: bool = True,
                            translator=None) -> KnowledgeBase:
    """The configured knowledge base (``kb_name`` or ``settings.kb``), rebuilt if the embedder changed;
    ``translator`` (see :func:`question_translator`) lets its search try questions in translation."""
    i, r = settings.ingest, settings.retrieval
    return open_knowledge(
        settings.data_dir, embedder=settings.embedder, name=kb_name or settings.kb,
        chroma_url=settings.chroma_url,
        chroma_headers={name: reveal(value) for name, value in settings.chroma_headers.items()},
        chunk_tokens=i.chunk_tokens, overlap_tokens=i.overlap_tokens, max_bytes=int(i.max_file_mb * 2**20),
        batch_size=i.batch_size, limits=i.limits(), keyword_weight=r.keyword_weight, reranker=r.reranker,
        translator=translator, translate_into=r.translate_into, progress=progress,
    )


def build_bot(settings: Settings | None = None, *, kb_name: str | None = None, progress: bool = True,
              generator=None, conversations=None, persona=None):
    """A Bot over the configured knowledge base and generator; sessions go to ``conversations``
    (a :class:`~bot.conversation.Conversations` store; kept in memory when None); ``persona``
    (:class:`~bot.persona.Persona`) gives it its own texts and tone."""
    from .bot import Bot
    from .conversation import MemoryConversations
    from .generators import make_generator
    from .options import BotOptions

    settings = settings or Settings()
    generator = generator or make_generator(settings)
    # The search's translator is the chat model, so the model comes first.
    knowledge = knowledge_from_settings(settings, kb_name, progress=progress,
                                        translator=question_translator(generator))
    conversations = conversations if conversations is not None else MemoryConversations()
    options = BotOptions.from_settings(settings)
    return Bot(knowledge, generator, conversations, options, persona)


def question_translator(generator):
    """The chat model as the searcher's translator: a question asked in a language the knowledge
    base hardly holds is searched in translation too (see ``knowledge/search.py``)."""
    from .prompts import translation_messages

    def translate(question: str, lang: str) -> str:
        return generator.complete(translation_messages(question, lang), max_tokens=96, stop=["\n"])

    return translate
