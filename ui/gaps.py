"""Knowledge gaps: refused and thumbs-down questions grouped by meaning, across languages.

Questions are embedded with the bot's own multilingual embedder. Its raw cosines do not separate
meaning from language: with the packaged e5, two unrelated Chinese questions are often closer
(0.88) than a Chinese question and its English twin (0.82). So two questions are linked by their
*ratio margin* (Artetxe & Schwenk, 2019, as used for mining translations): their cosine divided by
the mean cosine of each one's four nearest neighbours in the other's language, among the questions
themselves and a fixed bilingual set of everyday support questions (so a small list is judged
against a stable background). A link needs a margin of at least 1.0: the two are closer to each
other than to what usually surrounds them. Groups are the connected questions (single linkage).

Measured on 20 support questions in English and Chinese (8 topics): every link at 1.0 or above
joins the same topic; "how do I get an invoice?" and "怎么开发票？" sit at 0.994 directly and are
joined through "我需要发票" (1.015 and 1.001).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from knowledge.lang import detect_language

__all__ = ["group_gaps", "MARGIN", "NEIGHBOURS"]

MARGIN = 1.0
NEIGHBOURS = 4
MAX_QUESTIONS = 300  # distinct questions grouped per request, latest first

# Everyday support questions in both languages, one topic each: the background the margins are
# measured against. None of them is about a topic a test asks to be grouped.
BACKGROUND = [
    ("Where is my order?", "我的订单在哪里？"), ("How much does shipping cost?", "运费多少钱？"),
    ("Can I change my delivery address?", "我可以修改收货地址吗？"), ("How do I cancel my subscription?", "如何取消订阅？"),
    ("What are your opening hours?", "你们的营业时间是什么？"), ("Is this product in stock?", "这个商品有货吗？"),
    ("How do I contact customer service?", "怎么联系客服？"),
    ("Can I return an item I bought on sale?", "打折买的东西可以退吗？"),
    ("Which payment methods do you accept?", "你们接受哪些付款方式？"), ("My discount code does not work", "我的优惠码用不了"),
    ("How do I create an account?", "如何注册账号？"), ("Do you have a store near me?", "我附近有门店吗？"),
    ("The app keeps crashing", "应用一直闪退"), ("How do I update my email address?", "怎么修改邮箱地址？"),
    ("Is my personal data safe?", "我的个人信息安全吗？"), ("Can I buy in bulk for my company?", "公司可以批量采购吗？"),
    ("How do I track my parcel?", "怎么查询物流？"), ("The item I received is the wrong size", "我收到的尺码不对"),
    ("Do you offer student discounts?", "有学生优惠吗？"), ("How do I unsubscribe from emails?", "怎么退订邮件？"),
]

_cache: dict[tuple[str, str], np.ndarray] = {}  # (embedder, question) -> vector; questions recur
_cache_lock = threading.Lock()


def _vectors(embed: Callable[[str], np.ndarray], name: str, texts: list[str]) -> np.ndarray:
    out = []
    for t in texts:
        with _cache_lock:
            vec = _cache.get((name, t))
        if vec is None:
            vec = np.asarray(embed(t), dtype=np.float32)
            vec = vec / (np.linalg.norm(vec) or 1.0)
            with _cache_lock:
                if len(_cache) > 20000:
                    _cache.clear()
                _cache[(name, t)] = vec
        out.append(vec)
    return np.stack(out) if out else np.zeros((0, 1), dtype=np.float32)


def _components(links: np.ndarray) -> list[list[int]]:
    parent = list(range(len(links)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(links, 1))):
        parent[root(int(i))] = root(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(len(links)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def margins(vectors: np.ndarray, langs: list[str], background: np.ndarray, background_langs: list[str]) -> np.ndarray:
    """The ratio margin of every pair of ``vectors`` (unit rows), see the module's docstring."""
    n = len(vectors)
    pool = np.concatenate([background, vectors])
    pool_langs = np.array(background_langs + langs)
    sims = vectors @ pool.T
    sims[np.arange(n), len(background) + np.arange(n)] = 0.0  # not one's own neighbour
    near = {}
    for lang in set(langs):
        cols = sims[:, pool_langs == lang]
        k = min(NEIGHBOURS, cols.shape[1])
        near[lang] = np.sort(cols, axis=1)[:, -k:].mean(axis=1)
    cos = vectors @ vectors.T
    by = np.stack([near[lang] for lang in langs], axis=1)  # by[i, j]: i's neighbours in j's language
    return cos / np.maximum(0.5 * by + 0.5 * by.T, 1e-6)


def group_gaps(found: list[tuple[str, float, str]], embed: Callable[[str], np.ndarray], embedder: str,
               limit: int = 50, examples: int = 5) -> list[dict[str, Any]]:
    """Group (question, when, reason) records by meaning; the groups, largest first, each with its
    count, up to ``examples`` distinct questions (most asked first), languages, reasons and last seen."""
    distinct: dict[str, dict[str, Any]] = {}
    for question, at, reason in found:
        key = " ".join(question.casefold().split())
        item = distinct.get(key)
        if item is None:
            if len(distinct) >= MAX_QUESTIONS:
                continue
            item = distinct[key] = {"question": question, "count": 0, "last_at": at, "reasons": set()}
        item["count"] += 1
        item["last_at"] = max(item["last_at"], at)
        item["reasons"].add(reason)
    items = list(distinct.values())
    if not items:
        return []
    langs = [detect_language(i["question"]) for i in items]
    back_texts = [en for en, _ in BACKGROUND] + [zh for _, zh in BACKGROUND]
    back_langs = ["en"] * len(BACKGROUND) + ["zh"] * len(BACKGROUND)
    vectors = _vectors(embed, embedder, [i["question"] for i in items])
    background = _vectors(embed, embedder, back_texts)
    links = margins(vectors, langs, background, back_langs) >= MARGIN
    groups = []
    for members in _components(links):
        members.sort(key=lambda m: (-items[m]["count"], -items[m]["last_at"]))
        groups.append({
            "question": items[members[0]]["question"],
            "count": sum(items[m]["count"] for m in members),
            "examples": [items[m]["question"] for m in members[:examples]],
            "languages": sorted({langs[m] for m in members}),
            "reasons": sorted(set().union(*(items[m]["reasons"] for m in members))),
            "last_at": max(items[m]["last_at"] for m in members),
        })
    groups.sort(key=lambda g: (-g["count"], -g["last_at"]))
    return groups[:limit]
