"""A bot's persona: its display name, tone instructions and its own versions of a few customer texts.

The catalogue (``bot/texts.py``) stays the one source of customer texts; a persona is data that
overrides some of its keys for one bot, per language, and falls back to the catalogue for the rest.

    >>> p = Persona("Acme help", texts={"en": {"refusal": "Acme does not know that."}})
    >>> p.text("refusal", "en"), p.text("refusal", "zh") == text("refusal", "zh")
    ('Acme does not know that.', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from knowledge.errors import InputError

from .texts import TEXTS, text

__all__ = ["Persona", "PERSONA_KEYS"]

PERSONA_KEYS = ("title", "greeting", "refusal", "handoff")  # the catalogue's keys a persona may override
_MAX_TEXT, _MAX_TONE = 1000, 2000


@dataclass(frozen=True)
class Persona:
    """Display name, tone (added to the model's instructions) and texts ``{lang: {key: text}}``."""

    display_name: str = ""
    tone: str = ""
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def text(self, key: str, lang: str, **fmt) -> str:
        """The persona's ``key`` in ``lang`` when it has one, else the catalogue's (taken as written)."""
        own = self.texts.get(lang, {}).get(key)
        return own if own else text(key, lang, **fmt)

    @classmethod
    def from_dict(cls, display_name: str, data: Mapping[str, Any] | None) -> Persona:
        """A checked persona from stored or submitted JSON: ``{"tone", "texts": {lang: {key: text}}}``;
        InputError names an unknown language or key, or a text too long."""
        data = dict(data or {})
        unknown = set(data) - {"tone", "texts"}
        if unknown:
            raise InputError(f"unknown persona field(s) {sorted(unknown)}: use 'tone' and 'texts'")
        tone = data.get("tone") or ""
        if not isinstance(tone, str) or len(tone) > _MAX_TONE:
            raise InputError(f"the persona's tone is a text of at most {_MAX_TONE} characters")
        texts: dict[str, dict[str, str]] = {}
        raw = data.get("texts") or {}
        if not isinstance(raw, Mapping):
            raise InputError("the persona's texts are {language: {key: text}}")
        for lang, entries in raw.items():
            if lang not in TEXTS:
                raise InputError(f"unknown language {str(lang)[:20]!r} in the persona: use {', '.join(TEXTS)}")
            if not isinstance(entries, Mapping):
                raise InputError(f"the persona's {lang} texts are {{key: text}}")
            for key, value in entries.items():
                if key not in PERSONA_KEYS:
                    raise InputError(f"a persona may set {', '.join(PERSONA_KEYS)}, not {str(key)[:40]!r}")
                if not isinstance(value, str) or len(value) > _MAX_TEXT:
                    raise InputError(f"the persona's {lang} {key} is a text of at most {_MAX_TEXT} characters")
                if value.strip():
                    texts.setdefault(lang, {})[key] = value.strip()
        return cls(display_name, tone.strip(), texts)

    def as_dict(self) -> dict[str, Any]:
        """What is stored: ``{"tone", "texts"}`` (the display name is kept beside it)."""
        return {"tone": self.tone, "texts": {lang: dict(t) for lang, t in self.texts.items()}}
