"""Whether a written answer says only what its sources say: every number and name in it stands in them.

The hybrid answer style ("compose") lets the model rewrite the quoted blocks into a shorter
answer; a small model may change a number ("within 3 days" for "5 working days") or invent a
menu name. Such an answer is dropped and the quote stands.

    >>> grounded("Refunds take 5 working days [1].", ["We refund within 5 working days."])
    True
"""

from __future__ import annotations

import re

from knowledge.lang import CJK

__all__ = ["grounded", "claims"]

_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
# Words written like names: inner or leading capitals inside a sentence, code, Latin words in Chinese.
_NAME = re.compile(r"`([^`\n]+)`|(?<=[A-Za-z0-9,;:'’)] )([A-Z][\w-]*(?: [A-Z][\w-]*)*)|([A-Za-z][\w.+-]*[A-Z0-9][\w.+-]*)")


def claims(answer: str) -> list[str]:
    """The numbers and names an answer states, citation marks aside."""
    text = re.sub(r"\[\d{1,2}\]", " ", answer)
    out = _NUMBER.findall(text)
    for m in _NAME.finditer(text):
        out.append(next(g for g in m.groups() if g))
    if CJK.search(text):
        out.extend(re.findall(r"(?<![A-Za-z])[A-Za-z][A-Za-z0-9+.-]*", text))
    return out


def grounded(answer: str, sources: list[str]) -> bool:
    """Whether every number and name of ``answer`` occurs in ``sources`` (case and spacing aside)."""
    haystack = " ".join(" ".join(s.replace("*", "").split()) for s in sources).lower()
    squeezed = haystack.replace(" ", "")
    for claim in claims(answer):
        c = " ".join(claim.split()).lower()
        if not (_whole(c, haystack) or _whole(c.replace(" ", ""), squeezed)):
            return False
    return True


def _whole(needle: str, haystack: str) -> bool:
    """``needle`` in ``haystack`` as a whole word or number ("5" is not in "15")."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(needle)}(?![A-Za-z0-9_])", haystack) is not None
