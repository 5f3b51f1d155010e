"""Text fields that visitors send: what a database or an encoder would choke on (a NUL, a lone
surrogate; ``bot/messages.py``'s ``check_text``) is refused with a 400 that names the field, before
it reaches storage, logs or the model.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from bot.messages import check_text
from knowledge.errors import InputError

__all__ = ["SafeText"]


def _valid(value: str) -> str:
    try:
        return check_text(value, "the text")
    except InputError as exc:  # pydantic turns a ValueError into a 400 naming the field
        raise ValueError(str(exc).removeprefix("the text ")) from exc


SafeText = Annotated[str, AfterValidator(_valid)]
