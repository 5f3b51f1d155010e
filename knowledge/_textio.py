"""Bytes -> text for text formats (BOMs, UTF-8, GB18030, then a guess), and whitespace tidying."""

from __future__ import annotations

import codecs
import re
import unicodedata

from .errors import UnsupportedFile

__all__ = ["decode_text", "normalize_newlines", "tidy", "strip_tags"]

# UTF-32 first: its little-endian BOM begins with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Formats that are never text, caught here so a renamed PDF or Office file is refused clearly.
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x7fELF")
# Real text has almost no control characters; a tenth of them means we decoded binary noise.
_MAX_CONTROL_RATIO = 0.1


def normalize_newlines(text: str) -> str:
    """Turn CRLF and lone CR into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_text(data: bytes, source: str) -> str:
    """Decode a text file's bytes, refusing binary content; newlines become LF."""
    text = _decode(data, source)
    if text.startswith("\ufeff"):
        text = text[1:]
    if _looks_binary(text):
        raise _binary(source)
    return normalize_newlines(text)


def _decode(data: bytes, source: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise UnsupportedFile(
                    f"{source} starts with a {encoding} byte-order mark but is not valid {encoding}"
                ) from exc
    if b"\x00" in data or data.startswith(_BINARY_MAGIC):
        raise _binary(source)
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise _binary(source)
    return str(best)


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    control = sum(
        1 for ch in text if ch not in "\t\n\r\f" and unicodedata.category(ch) in ("Cc", "Cs")
    )
    return control / len(text) > _MAX_CONTROL_RATIO


def _binary(source: str) -> UnsupportedFile:
    return UnsupportedFile(f"{source} looks like a binary file, not text")


_SPACES = re.compile(r"[ \t\f\v\u00a0\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def tidy(text: str) -> str:
    """Collapse runs of spaces, trim every line and keep at most one blank line in a row."""
    lines = (_SPACES.sub(" ", line).strip() for line in normalize_newlines(text).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


_SCRIPT = re.compile(r"<(script|style|iframe|object|embed|noscript|template)\b.*?(?:</\1\s*>|\Z)", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<![A-Za-z][^>]*>|<\?.*?(?:\?>|\Z)", re.S)
_TAG = re.compile(r"""</?[A-Za-z][\w:.-]*(?:[\s/]+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))?)*[\s/]*>""")
_BREAK = re.compile(r"</?(?:br|p|div|li|ul|ol|tr|table|h[1-6]|section|article|blockquote|pre|hr)\b[^<>]*>", re.I)
_OPENING = re.compile(r"<(?=[A-Za-z/!?])")


_CODE = re.compile(r"(^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?(?:^[ \t]*\2[ \t]*$|\Z))|(`+)[^`\n]+?\3", re.M | re.S)


def strip_tags(text: str) -> str:
    """``text`` without HTML: tags go (their text stays), scripts and styles go whole, and a "<" that
    could still open a tag is dropped, so no document can put markup into an answer or a title.
    Code (fenced blocks and `spans`) is kept as written: an embed snippet is what a customer asked
    for, and Markdown shows code as text, never as markup."""
    if "<" not in text:
        return text
    out, at = [], 0
    for m in _CODE.finditer(text):
        out.append(_strip(text[at:m.start()]))
        out.append(m.group(0))
        at = m.end()
    out.append(_strip(text[at:]))
    return "".join(out)


def _strip(text: str) -> str:
    if "<" not in text:
        return text
    text = _COMMENT.sub("", _SCRIPT.sub("", text))
    return _OPENING.sub("", _TAG.sub("", _BREAK.sub("\n", text)))
