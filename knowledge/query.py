"""Bounds on what one question costs, whatever its length and language.

A customer may send ``max_question_chars`` (4,000) characters. Unbounded, such a question is
embedded window after window (the e5 engine averages every 512-token window: 6 s for 4,000
characters on 2 cores, against 0.06 s for one sentence), segmented whole by jieba, scored with
hundreds of BM25 terms, and pasted into the chat model's translation and answer prompts (over a
thousand prompt tokens). Every step instead reads a bounded part of it:

- search: ``SEARCH_CHARS`` are segmented into keywords, of which at most ``MAX_TERMS`` distinct
  terms are scored; ``EMBED_CHARS`` are embedded (and never more than the embedder's window,
  ``embedders.embed_query``);
- the translation prompt reads ``TRANSLATE_CHARS``, the answer prompt ``PROMPT_CHARS``.

A long question usually states its context first and its ask last, so a cut keeps its head and
its tail (:func:`bounded`), and the clause it ends on, when that asks something, is searched on
its own as well (:func:`closing_ask`): the embedding of a long question is mostly its context.
"""

from __future__ import annotations

import re

__all__ = ["bounded", "closing_ask", "SEARCH_CHARS", "EMBED_CHARS", "MAX_TERMS", "TRANSLATE_CHARS", "PROMPT_CHARS"]

# Typical questions are far shorter than every bound (the demo's longest is 80 characters).
SEARCH_CHARS = 1000
EMBED_CHARS = 400  # about 300 e5 tokens of Chinese, 100 of English
MAX_TERMS = 48
TRANSLATE_CHARS = 300
PROMPT_CHARS = 300
_ELLIPSIS = " … "
_SPACE = re.compile(r"\s")
# The last clause, when it ends in a question mark: after the last mark that ends a clause.
_LAST_ASK = re.compile(r"[^,，;；:：。.!！?？\s][^,，;；:：。.!！?？\n]{3,}[?？]\s*$")


def closing_ask(text: str) -> str:
    """The clause a question longer than ``EMBED_CHARS`` ends on, when it asks something ("退款多久
    到账？" after four thousand characters about a leaking kettle); "" otherwise."""
    if len(text) <= EMBED_CHARS:
        return ""
    found = _LAST_ASK.search(text)
    return found.group(0).strip() if found else ""


def bounded(text: str, limit: int) -> str:
    """``text`` if it has at most ``limit`` characters, else its head and tail joined by an
    ellipsis (about 3/5 and 2/5 of ``limit``), cut at spaces where the text has them."""
    if len(text) <= limit:
        return text
    room = max(limit - len(_ELLIPSIS), 2)
    head, tail = text[: room * 3 // 5], text[len(text) - (room - room * 3 // 5):]
    # Cut at a space rather than inside a word (Chinese has none and is cut anywhere).
    if _SPACE.search(head[len(head) // 2:]):
        head = head[: max(i for i, ch in enumerate(head) if ch.isspace())]
    if _SPACE.search(tail[: len(tail) // 2]):
        tail = tail[next(i for i, ch in enumerate(tail) if ch.isspace()) + 1:]
    return head.rstrip() + _ELLIPSIS + tail.lstrip()
