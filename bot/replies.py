"""Reading the model's reply: whether it says it does not know, which sources it cites, and the
small model's habit of echoing a source's number and label tidied away."""

from __future__ import annotations

import re

__all__ = ["is_refusal", "citations", "tidy", "CITATION"]

_REFUSALS = re.compile(
    r"i don'?t know|i do not know|not (?:mentioned|provided|stated|specified|found|available|included)"
    r"|no information|do(?:es)? not (?:contain|mention|say|provide|specify)|do(?:es)?n'?t (?:contain|mention|say)"
    r"|cannot (?:answer|find)|can'?t (?:answer|find)|unable to (?:answer|find)|not sure"
    r"|不知道|无法回答|没有提到|未提及|没有相关|没有提供|无法确定|未提供|无法找到|找不到|不清楚",
    re.IGNORECASE,
)
CITATION = re.compile(r"\[(\d{1,2})\]")
"""A citation mark, ``[1]`` to ``[99]``."""


def is_refusal(answer: str) -> bool:
    """Whether a generated answer says that the sources hold no answer."""
    return bool(_REFUSALS.search(answer[:200]))


def tidy(answer: str, labels: list[str]) -> str:
    """Undo a small model's habit of echoing the source's number and label before its answer."""
    out = answer.strip()
    lead = re.match(r"^\[(\d{1,2})\]\s*", out)
    if lead:
        out = out[lead.end():]
        n = int(lead.group(1))
        label = labels[n - 1] if 1 <= n <= len(labels) else ""
        # Only a label set off like a heading ("prices: ..."), not one that starts a real sentence
        # ("Express delivery is available ..." under the section "Express delivery").
        if label and out.lower().startswith(label.lower()) and re.match(r"\s*([:：\-–—|]|\n)", out[len(label):]):
            out = out[len(label):].lstrip(" :：-–—|\n")
        if not CITATION.search(out):
            out = out.rstrip() + f" [{n}]"
    return out


def citations(answer: str, n_sources: int) -> list[int]:
    """Source numbers an answer cites, in order of first use, ignoring numbers out of range."""
    seen: list[int] = []
    for m in CITATION.finditer(answer):
        i = int(m.group(1))
        if 1 <= i <= n_sources and i not in seen:
            seen.append(i)
    return seen
