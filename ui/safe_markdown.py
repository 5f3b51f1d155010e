"""Message text made safe for Gradio's Markdown renderer: Markdown is formatted, HTML never runs.

Gradio's Chatbot renders Markdown with marked and then sanitises the HTML with an allow-list, which
still lets HTML written into the text render (``<img src=...>`` loads, ``<b>`` is bold). A message
(knowledge text, a model's words, what a customer typed) must show such markup as text, so every ``<`` outside
code is escaped before Gradio sees it (marked shows ``&lt;`` as "<"; code spans and fences are
escaped by marked itself). Images are never loaded: ``![alt](url)`` becomes its alt text. Links
stay links only to http(s) and mailto; Gradio opens them with ``rel="noopener noreferrer"``.
"""

from __future__ import annotations

import re

__all__ = ["safe_markdown", "source_markdown"]

_FENCE = re.compile(r"^ {0,3}(`{3,}(?!.*`)|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_IMAGE = re.compile(r"!\[([^\]\n]*)\](?:\([^)\n]*\)|\[[^\]\n]*\])")
_LINK = re.compile(r"\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"\n]*\")?\s*\)")
_SAFE_URL = re.compile(r"(?:https?://|mailto:)", re.I)
# A crawled page's source is its normalised URL: characters that could end a Markdown link or
# start HTML never occur in one, so any other source name is shown as code, not linked.
_PAGE_URL = re.compile(r"https?://[^\s<>\"'`()\[\]\\]+", re.I)
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def source_markdown(source: str) -> str:
    """A document's source name as Markdown: a link to the live page when it is an http(s) URL
    (Gradio opens it in a new tab with ``rel="noopener noreferrer"``), else inline code."""
    if _PAGE_URL.fullmatch(source or ""):
        shown = _PUNCTUATION.sub(r"\\\1", source)  # the link's text, shown as written
        return f"[{shown}]({source})"
    return f"`{source}`"


def safe_markdown(text: str) -> str:
    """``text`` with raw HTML escaped, images reduced to their alt text and unsafe links to text."""
    out: list[str] = []
    prose: list[str] = []
    fence = None
    for line in str(text).split("\n"):
        if fence is not None:
            out.append(line)
            if re.match(rf" {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", line):
                fence = None
            continue
        opened = _FENCE.match(line)
        if opened:
            if prose:
                out.append(_prose("\n".join(prose)))
                prose.clear()
            fence = opened.group(1)
            out.append(line)
        else:
            prose.append(line)
    if prose:
        out.append(_prose("\n".join(prose)))
    return "\n".join(out)


def _prose(text: str) -> str:
    parts = []
    last = 0
    for span in _CODE_SPAN.finditer(text):
        parts += [_escape(text[last : span.start()]), span.group(0)]
        last = span.end()
    return "".join(parts + [_escape(text[last:])])


def _escape(text: str) -> str:
    text = _IMAGE.sub(lambda m: m.group(1), text)
    text = _LINK.sub(lambda m: m.group(0) if _SAFE_URL.match(m.group(2)) else m.group(1), text)
    return text.replace("<", "&lt;")
