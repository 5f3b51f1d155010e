"""The context line ("Title > Section") put before a chunk's text when it is embedded."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["context_line", "short_context"]

# Headings extracted from HTML can be whole sentences; the context line must not eat the window.
_MAX_CONTEXT_CHARS = 200


def context_line(title: str, section: str) -> str:
    """Title and section path as one line; just the section if it already starts with the title."""
    title, section = title.strip(), section.strip()
    if not section or section == title:
        line = title
    elif not title or section.startswith(f"{title} > "):
        line = section  # Markdown and DOCX section paths already begin with the title heading
    else:
        line = f"{title} > {section}"
    line = " ".join(line.split())
    return line if len(line) <= _MAX_CONTEXT_CHARS else line[: _MAX_CONTEXT_CHARS - 1] + "…"


def short_context(
    title: str, section: str, count: Callable[[str], int], max_tokens: int
) -> tuple[str, str]:
    """Title and section, shortened (ending in "…") if their line takes over half the window."""
    # Shortening beats refusing the whole document over one overlong heading.
    limit = max_tokens // 2

    def fits(t: str, s: str) -> bool:
        context = context_line(t, s)
        return count(f"{context}\n" if context else "") <= limit

    if fits(title, section):
        return title, section
    section = _shorten(section, lambda s: fits(title, s))
    if not fits(title, section):
        title = _shorten(title, lambda t: fits(t, section))
    return title, section


def _shorten(text: str, fits: Callable[[str], bool]) -> str:
    lo, hi, best = 1, len(text) - 1, ""
    while lo <= hi:
        mid = (lo + hi) // 2
        candidate = text[:mid].rstrip() + "…"
        if fits(candidate):
            best, lo = candidate, mid + 1
        else:
            hi = mid - 1
    return best
