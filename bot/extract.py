"""Quoted answers: the source sentence that answers the question, cited, with no model call.

The packaged 0.5B chat model reads badly: on XQuAD it names the wrong person or year, echoes the
question, or pastes a paragraph, and its answers hold the gold answer 58% of the time in English
and 32% in Chinese (``bench/results/answers-ours.json``). The best-ranked source sentence holds it
80% and 84% of the time (``answers-extract.json``); on the demo help center's own questions
(``bot/demo/questions.jsonl``, ``bench/demo.py``) quotes are right 83% of the time against 67% for
the model. And a
quote cannot invent a name or a number. With ``answer_style`` "extract" (what "auto" picks for the
packaged models) the bot answers with that sentence; the model is only used when the sentence is
in another language than the question, to translate it. A capable model ("generate") writes its
own answers.

Sentences are ranked by the words they share with the question, so an answer worded quite unlike
the question can lose to a sentence that repeats the question's words ("How long is the password
reset link valid?" quotes the SMS code's 10 minutes, not the link's 60).

    >>> quote("How long do refunds take?", hits, weight)
    Quote(hit=0, text='Refunds are paid to the original card within 5 working days.', lang='en')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from knowledge.keyword import tokenize
from knowledge.lang import detect_language
from knowledge.types import Hit

from .prompts import join_sentences, rank_sentences

__all__ = ["Quote", "quote", "trim", "ANSWER_CHARS"]

# The longest quote, in characters: a sentence or two, never a pasted paragraph.
ANSWER_CHARS = {"en": 280, "zh": 140}
# A best sentence shorter than this is followed by the next one ("It is free." says too little).
SHORT = 80
# An FAQ page's answer label ("A: ...", "答：...") is not part of the answer.
_LABEL = re.compile(r"^(?:A|Answer|答|回答)\s*[:：]\s*", re.IGNORECASE)
_CLAUSE = re.compile(r"(?<=[,;:，；：、])\s*")


@dataclass
class Quote:
    """The quoted text, the index of the hit it comes from, and its language."""

    hit: int
    text: str
    lang: str


def quote(question: str, hits: list[Hit], weight: Callable[[str], float] | None = None) -> Quote | None:
    """The sentence of ``hits`` that best answers ``question`` (see ``rank_sentences``), or None."""
    sentences, ranked = rank_sentences(question, hits, weight)
    # A question does not answer a question (help centers repeat them: "Q: How long ...?").
    answers = [r for r in ranked if not sentences[r[1]][r[2]].rstrip().endswith(("?", "？"))]
    if not answers:
        return None
    _, hi, si = answers[0]
    parts = sentences[hi]
    chosen = [parts[si]]
    if len(parts[si]) < SHORT and si + 1 < len(parts):
        chosen.append(parts[si + 1])
    text = _LABEL.sub("", join_sentences(chosen))
    lang = detect_language(text)
    return Quote(hi, trim(question, text, ANSWER_CHARS.get(lang, ANSWER_CHARS["en"])), lang)


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
