"""Masking personal data in what the server keeps and logs: e-mail addresses, phone numbers and card
numbers, in English and Chinese text (``HELPDESK_PRIVACY__REDACT=true``).

Pure functions on strings. The Bot answers from the original message; what is stored (turns,
feedback comments, hand-offs), exported and logged goes through :func:`redact` first.

    >>> redact("Call me at +1 415-555-0132 or mail ann@example.com, 卡号 4111 1111 1111 1111")
    'Call me at [phone] or mail [email], 卡号 [card]'

What counts:
- e-mail: ``local@domain.tld`` (ASCII, as addresses are written in both languages);
- card: 13-19 digits, with spaces or dashes between groups, that pass the Luhn check (so order
  and tracking numbers of the same length stay, unless they happen to pass it: 1 in 10 do);
- phone: international (``+`` and 8-15 digits, spaces, dots, dashes, brackets), US/NANP
  (``(415) 555-0132``, ``415-555-0132``, ``1-800-555-0199``: separators required, so a bare
  10-digit number stays), Chinese mobile (``1[3-9]`` and 11 digits, ``138 1234 5678``).
Dates, prices, version numbers and order numbers without those shapes are left as they are.
"""

from __future__ import annotations

import logging
import re

__all__ = ["redact", "luhn_ok", "RedactFilter", "EMAIL", "PHONE", "CARD"]

EMAIL, PHONE, CARD = "[email]", "[phone]", "[card]"

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}")
_CARD = re.compile(r"(?<![0-9+])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])")
_INTERNATIONAL = re.compile(r"(?<![\w+])\+[0-9]{1,3}(?:[ .-]?\(?[0-9]{1,5}\)?){1,6}(?![0-9])")
_US = re.compile(r"(?<![\w+])(?:1[ .-])?(?:\([0-9]{3}\) ?|[0-9]{3}[ .-])[0-9]{3}[ .-][0-9]{4}(?![0-9])")
_CN_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])")


def luhn_ok(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check that card numbers carry."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())


def _card(match: re.Match) -> str:
    digits = _digits(match.group())
    return CARD if 13 <= len(digits) <= 19 and luhn_ok(digits) else match.group()


def _international(match: re.Match) -> str:
    return PHONE if 8 <= len(_digits(match.group())) <= 15 else match.group()


def redact(text: str) -> str:
    """``text`` with e-mail addresses, card numbers and phone numbers replaced by a mark."""
    if not text or not any(ch.isdigit() or ch == "@" for ch in text):
        return text
    text = _EMAIL.sub(EMAIL, text)
    text = _CARD.sub(_card, text)
    text = _INTERNATIONAL.sub(_international, text)
    text = _US.sub(PHONE, text)
    return _CN_MOBILE.sub(PHONE, text)


class RedactFilter(logging.Filter):
    """A logging filter (on a handler) that masks the formatted message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
