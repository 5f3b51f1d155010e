"""The Generator seam: chat messages in, text out (streamed or whole).

A backend implements ``stream``; ``complete`` and the rough ``count_tokens`` are built here,
once, so that every backend behaves the same way.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from typing import Protocol

from knowledge.errors import ModelError
from knowledge.lang import CJK_RANGES

__all__ = ["Message", "Generator", "estimate_tokens", "cut_at_stop", "within_deadline"]

Message = dict[str, str]
"""One chat message: ``{"role": "system" | "user" | "assistant", "content": "..."}``."""

# Chinese characters, kana and hangul: tokenizers spend about one token on each.
_CJK = re.compile(f"[\u3040-\u30ff\uac00-\ud7af{CJK_RANGES}]")
_WORD = re.compile(r"\w+|[^\w\s]")


def estimate_tokens(text: str) -> int:
    """Rough token count without a tokenizer: one per CJK character, short word or punctuation
    mark, and one per four letters of longer words."""
    cjk = len(_CJK.findall(text))
    rest = _CJK.sub(" ", text)
    words = _WORD.findall(rest)
    return cjk + round(sum(1.0 if len(w) <= 4 else len(w) / 4 for w in words))


def cut_at_stop(pieces: Iterable[str], stop: list[str] | None) -> Iterator[str]:
    """Pass ``pieces`` through until any ``stop`` string appears; the stop string itself is dropped.

    For backends that can only stop *after* emitting a stop string. Text that might begin a stop
    string is held back until the next piece decides it.
    """
    stops = [s for s in stop or [] if s]
    if not stops:
        yield from pieces
        return
    hold = max(map(len, stops)) - 1
    buffer = ""
    for piece in pieces:
        buffer += piece
        cuts = [i for s in stops if (i := buffer.find(s)) >= 0]
        if cuts:
            if head := buffer[: min(cuts)]:
                yield head
            return
        if len(buffer) > hold:
            yield buffer[: len(buffer) - hold]
            buffer = buffer[len(buffer) - hold :]
    if buffer:
        yield buffer


def within_deadline(pieces: Iterator[str], timeout_s: float | None) -> Iterator[str]:
    """Pass ``pieces`` through; raise ModelError once ``timeout_s`` has passed (checked per piece).

    ``pieces`` is closed in every case, so a backend's own ``finally`` (a lock) runs at once.
    """
    deadline = time.monotonic() + timeout_s if timeout_s else None
    try:
        for piece in pieces:
            yield piece
            if deadline is not None and time.monotonic() > deadline:
                raise ModelError(f"generation took longer than {timeout_s:g} s and was abandoned")
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()


class Generator(Protocol):
    """Answers a chat: ``stream`` yields text pieces as they are generated.

    Usage::

        gen = make_generator(Settings())
        for piece in gen.stream([{"role": "user", "content": "Hello"}], max_tokens=32):
            print(piece, end="", flush=True)
        text = gen.complete(messages, stop=["\\n\\n"])

    ``max_tokens`` and ``stop`` override the generator's defaults for one call. Backends subclass
    this class to inherit ``complete`` and ``count_tokens``.
    """

    name: str
    """Short backend name, as in ``HELPDESK_GENERATOR``."""

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        """Yield the answer to ``messages`` piece by piece."""
        ...

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
    ) -> str:
        """Return the whole answer to ``messages``."""
        return "".join(self.stream(messages, max_tokens=max_tokens, stop=stop))

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes in the model's prompt (estimated here; backends with the model's own
        tokenizer count exactly)."""
        return estimate_tokens(text)
