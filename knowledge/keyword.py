"""Keyword side of hybrid retrieval: tokens for English and Chinese, and a small BM25 index.

Scores are normalised to [0, 1] as the share of the query's best possible BM25 score that a
chunk reaches, so 1.0 means "every query term, well represented" whatever the corpus size.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, defaultdict

from .lang import CJK_RANGES, detect_language

__all__ = ["tokenize", "BM25Index"]

_CJK = re.compile(f"[{CJK_RANGES}]+")
_WORD = re.compile(f"[{CJK_RANGES}]+|[^\\W_{CJK_RANGES}]+")
# Words that carry no content of their own. The last line is Chinese single characters that jieba
# leaves standing alone as function words ("在 Windows 上": "on Windows"); within a word they stay
# ("上传", "下载").
_STOP = frozenset(
    """a an and are as at be by can could do does did for from how i if in is it its me my of on or
    our should so than that the their then there these this those to was we were what when where
    which who whom why will with would you your something anything everything nothing someone anyone
    thing things way ways please thank thanks hi hello also just really
    have has had get got but them they out into same over now about through instead still own been being
    的 了 和 是 在 我 有 你 他 她 它 们 这 那 吗 呢 吧 啊 与 及 或 也 就 都 而 把 被 让 给 对 从 到
    什么 怎么 如何 为什么 哪 哪里 哪个 多少 几 是否 可以 能 请问 一个 没有
    上 下 里 中 要 会 还 才 可 时 过 着 却 再 又 等 但 该 来 更 最 想 地 得 已 很 太""".split()
)

_jieba_lock = threading.Lock()
_jieba = None


def _cut_chinese(text: str) -> list[str]:
    global _jieba
    with _jieba_lock:  # jieba builds its dictionary lazily and not thread-safely
        if _jieba is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba = jieba
    return _jieba.lcut_for_search(text)


def _stem(word: str) -> str:
    """A light English plural stemmer: "returns" and "return" should meet in the index."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Lower-cased words, Chinese segmented with jieba, stop words and punctuation dropped."""
    out: list[str] = []
    for piece in _WORD.findall(text.lower()):
        if _CJK.fullmatch(piece):
            out.extend(t for t in _cut_chinese(piece) if t.strip() and t not in _STOP)
        elif piece not in _STOP and (len(piece) > 1 or piece.isdigit()):
            out.append(_stem(piece))
    return out


class BM25Index:
    """An in-memory BM25 (Okapi) inverted index over pre-tokenised documents."""

    def __init__(self, docs: dict[str, list[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.n = len(docs)
        self._len = {doc_id: len(toks) for doc_id, toks in docs.items()}
        self._avg = (sum(self._len.values()) / self.n) if self.n else 0.0
        self._postings: dict[str, list[tuple[str, int]]] = defaultdict(list)
        # How many chunks are in each language (from their first tokens; Chinese tokens are words).
        self.languages = Counter(detect_language("".join(toks[:40])) for toks in docs.values())
        for doc_id, toks in docs.items():
            for term, tf in Counter(toks).items():
                self._postings[term].append((doc_id, tf))

    def __contains__(self, term: str) -> bool:
        return term in self._postings

    def terms(self) -> list[str]:
        """Every term of the index."""
        return list(self._postings)

    def idf(self, term: str) -> float:
        """Okapi idf, floored at a small positive value so common terms still count a little."""
        df = len(self._postings.get(term, ()))
        return max(math.log((self.n - df + 0.5) / (df + 0.5) + 1.0), 0.01)

    def search(self, query_tokens: list[str], k: int) -> list[tuple[str, float]]:
        """The k best documents with scores normalised to [0, 1]."""
        terms = [t for t in dict.fromkeys(query_tokens) if t in self._postings]
        if not terms or not self.n:
            return []
        # The best a document can reach: every query term present (tf -> infinity saturates at k1+1).
        ceiling = sum(self.idf(t) * (self.k1 + 1) for t in dict.fromkeys(query_tokens)) or 1.0
        scores: dict[str, float] = defaultdict(float)
        for term in terms:
            idf = self.idf(term)
            for doc_id, tf in self._postings[term]:
                norm = self.k1 * (1 - self.b + self.b * self._len[doc_id] / (self._avg or 1.0))
                scores[doc_id] += idf * tf * (self.k1 + 1) / (tf + norm)
        best = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:k]
        return [(doc_id, min(score / ceiling, 1.0)) for doc_id, score in best]
