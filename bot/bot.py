"""The Bot: question -> canned answer, or retrieve -> refuse or answer, streamed with citations.

    >>> bot = Bot.from_settings(Settings())
    >>> answer = bot.ask("How long do refunds take?")
    >>> answer.answer, [s["source"] for s in answer.sources]
    ('Refunds are processed within 5 working days [1].', ['en/returns.md'])
    >>> for event in bot.stream("退货期限是多久？"):
    ...     print(event.kind, event.data)

Every path is decided before the model is called: a close FAQ match is returned verbatim
(``canned``); when nothing relevant enough was retrieved the bot says it does not know, in the
customer's language, and offers a human (``refused``). Only then does the model answer, from
numbered sources; an answer in which the model itself says it does not know is marked refused too.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from knowledge.embedders import embed_query
from knowledge.errors import HelpdeskError, InputError
from knowledge.keyword import tokenize
from knowledge.types import Hit

from .conversation import ConversationStore, Turn, short_id, standalone_question
from .extract import quote
from .factory import Knowledge
from .generators.base import Generator
from .prompts import (build_messages, citations, detect_language, is_refusal, select_context, text,
                      tidy, translation_messages)

__all__ = ["Bot", "Answer", "Event"]

log = logging.getLogger("helpdesk.bot")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Answer:
    """What the bot answered, with the cited sources and how long each step took."""

    answer: str
    refused: bool
    canned: bool
    sources: list[dict[str, Any]]
    timings_ms: dict[str, float]
    session_id: str
    language: str = "en"
    error: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The ask object of the command-line and API contract, plus ``session_id``."""
        return {
            "answer": self.answer,
            "refused": self.refused,
            "canned": self.canned,
            "sources": self.sources,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "session_id": self.session_id,
        }


@dataclass
class Event:
    """A streaming event: ``token`` (text), ``sources`` (list), ``done`` (Answer), ``error`` (text)."""

    kind: str
    data: Any = None


@dataclass
class BotOptions:
    """Tuning of the answer path (from settings)."""

    top_k: int = 4
    min_score: float = 0.63
    # Added to min_score for questions in that language (Chinese held-out questions score higher).
    min_score_offsets: dict[str, float] = field(default_factory=lambda: {"zh": 0.05})
    faq_min_score: float = 0.9
    faq_min_cosine: float = 0.95
    context_tokens: int = 90
    answer_tokens: int = 96
    max_question_chars: int = 4000
    stop: list[str] = field(default_factory=lambda: ["\n\n", "Question:", "问题："])
    # A Chinese answer ends at its first full stop: one sentence, and no paragraph pasted after it.
    stop_zh: list[str] = field(default_factory=lambda: ["。"])
    # "generate": the model writes the answer; "extract": the best source sentence is quoted (the
    # model only translates it when it is in another language than the question). See bot/extract.py.
    answer_style: str = "generate"

    def gate(self, lang: str) -> float:
        """The relevance a chunk needs to count as a source for a question in ``lang``."""
        return self.min_score + self.min_score_offsets.get(lang, 0.0)

    def usable(self, found: list[Hit], lang: str) -> list[Hit]:
        """The hits an answer may use: those over the gate, and none unless the best-ranked one is
        (cross-language relevance is noisy with a small embedder, and a lower-ranked translation
        alone must not open the gate)."""
        gate = self.gate(lang)
        if not found or found[0].relevance < gate:
            return []
        return [h for h in found if h.relevance >= gate]


class Bot:
    """Answers customers from one knowledge base with one generator; safe to share across threads."""

    def __init__(self, knowledge: Knowledge, generator: Generator, conversations: ConversationStore,
                 options: BotOptions | None = None):
        self.knowledge, self.generator, self.conversations = knowledge, generator, conversations
        self.options = options or BotOptions()
        self.last_prompt: list[dict[str, str]] | None = None

    @classmethod
    def from_settings(cls, settings=None, *, progress: bool = True) -> Bot:
        """Wire the configured knowledge base, generator and conversation store."""
        from .factory import build_bot

        return build_bot(settings, progress=progress)

    # -- public ----------------------------------------------------------------------------

    def ask(self, question: str, session_id: str | None = None) -> Answer:
        """Answer one question (see ``stream`` for the events of the same answer)."""
        for event in self.stream(question, session_id):
            if event.kind == "done":
                return event.data
        raise HelpdeskError("the answer stream ended without an answer")  # pragma: no cover

    def stream(self, question: str, session_id: str | None = None) -> Iterator[Event]:
        """Yield ``token`` events as the answer is generated, then ``sources`` and ``done``."""
        t0 = time.perf_counter()
        question = self._clean(question)
        sid = self.conversations.ensure(session_id)
        lang = detect_language(question)
        history = self.conversations.history(sid, limit=4)
        standalone = standalone_question(question, history)
        timings: dict[str, float] = {}

        # FAQ entries match the question as typed: a follow-up with its context added would match
        # the previous question's entry instead.
        vector = embed_query(self.knowledge.kb.embedder, question)
        canned = self._faq(vector, question)
        if canned is not None:
            timings.update(retrieve=_ms(t0), first_token=_ms(t0), total=_ms(t0))
            yield Event("token", canned.answer)
            yield from self._finish(sid, question, standalone, canned.answer, lang, [], timings,
                                    canned=True)
            return

        # The question's vector serves retrieval (and quoting) too unless a follow-up changed the text.
        if standalone != question:
            vector = embed_query(self.knowledge.kb.embedder, standalone)
        found = self.knowledge.searcher.search(standalone, self.options.top_k, vector=vector)
        hits = self.options.usable(found, lang)
        timings["retrieve"] = _ms(t0)
        if not hits:
            reply = f"{text('refusal', lang)} {text('handoff', lang)}"
            timings.update(first_token=_ms(t0), total=_ms(t0))
            yield Event("token", reply)
            yield from self._finish(sid, question, standalone, reply, lang, [], timings, refused=True)
            return

        # Sources in the customer's language first: a bilingual help center holds both versions.
        hits.sort(key=lambda h: detect_language(h.chunk.text) != lang)
        weight = self._weight()
        context = select_context(standalone, hits, self.generator.count_tokens, self.options.context_tokens,
                                 weight)
        kept = [(h, body) for h, body in zip(hits, context) if body]
        hits = [h for h, _ in kept]
        sources = [(self._label(h), body) for h, body in kept]
        try:
            if self.options.answer_style == "extract":
                answer = yield from self._quote(standalone, vector, hits, weight, timings, t0, lang)
            else:
                prior = [(t.question, t.answer) for t in history[-1:]] if standalone != question else []
                messages = build_messages(question, sources, lang, prior)
                self.last_prompt = messages
                answer = yield from self._generate(messages, timings, t0, lang)
        except Exception as exc:  # a backend failure must not break the session
            log.exception("generation failed: %s", exc)
            reply = text("error", lang)
            timings.setdefault("first_token", _ms(t0))
            timings["total"] = _ms(t0)
            yield Event("error", reply)
            yield Event("done", Answer(reply, False, False, [], timings, sid, lang, error=True))
            return
        timings["total"] = _ms(t0)
        quoted = self.options.answer_style == "extract"
        # A quote is the knowledge's own words: only the model's own answer can be its "I don't know".
        if not answer.strip() or (not quoted and is_refusal(answer)):
            reply = f"{text('refusal', lang)} {text('handoff', lang)}"
            yield from self._finish(sid, question, standalone, reply, lang, [], timings, refused=True,
                                    replace=True)
            return
        tidied = answer if quoted else tidy(answer, [label for label, _ in sources])
        cited = self._cited(tidied, hits, sources)
        yield from self._finish(sid, question, standalone, tidied, lang, cited, timings,
                                replace=tidied != answer)

    # -- steps -----------------------------------------------------------------------------

    def _clean(self, question: str) -> str:
        if not isinstance(question, str):
            raise InputError("the question must be text")
        question = unicodedata.normalize("NFC", _CONTROL.sub(" ", question)).strip()
        if not question:
            raise InputError(text("empty", "en"))
        if len(question) > self.options.max_question_chars:
            raise InputError(text("too_long", detect_language(question[:500]),
                                  limit=self.options.max_question_chars))
        return question

    def _faq(self, vector, question: str):
        near = self.knowledge.kb.faq_nearest(vector, 1)
        if not near:
            return None
        entry, cos = near[0]
        score = float(self.knowledge.searcher.calibration.score(
            cos, detect_language(question), detect_language(entry.question)))
        close = score >= self.options.faq_min_score and cos >= self.options.faq_min_cosine
        return entry if close else None

    def _weight(self):
        """Question-word weights for ranking sentences: the knowledge base's BM25 idf, halved to
        the scale of the hit-rank penalty."""
        index = self.knowledge.kb.keyword_index()
        return lambda token: index.idf(token) / 2

    def _quote(self, question: str, vector, hits: list[Hit], weight, timings: dict[str, float], t0: float,
               lang: str):
        """Stream the best source sentence with its citation, translated if it is in another language
        (``vector``: the question's embedding)."""
        embedder = self.knowledge.kb.embedder

        def similarity(sentences: list[str]):
            return embedder.embed(sentences) @ vector

        # Words are matched in the sources' language: a question searched in translation is
        # matched in that translation (the embedder compares across languages by itself).
        words = next((h.extra["translated_query"] for h in hits if "translated_query" in h.extra), question)
        found = quote(words, hits, weight, similarity)
        if found is None:  # every sentence is a question: nothing to quote
            return ""
        mark = f" [{found.hit + 1}]"
        if found.lang == lang:
            timings["first_token"] = _ms(t0)
            yield Event("token", found.text + mark)
            return found.text + mark
        self.last_prompt = messages = translation_messages(found.text, lang)
        translated = yield from self._generate(messages, timings, t0, lang, refusals=False, whole=True,
                                               max_tokens=max(self.options.answer_tokens, 160))
        yield Event("token", mark)
        return (translated or found.text) + mark

    def _generate(self, messages, timings: dict[str, float], t0: float, lang: str, *, refusals: bool = True,
                  whole: bool = False, max_tokens: int | None = None):
        """Stream the model's answer; hold back the opening words until they are not a refusal
        (unless ``refusals`` is off). A Chinese answer ends at its first full stop unless ``whole``."""
        pieces: list[str] = []
        held = refusals
        stop = self.options.stop + (self.options.stop_zh if lang == "zh" and not whole else [])
        for piece in self.generator.stream(messages, max_tokens=max_tokens or self.options.answer_tokens, stop=stop):
            if not piece:
                continue
            timings.setdefault("first_token", _ms(t0))
            pieces.append(piece)
            so_far = "".join(pieces)
            if held and (len(so_far) >= 24 or "\n" in so_far):
                if is_refusal(so_far):
                    continue
                held = False
                yield Event("token", so_far.lstrip())
            elif not held:
                yield Event("token", piece)
        answer = "".join(pieces).strip()
        if lang == "zh" and answer and answer[-1] not in "。！？!?.]】":
            answer += "。"  # the stop string took it
            if not held:
                yield Event("token", "。")
        if held and answer and not is_refusal(answer):
            yield Event("token", answer)
        return answer

    def _finish(self, sid, question, standalone, answer, lang, sources, timings, *, refused=False,
                canned=False, replace=False):
        if replace:
            yield Event("replace", answer)
        yield Event("sources", sources)
        result = Answer(answer, refused, canned, sources, timings, sid, lang)
        self.conversations.add(sid, Turn(question, standalone, answer, refused, canned, sources))
        log.info("answered session=%s refused=%s canned=%s total_ms=%.0f", short_id(sid), refused, canned,
                 timings.get("total", 0))
        yield Event("done", result)

    @staticmethod
    def _label(hit: Hit) -> str:
        c = hit.chunk
        return (c.section or c.title or c.source).split(" > ")[-1]

    @staticmethod
    def _cited(answer: str, hits: list[Hit], sources: list[tuple[str, str]]) -> list[dict[str, Any]]:
        numbers = citations(answer, len(hits))
        if not numbers:
            # No marks: credit the sources whose words the answer actually uses.
            words = set(tokenize(answer))
            overlap = [len(words & set(tokenize(body))) for _, body in sources]
            best = max(overlap) if overlap else 0
            numbers = [i + 1 for i, o in enumerate(overlap) if best and o == best][:1] or [1]
        out = []
        for n in numbers:
            h = hits[n - 1]
            out.append({"n": n, "source": h.chunk.source, "title": h.chunk.title,
                        "location": h.chunk.location(), "text": sources[n - 1][1],
                        "score": round(h.score, 4)})
        return out


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
