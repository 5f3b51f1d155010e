"""Which language a text is in (just enough to tell English from Chinese), and the one pattern of
Chinese characters that every part of helpdesk uses.

``CJK_RANGES`` is the body of a character class, for patterns that embed it (``[^\\W{CJK_RANGES}]``);
``CJK`` matches one such character. The widget gets the same ranges from the server.
"""

from __future__ import annotations

import re

__all__ = ["detect_language", "CJK", "CJK_RANGES"]

# CJK Unified Ideographs, Extension A and the compatibility ideographs.
CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK = re.compile(f"[{CJK_RANGES}]")


def detect_language(s: str) -> str:
    """"zh" when at least 30% of the letters are Chinese characters, else "en"."""
    letters = [c for c in s[:2000] if c.isalpha()]
    if not letters:
        return "en"
    cjk = sum(1 for c in letters if CJK.match(c))
    return "zh" if cjk / len(letters) >= 0.3 else "en"
