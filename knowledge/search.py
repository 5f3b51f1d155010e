"""Hybrid retrieval: dense vectors and BM25 keywords, fused on calibrated scales.

Hits are ranked by ``dense + w * keyword``, the dense side on one calibrated scale for every
language and not clipped: keyword evidence can only raise a chunk, never lower it, so when the
keyword side finds nothing (a question in English about Chinese knowledge, say) the dense ranking
stands unchanged. Clipping the dense side to [0, 1] first, as this module once did, tied every
passage beyond the calibration's ends: close passages of one language all at 1, where keywords
could no longer tell them apart (XQuAD zh hit@1 0.926, now 0.953), and distant cross-language
passages all at 0, where keywords alone decided (en->zh hit@4 0.898, now 0.922; dense alone 0.924).
``score`` is that rank clipped to [0, 1]; ``relevance`` is ``pair + w * keyword * (1 - pair)`` with
the calibration of the question's and the passage's languages, and is what an answerability
threshold compares against.

A chunk's dense side is the closer of the chunk as a whole and its closest sentence (each sentence
has a vector of its own: ``splitting.sentence_texts``), so a question about one sentence of a broad
chunk finds it (correct quoted answers on the held-out help center 0.64 -> 0.67 en, 0.71 -> 0.75
zh, with a gate raised to keep refusals: docs/benchmarks.md).

Across languages the dense side alone carries the ranking, and a small multilingual embedder is
weaker there (XQuAD hit@4 0.88 for Chinese questions against English passages, 0.99 within one
language). When a ``translator`` is given and the knowledge base holds little in the question's
language, the question is also searched in translation and the two rankings are summed (into
English only by default: see ``translate_into``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from .calibration import Calibration
from .embedders import embed_query
from .keyword import BM25Index, tokenize
from .lang import detect_language
from .query import MAX_TERMS, SEARCH_CHARS, TRANSLATE_CHARS, bounded, closing_ask
from .store import ChunkStore
from .types import Chunk, Hit

__all__ = ["Searcher"]

log = logging.getLogger("helpdesk.search")

# Translate the question when less than this share of the chunks is in its language.
TRANSLATE_BELOW = 0.2


class Searcher:
    """Answers queries against one knowledge base with calibrated, fused scores; everything it
    uses, the translator included, is given to its constructor."""

    def __init__(self, store: ChunkStore, calibration: Calibration, *, keyword_weight: float = 1.5,
                 candidates: int = 20, reranker=None,
                 translator: Callable[[str, str], str] | None = None,
                 translate_into: frozenset[str] = frozenset({"en"})):
        self.store, self.calibration = store, calibration
        self.keyword_weight, self.candidates, self.reranker = keyword_weight, candidates, reranker
        # (text, language) -> the text in that language; the bot passes its chat model's. Only
        # into these languages: the packaged 0.5B model's Chinese translations cost more than they
        # bring (XQuAD en->zh hit@4 0.898 alone, 0.832 fused, measured with the earlier clipped ranking).
        self.translator, self.translate_into = translator, translate_into

    def search(self, query: str, k: int = 4, *, vector: np.ndarray | None = None,
               also: tuple[str, ...] = ()) -> list[Hit]:
        """The ``k`` most relevant chunks for ``query``, best first (``vector``: its embedding, if
        known; ``also``: other wordings of it, searched too and fused like a translation). A long
        query is searched by its bounded part, and by the ask it ends on (``knowledge/query.py``)."""
        ask = closing_ask(query)
        query = bounded(query, SEARCH_CHARS)
        also = tuple(bounded(w, SEARCH_CHARS) for w in also) + ((ask,) if ask else ())
        n = max(self.candidates, 2 * k)
        index = self.store.keyword_index()  # one registry read per search, translated or not
        hits = self._search(query, n, vector, index)
        for wording in also:
            hits = _fuse(hits, self._search(wording, n, None, index))
        target = self._translation_target(query, index)
        if target:
            try:
                translated = self.translator(bounded(query, TRANSLATE_CHARS), target).strip()
            except Exception as exc:  # a failed translation must not fail the search
                log.warning("question translation failed: %s", exc)
                translated = ""
            if translated:
                hits = _fuse(hits, self._search(translated, n, None, index))
                for h in hits:
                    h.extra["translated_query"] = translated
        if self.reranker is not None and hits:
            hits = self.reranker.rerank(query, hits[: max(2 * k, 10)])
        return hits[:k]

    def translates(self, query: str) -> bool:
        """Whether searching ``query`` asks the translator (a model call) for a translation of it."""
        return self.translator is not None and \
            self._translation_target(bounded(query, SEARCH_CHARS), self.store.keyword_index()) is not None

    def _translation_target(self, query: str, index: BM25Index) -> str | None:
        """The language to search in as well: the knowledge base's main one, when it is not the
        question's and the question's own language is rare in it."""
        if self.translator is None:
            return None
        langs = index.languages
        total = sum(langs.values())
        qlang = detect_language(query)
        if not total or langs.get(qlang, 0) >= TRANSLATE_BELOW * total:
            return None
        main = langs.most_common(1)[0][0]
        return main if main != qlang and main in self.translate_into else None

    def _search(self, query: str, n: int, vector: np.ndarray | None, index: BM25Index) -> list[Hit]:
        if vector is None:
            vector = embed_query(self.store.embedder, query)
        dense = {c.id: (c, cos) for c, cos in self.store.query(vector, n)}
        keyword = dict(index.search(list(dict.fromkeys(tokenize(query)))[:MAX_TERMS], n))
        missing = [cid for cid in keyword if cid not in dense]
        dense.update({c.id: (c, cos) for c, cos in self.store.fetch(missing, vector)})
        # A chunk is as close as its closest sentence: see ``splitting.sentence_texts``.
        for cid, cos in self.store.sentence_similarity(list(dense), vector).items():
            chunk, own = dense[cid]
            dense[cid] = (chunk, max(own, cos))
        qlang = detect_language(query)
        hits = [scored(chunk, cos, keyword.get(cid, 0.0), qlang, self.calibration, self.keyword_weight)
                for cid, (chunk, cos) in dense.items()]
        hits.sort(key=lambda h: h.rank, reverse=True)
        return hits


def scored(chunk: Chunk, cosine: float, keyword: float, query_lang: str, calibration: Calibration,
           keyword_weight: float) -> Hit:
    """One candidate's hit: ranked by the unclipped dense score plus the keyword evidence."""
    d = float(calibration.linear(cosine))
    rank = d + keyword_weight * keyword
    pair = float(calibration.score(cosine, query_lang, detect_language(chunk.text)))
    relevance = min(1.0, pair + keyword_weight * keyword * (1.0 - pair))
    return Hit(chunk=chunk, score=min(max(rank, 0.0), 1.0), dense=min(max(d, 0.0), 1.0), keyword=keyword,
               relevance=relevance, rank=rank)


def _fuse(original: list[Hit], translated: list[Hit]) -> list[Hit]:
    """Both rankings of one question: summed ranks order the hits, the better relevance and score
    are kept. (On XQuAD, Chinese questions against English passages, 1,190 questions: hit@4 0.877
    alone, 0.903 summed in ``bench/retrieval.py``; offline on cached translations, the translation
    alone gave 0.882 and the better of the two rankings 0.885.)"""
    merged: dict[str, Hit] = {}
    for h in original + translated:
        kept = merged.setdefault(h.chunk.id, h)
        if kept is not h:
            kept.relevance = max(kept.relevance, h.relevance)
            kept.score = max(kept.score, h.score)
            kept.rank += h.rank
    return sorted(merged.values(), key=lambda h: h.rank, reverse=True)


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
            h.score = h.rank = 0.5 * h.score + 0.5 * float(p)
        return sorted(hits, key=lambda h: h.rank, reverse=True)
