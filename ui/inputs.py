"""Checks on text that visitors send: what a database or an encoder would choke on is refused
with a 400 that names the field, before it reaches storage, logs or the model.

A lone surrogate (JSON allows ``"\\ud800"``) cannot be encoded as UTF-8, and PostgreSQL refuses a
NUL character in text; either would otherwise fail deep inside a request as a 500.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from knowledge.errors import InputError

__all__ = ["check_text", "SafeText"]


def check_text(value: str, what: str = "the text") -> str:
    """``value`` unchanged, or InputError when it holds a NUL character or a lone surrogate."""
    if "\x00" in value:
        raise InputError(f"{what} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{what} contains invalid Unicode (a lone surrogate such as \\ud800)") from exc
    return value


def _valid(value: str) -> str:
    try:
        return check_text(value, "the text")
    except InputError as exc:  # pydantic turns a ValueError into a 400 naming the field
        raise ValueError(str(exc).removeprefix("the text ")) from exc


SafeText = Annotated[str, AfterValidator(_valid)]
