"""The one check of a customer's message, made by the Bot (which may be called directly) and by
the server before it spends anything on a message.

    >>> check_message("  How long\\x07 do refunds take?  ", 4000)
    'How long  do refunds take?'
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from knowledge.errors import InputError
from knowledge.lang import detect_language

from .texts import text

__all__ = ["check_message", "check_text"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text(value: str, what: str = "the text") -> str:
    """``value`` unchanged, or InputError when it holds a NUL character or a lone surrogate: a
    lone surrogate (JSON allows ``"\\ud800"``) cannot be encoded as UTF-8, and PostgreSQL refuses
    a NUL in text; either would otherwise fail deep inside a request."""
    if "\x00" in value:
        raise InputError(f"{what} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{what} contains invalid Unicode (a lone surrogate such as \\ud800)") from exc
    return value


def check_message(message: Any, limit: int) -> str:
    """The message as it is answered (control characters as spaces, NFC, trimmed), or InputError,
    in the customer's language where it has one, when it is not text, not valid Unicode, empty,
    or longer than ``limit`` characters."""
    if not isinstance(message, str):
        raise InputError("the message must be text")
    message = check_text(unicodedata.normalize("NFC", _CONTROL.sub(" ", message)).strip(), "the message")
    if not message:
        raise InputError(text("empty", "en"))
    if len(message) > limit:
        raise InputError(text("too_long", detect_language(message[:500]), limit=limit))
    return message
