"""The knowledge base: loaders, splitting, embedders, the Chroma store, hybrid search, ingestion.

Callers use one object, :class:`KnowledgeBase`, built by :func:`open_knowledge`.
"""

from .base import FaqMatch, KnowledgeBase, open_knowledge
from .errors import (
    FileTooLarge,
    HelpdeskError,
    InputError,
    MissingExtra,
    ModelError,
    NotFound,
    StoreUnavailable,
    UnsupportedFile,
)
from .ingest import DocReport, IngestReport
from .manifest import DocInfo
from .types import Chunk, Document, FaqEntry, Hit, LoadedFile

__all__ = [
    "KnowledgeBase", "open_knowledge", "FaqMatch", "DocInfo", "IngestReport", "DocReport",
    "Chunk", "Document", "FaqEntry", "Hit", "LoadedFile",
    "HelpdeskError", "InputError", "UnsupportedFile", "FileTooLarge", "NotFound",
    "StoreUnavailable", "ModelError", "MissingExtra",
]
