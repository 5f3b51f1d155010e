"""A LangChain retriever over a helpdesk knowledge base, for users' own LangChain chains.

It asks whatever it is given for ``search(query, k)`` (``KnowledgeBase.as_retriever`` gives it the
knowledge base itself), so it searches with the same searcher and calibration as the Bot.
"""

from __future__ import annotations

from typing import Any, Protocol

from .types import Hit

__all__ = ["make_retriever", "Searchable"]


class Searchable(Protocol):
    """Anything that answers a query with hits, best first."""

    def search(self, query: str, k: int = 4) -> list[Hit]:
        """The ``k`` most relevant chunks for ``query``."""
        ...


def make_retriever(knowledge: Searchable, k: int = 4):
    """A ``langchain_core`` BaseRetriever returning Documents with source, title and score."""
    try:
        from langchain_core.callbacks import CallbackManagerForRetrieverRun
        from langchain_core.documents import Document as LCDocument
        from langchain_core.retrievers import BaseRetriever
    except ImportError as exc:  # pragma: no cover - langchain-core is a base dependency
        from .errors import MissingExtra

        raise MissingExtra("langchain-core", "core", "as_retriever()") from exc

    class HelpdeskRetriever(BaseRetriever):
        """Hybrid, calibrated retrieval from a helpdesk knowledge base."""

        knowledge: Any
        k: int = 4

        def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun):
            return [
                LCDocument(
                    page_content=h.chunk.text,
                    metadata={"source": h.chunk.source, "title": h.chunk.title,
                              "location": h.chunk.location(), "chunk_id": h.chunk.id,
                              "score": h.score},
                )
                for h in self.knowledge.search(query, self.k)
            ]

    return HelpdeskRetriever(knowledge=knowledge, k=k)
