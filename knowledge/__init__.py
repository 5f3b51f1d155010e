"""The knowledge base: loaders, splitting, embedders, the Chroma store, hybrid search, ingestion."""

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
from .types import Chunk, Document, FaqEntry, Hit, LoadedFile

__all__ = [
    "Chunk", "Document", "FaqEntry", "Hit", "LoadedFile",
    "HelpdeskError", "InputError", "UnsupportedFile", "FileTooLarge", "NotFound",
    "StoreUnavailable", "ModelError", "MissingExtra",
]
