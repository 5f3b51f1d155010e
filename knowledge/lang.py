"""Which language a text is in: just enough to tell English from Chinese."""

from __future__ import annotations

import re

__all__ = ["detect_language"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def detect_language(s: str) -> str:
    """"zh" when at least 30% of the letters are Chinese characters, else "en"."""
    letters = [c for c in s[:2000] if c.isalpha()]
    if not letters:
        return "en"
    cjk = sum(1 for c in letters if _CJK.match(c))
    return "zh" if cjk / len(letters) >= 0.3 else "en"
