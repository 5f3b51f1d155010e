"""Where sentences end, in English and Chinese: the one splitter that chunking, prompts and
quoted answers share.

A Chinese sentence ends at 。！？； (and the closing quotes or brackets after it), with or without a
space. An English one ends at . ! ? ; before a space, so "3.5" and "example.com" stay whole, and
not before a word in lower case ("e.g. this"), nor at the full stop of an initial ("John C.
Smith"), a common abbreviation ("Dr.", "etc.") or a list number ("3. Open the email"). A ! or ?
right before a Chinese character ends a sentence too (Chinese written with half-width marks).
Line breaks are left to the callers: what a line is (a list item, a table row, a wrapped
sentence) depends on the text around it.
"""

from __future__ import annotations

import re

from .lang import CJK_RANGES

__all__ = ["split_sentences"]

_CLOSERS = "」』”’）》〉】)\\]\"'"
_NOT_AN_END = (r"(?<![\s(.][A-Z])(?<!\b(?:St|Mr|Dr|Jr|Sr|No|vs|Co|Ms))(?<!\bMrs)(?<!\b(?:e\.g|i\.e|etc))"
               r"(?<!\b\d)(?<!\b\d\d)")
_END = re.compile(
    rf"[。！？；]+[{_CLOSERS}]*\s*"  # Chinese needs no space after a sentence
    rf"|(?:[!?;]|{_NOT_AN_END}\.)[.!?;]*[{_CLOSERS}]*\s+(?![\sa-z])"  # English needs one
    rf"|[!?]+[{_CLOSERS}]*(?=[{CJK_RANGES}])"
)


def split_sentences(text: str, *, exact: bool = False) -> list[str]:
    """The sentences of ``text``, trimmed; or, ``exact``, each with the spaces that follow it, so
    that joined they are ``text`` again (what the chunker needs)."""
    ends = [m.end() for m in _END.finditer(text) if m.end() < len(text)]
    parts = [text[a:b] for a, b in zip([0, *ends], [*ends, len(text)]) if a < b]
    return parts if exact else [p.strip() for p in parts if p.strip()]
