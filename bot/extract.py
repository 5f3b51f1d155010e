"""Quoted answers: the source sentence that answers the question, cited, with no model call.

The packaged 0.5B chat model reads badly: on XQuAD it names the wrong person or year, echoes the
question, or pastes a paragraph, and its answers hold the gold answer 58% of the time in English
and 32% in Chinese (``bench/results/answers-ours.json``). The best-ranked source sentence holds it
84% and 86% of the time (``answers-extract.json``); on the demo help center's own questions
(``bot/demo/questions.jsonl``, ``bench/demo.py``) quotes are right 83% of the time against 63% for
the model. And a
quote cannot invent a name or a number. With ``answer_style`` "extract" (what "auto" picks for the
packaged models) the bot answers with that sentence; the model is only used when the sentence is
in another language than the question, to translate it. A capable model ("generate") writes its
own answers.

Sentences are ranked by the words they share with the question, and the best dozen again with the
embedder's similarity to the question. The words alone cannot rank a Chinese source for an English
question (no word is shared): on 200 XQuAD questions asked in English of the Chinese knowledge,
the chosen sentence held the answer 0.43 of the time by words, 0.65 with the similarity added (and
0.78 -> 0.81 in English, 0.81 -> 0.82 in Chinese; ``SIMILARITY_WEIGHT``). An answer worded quite
unlike the question can still lose to a sentence that repeats the question's words ("How long is
the password reset link valid?" quotes the SMS code's 10 minutes, not the link's 60).

    >>> quote("How long do refunds take?", hits, weight)
    Quote(hit=0, text='Refunds are paid to the original card within 5 working days.', lang='en')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from knowledge.keyword import tokenize
from knowledge.lang import detect_language
from knowledge.types import Hit

from .prompts import join_sentences, rank_sentences

__all__ = ["Quote", "quote", "trim", "ANSWER_CHARS"]

# Sentence similarity to the question (cosine) counts this many word-score points per unit; of a
# sweep from 5 to 1000, 50 did as well as the best weight for each language pair within 0.015.
SIMILARITY_WEIGHT = 50.0
# The best sentences by words that are compared by similarity too (12 did as well as all of them).
SIMILARITY_CANDIDATES = 12
# The longest quote, in characters: a sentence or two, never a pasted paragraph.
ANSWER_CHARS = {"en": 280, "zh": 140}
# A best sentence shorter than this is followed by the next one ("It is free." says too little).
SHORT = 80
# An FAQ page's answer label ("A: ...", "答：...") is not part of the answer.
_LABEL = re.compile(r"^(?:A|Answer|答|回答)\s*[:：]\s*", re.IGNORECASE)
_WORDS = re.compile(r"[^\W_]")
_BULLET = re.compile(r"^[-*+•]\s+")
_CLAUSE = re.compile(r"(?<=[,;:，；：、])\s*")


@dataclass
class Quote:
    """The quoted text, the index of the hit it comes from, and its language."""

    hit: int
    text: str
    lang: str


def quote(question: str, hits: list[Hit], weight: Callable[[str], float] | None = None,
          similarity: Callable[[list[str]], Sequence[float]] | None = None) -> Quote | None:
    """The sentence of ``hits`` that best answers ``question`` (see ``rank_sentences``), or None.
    ``similarity`` gives the cosine of each of some sentences to the question (the embedder's)."""
    sentences, ranked = rank_sentences(question, hits, weight)
    # A question does not answer a question (help centers repeat them: "Q: How long ...?"), and
    # markup left over ("**") says nothing.
    answers = [r for r in ranked if not sentences[r[1]][r[2]].rstrip().endswith(("?", "？"))
               and _WORDS.search(sentences[r[1]][r[2]])]
    if not answers:
        return None
    if similarity is not None and len(answers) > 1:
        top = answers[:SIMILARITY_CANDIDATES]
        sims = similarity([sentences[hi][si] for _, hi, si in top])
        order = sorted(range(len(top)), key=lambda i: top[i][0] + SIMILARITY_WEIGHT * float(sims[i]),
                       reverse=True)
        answers = [top[i] for i in order]
    _, hi, si = answers[0]
    parts = sentences[hi]
    limit = ANSWER_CHARS.get(detect_language(parts[si]), ANSWER_CHARS["en"])
    chosen = [parts[si]]
    if _leads_in(parts[si]):
        # "Refunds go back to the original payment method:" says nothing without its list.
        items: list[str] = []
        for item in parts[si + 1:]:
            if len(_listed(parts[si], items + [item])) > limit:
                break
            items.append(item)
        text = _LABEL.sub("", _listed(parts[si], items))
    else:
        if len(parts[si]) < SHORT and si + 1 < len(parts) and not _leads_in(parts[si + 1]):
            # A short sentence takes the next one, but not the lead-in to a list it won't quote.
            chosen.append(parts[si + 1])
        text = _LABEL.sub("", join_sentences(chosen))
    lang = detect_language(text)
    return Quote(hi, trim(question, text, ANSWER_CHARS.get(lang, ANSWER_CHARS["en"])), lang)


def _leads_in(sentence: str) -> bool:
    return sentence.rstrip().endswith((":", "："))


def _listed(lead: str, items: list[str]) -> str:
    """A lead-in and its list items on one line: "Paid back: PayPal 1-3 days; cards 3-5 days"."""
    items = [_BULLET.sub("", item) for item in items]  # "- " mid-line is no list, only noise
    if detect_language(lead) == "zh":
        return lead + "；".join(items)
    return " ".join([lead, "; ".join(items)]) if items else lead


def trim(question: str, text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters around the clauses that share the most words
    with ``question``; cut ends are marked with an ellipsis."""
    if len(text) <= limit:
        return text
    parts = [p for p in _CLAUSE.split(text) if p]
    q = set(tokenize(question))
    best = max(range(len(parts)), key=lambda i: len(q & set(tokenize(parts[i]))))
    lo = hi = best

    def joined(a: int, b: int) -> str:
        return "".join(p if detect_language(p) == "zh" else p + " " for p in parts[a:b + 1]).strip()

    grew = True
    while grew:
        grew = False
        if hi + 1 < len(parts) and len(joined(lo, hi + 1)) <= limit - 2:
            hi, grew = hi + 1, True
        if lo > 0 and len(joined(lo - 1, hi)) <= limit - 2:
            lo, grew = lo - 1, True
    out = joined(lo, hi)[: limit - 2]
    return ("…" if lo > 0 else "") + out + ("…" if hi < len(parts) - 1 or len(joined(lo, hi)) > limit - 2 else "")
