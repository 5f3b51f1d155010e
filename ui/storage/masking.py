"""The mask the stores apply to personal data before they write it: the identity, or ``ui.redact``."""

from __future__ import annotations

from collections.abc import Callable

from ..redact import redact

__all__ = ["masker"]


def masker(on: bool) -> Callable[[str], str]:
    """:func:`ui.redact.redact` when redaction is on, else the text as it is."""
    return redact if on else str
