"""The Bot's tuning, taken from the settings: ``Settings`` holds every default, so the two cannot
disagree. ``BotOptions.from_settings`` is the only way to make one.

    >>> options = BotOptions.from_settings(Settings())
    >>> options.answer_style              # "auto" resolved for the configured model
    'extract'
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.types import Hit

from .generators.models import packaged_model
from .settings import Settings

__all__ = ["BotOptions", "answer_style", "STOP", "STOP_ZH", "STATEMENT_OFFSET"]

# Where the model's answer ends: a paragraph pasted after it, or a question it makes up.
STOP = ("\n\n", "Question:", "问题：")
# A Chinese answer ends at its first full stop: one sentence, and no paragraph pasted after it.
STOP_ZH = ("。",)
# Added to the gate for a problem told as a statement (relevance was calibrated on questions).
STATEMENT_OFFSET = -0.1


@dataclass(frozen=True)
class BotOptions:
    """Tuning of the answer path; each field is the setting of the same meaning (see Settings)."""

    top_k: int
    min_score: float
    min_score_offsets: dict[str, float]
    faq_min_score: float
    faq_min_cosine: float
    context_tokens: int
    answer_tokens: int
    max_question_chars: int
    answer_style: str
    """"generate": the model writes the answer; "extract": the page's blocks are quoted (the model
    only translates them when they are in another language than the question), see
    ``bot/compose.py``; "compose": the model rewrites the quoted blocks, kept only when grounded."""

    @classmethod
    def from_settings(cls, settings: Settings) -> BotOptions:
        """The options ``settings`` give, with "auto" answer style resolved (``answer_style``)."""
        r = settings.retrieval
        return cls(top_k=r.top_k, min_score=r.min_score, min_score_offsets=dict(r.min_score_offsets),
                   faq_min_score=r.faq_min_score, faq_min_cosine=r.faq_min_cosine,
                   context_tokens=r.context_tokens, answer_tokens=settings.llm.max_tokens,
                   max_question_chars=settings.max_question_chars, answer_style=answer_style(settings))

    def gate(self, lang: str, statement: bool = False) -> float:
        """The relevance a chunk needs to count as a source for a question in ``lang`` (or for a
        problem told as a ``statement``)."""
        return (self.min_score + self.min_score_offsets.get(lang, 0.0)
                + (STATEMENT_OFFSET if statement else 0.0))

    def usable(self, found: list[Hit], lang: str, statement: bool = False) -> list[Hit]:
        """The hits an answer may use: those over the gate, and none unless the best-ranked one is
        (cross-language relevance is noisy with a small embedder, and a lower-ranked translation
        alone must not open the gate)."""
        gate = self.gate(lang, statement)
        if not found or found[0].relevance < gate:
            return []
        return [h for h in found if h.relevance >= gate]


def answer_style(settings: Settings) -> str:
    """The answer style in effect: "auto" quotes the sources with the packaged small models and
    lets any other model write its answers (see ``bot/compose.py`` and docs/benchmarks.md)."""
    if settings.answer_style != "auto":
        return settings.answer_style
    packaged = settings.generator in ("llama_cpp", "transformers") and packaged_model(settings.model) is not None
    return "extract" if packaged else "generate"
