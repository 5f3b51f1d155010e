"""Plain data that flows between loaders, splitting, the store and search."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Document", "FaqEntry", "LoadedFile", "Chunk", "Hit"]


@dataclass
class Document:
    """A piece of a file's text with where it came from.

    ``section`` is the heading path ("Returns > Refunds"), ``page`` the 1-based PDF page,
    ``row`` the 1-based first data row of a table group. ``kind`` is "text" or "table".
    """

    text: str
    source: str
    title: str = ""
    section: str = ""
    page: int | None = None
    row: int | None = None
    kind: str = "text"


@dataclass
class FaqEntry:
    """A question with the answer that must be returned word for word."""

    question: str
    answer: str
    source: str = ""


@dataclass
class LoadedFile:
    """What a loader made of one file: documents to chunk, and FAQ entries if it is an FAQ file."""

    source: str
    title: str
    documents: list[Document] = field(default_factory=list)
    faq: list[FaqEntry] = field(default_factory=list)


@dataclass
class Chunk:
    """One unit of retrieval: text plus the metadata stored beside its vector."""

    id: str
    text: str
    source: str
    title: str = ""
    section: str = ""
    page: int | None = None
    row: int | None = None
    kind: str = "text"

    def location(self) -> str:
        """A short human-readable place inside the document (page, section or row)."""
        parts = []
        if self.page is not None:
            parts.append(f"p. {self.page}")
        if self.section:
            parts.append(self.section)
        if self.row is not None:
            parts.append(f"row {self.row}")
        return ", ".join(parts)


@dataclass
class Hit:
    """A retrieved chunk with calibrated scores in [0, 1].

    ``score`` says how well the hit matches (one calibration for all languages, so that a passage
    in the question's language wins over its translation); ``relevance`` says whether the hit can
    answer the question (calibrated for the question/passage language pair, so an English question
    about Chinese knowledge is judged on the cross-language scale). ``rank`` orders the hits: the
    score before it is clipped to [0, 1], so that passages above a typical answer's similarity, or
    below a typical unrelated one's, keep their order.
    """

    chunk: Chunk
    score: float
    dense: float = 0.0
    keyword: float = 0.0
    relevance: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    rank: float | None = None

    def __post_init__(self) -> None:
        if self.rank is None:
            self.rank = self.score

    def as_dict(self) -> dict[str, Any]:
        """The search-hit object of the command-line and API contract."""
        c = self.chunk
        return {
            "chunk_id": c.id,
            "source": c.source,
            "title": c.title,
            "location": c.location(),
            "text": c.text,
            "score": round(self.score, 4),
            "relevance": round(self.relevance, 4),
        }
