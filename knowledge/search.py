"""Hybrid retrieval: dense vectors and BM25 keywords, fused on calibrated scales.

Each hit gets ``dense + w * keyword * (1 - dense)`` twice (capped at 1 when reported): keyword
evidence can only raise a chunk, never lower it, so when the keyword side finds nothing (a question
in English about Chinese knowledge, say) the dense ranking stands unchanged. ``score`` uses one
calibration for every language and ranks; ``relevance`` uses the calibration of the question's and
the passage's languages and is what an answerability threshold compares against.
"""

from __future__ import annotations

import numpy as np

from .calibration import Calibration
from .embedders import embed_query
from .keyword import tokenize
from .lang import detect_language
from .store import KnowledgeBase
from .types import Hit

__all__ = ["Searcher"]


class Searcher:
    """Answers queries against one knowledge base with calibrated, fused scores."""

    def __init__(self, kb: KnowledgeBase, calibration: Calibration, *, keyword_weight: float = 1.5,
                 candidates: int = 20, reranker=None):
        self.kb, self.calibration = kb, calibration
        self.keyword_weight, self.candidates, self.reranker = keyword_weight, candidates, reranker

    def search(self, query: str, k: int = 4, *, vector: np.ndarray | None = None) -> list[Hit]:
        """The ``k`` most relevant chunks for ``query``, best first (``vector``: its embedding, if known)."""
        if vector is None:
            vector = embed_query(self.kb.embedder, query)
        n = max(self.candidates, 2 * k)
        dense = {c.id: (c, cos) for c, cos in self.kb.query(vector, n)}
        keyword = dict(self.kb.keyword_index().search(tokenize(query), n))
        missing = [cid for cid in keyword if cid not in dense]
        dense.update({c.id: (c, cos) for c, cos in self.kb.fetch(missing, vector)})
        hits = []
        qlang = detect_language(query)
        w = self.keyword_weight
        for cid, (chunk, cos) in dense.items():
            d = float(self.calibration.score(cos))
            pair = float(self.calibration.score(cos, qlang, detect_language(chunk.text)))
            kw = keyword.get(cid, 0.0)
            # Uncapped for ranking: two chunks the keywords both confirm still differ by dense score.
            fused = d + w * kw * (1.0 - d)
            relevance = min(1.0, pair + w * kw * (1.0 - pair))
            hits.append(Hit(chunk=chunk, score=fused, dense=d, keyword=kw, relevance=relevance,
                            extra={"cosine": cos}))
        hits.sort(key=lambda h: h.score, reverse=True)
        for h in hits:
            h.score = min(h.score, 1.0)
        if self.reranker is not None and hits:
            hits = self.reranker.rerank(query, hits[: max(2 * k, 10)])
        return hits[:k]


class CrossEncoderReranker:
    """Reorders candidates with a sentence-transformers cross-encoder (path or id)."""

    def __init__(self, model: str):
        from sentence_transformers import CrossEncoder

        self._model = CrossEncoder(model, device="cpu")

    def rerank(self, query: str, hits: list[Hit]) -> list[Hit]:
        """Sort by the cross-encoder; scores blend its probability with the fused relevance."""
        logits = np.asarray(self._model.predict([(query, h.chunk.text) for h in hits]), dtype=np.float32)
        probs = 1.0 / (1.0 + np.exp(-logits.reshape(len(hits), -1)[:, -1]))
        for h, p in zip(hits, probs):
            h.extra["rerank"] = float(p)
            h.score = 0.5 * h.score + 0.5 * float(p)
        return sorted(hits, key=lambda h: h.score, reverse=True)
