"""The Bot: question -> canned answer, or retrieve -> refuse or answer, streamed with citations.

    >>> bot = build_bot(Settings())          # bot/factory.py wires it from the settings
    >>> answer = bot.ask("How long do refunds take?")
    >>> answer.answer, [s["source"] for s in answer.sources]
    ('Refunds are processed within 5 working days [1].', ['en/returns.md'])
    >>> for event in bot.stream("退货期限是多久？"):
    ...     print(event.kind, event.data)

Every path is decided before the model is called: a close FAQ match is returned verbatim
(``canned``); when nothing relevant enough was retrieved the bot says it does not know, in the
customer's language, and offers a human (``refused``). Only then does the model answer, from
numbered sources; an answer in which the model itself says it does not know is marked refused too.

A server admits only so many model calls at once (``ui/gate.py``): it passes ``admit`` to
:meth:`Bot.stream`, and the Bot asks for admission at an answer's first model call only, so an
answer that needs none (canned, refused, quoted) never waits behind one that does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from knowledge.base import KnowledgeBase
from knowledge.errors import HelpdeskError
from knowledge.keyword import tokenize
from knowledge.lang import detect_language
from knowledge.query import closing_ask
from knowledge.types import Chunk, Hit

from .answer_markdown import whole_markdown
from .answerable import (asks_price, help_center_wording, is_problem_statement, states_price, support_wording,
                         unknown_names)
from .blocks import prose_language, section_blocks
from .compose import compose
from .context import select_context, without_instructions
from .conversation import Conversations, Turn, short_id, standalone_question
from .generators.base import Generator
from .grounding import grounded
from .messages import check_message
from .options import STOP, STOP_ZH, BotOptions
from .persona import Persona
from .prompts import build_messages, compose_messages, translation_messages
from .replies import CITATION, citations, is_refusal, tidy
from .runnable import make_runnable
from .texts import text

__all__ = ["Bot", "Answer", "Event", "Admit"]

log = logging.getLogger("helpdesk.bot")

# Documents whose instruction-free chunks the Bot keeps (as many as the store keeps versions of).
_DOCUMENTS = 256


@dataclass
class Answer:
    """What the bot answered, with the cited sources and how long each step took."""

    answer: str
    refused: bool
    canned: bool
    sources: list[dict[str, Any]]
    timings_ms: dict[str, float]
    session_id: str
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


# A server's admission to the model: a context held while an answer may call the model. Entering
# it gives the events to pass on while waiting for a turn (``queued``); it raises (``Busy``) when
# the answer cannot be admitted. See ``ui/service.py``.
Admit = Callable[[], AbstractContextManager[Iterator["Event"]]]


class _Slot:
    """One answer's admission to the model: asked for at its first model call, held to its end."""

    def __init__(self, admit: Admit | None, stack: ExitStack):
        self.admit, self.stack = admit, stack
        self.held = admit is None
        self.refusal: BaseException | None = None

    def take(self) -> Iterator[Event]:
        """The events to pass on while waiting for admission (none once it is held)."""
        if self.held:
            return
        try:
            yield from self.stack.enter_context(self.admit())
        except Exception as exc:
            self.refusal = exc  # not admitted: the caller's to report, not a failure of the model
            raise
        self.held = True


class Bot:
    """Answers customers from one knowledge base with one generator; safe to share across threads."""

    def __init__(self, knowledge: KnowledgeBase, generator: Generator, conversations: Conversations,
                 options: BotOptions, persona: Persona | None = None):
        self.knowledge, self.generator, self.conversations = knowledge, generator, conversations
        self.options = options
        self.persona = persona or Persona()  # its own refusal and hand-off texts, its tone
        self._documents: dict[str, list[Chunk]] = {}  # document version -> its chunks, instructions dropped
        self._documents_lock = threading.Lock()

    # -- public ----------------------------------------------------------------------------

    def ask(self, question: str, session_id: str | None = None) -> Answer:
        """Answer one question (see ``stream`` for the events of the same answer)."""
        for event in self.stream(question, session_id):
            if event.kind == "done":
                return event.data
        raise HelpdeskError("the answer stream ended without an answer")  # pragma: no cover

    def stream(self, question: str, session_id: str | None = None, admit: Admit | None = None) -> Iterator[Event]:
        """Yield ``token`` events as the answer is generated, then ``sources`` and ``done``.

        With ``admit``, the model is called only once admitted (the events of the wait come first),
        and the admission is held until the answer ends."""
        with ExitStack() as stack:
            yield from self._answer(question, session_id, _Slot(admit, stack))

    def _answer(self, question: str, session_id: str | None, slot: _Slot) -> Iterator[Event]:
        t0 = time.perf_counter()
        question = check_message(question, self.options.max_question_chars)
        sid = self.conversations.ensure(session_id)
        lang = detect_language(question)
        history = self.conversations.history(sid, limit=4)
        standalone = standalone_question(question, history)
        timings: dict[str, float] = {}

        # FAQ entries match the question as typed: a follow-up with its context added would match
        # the previous question's entry instead.
        vector = self.knowledge.embed_query(question)
        canned = self._faq(vector, question)
        if canned is not None:
            timings.update(retrieve=_ms(t0), first_token=_ms(t0), total=_ms(t0))
            yield Event("token", canned.answer)
            yield from self._finish(sid, question, standalone, canned.answer, lang, [], timings,
                                    canned=True)
            return

        # The question's vector serves retrieval (and quoting) too unless a follow-up changed the text.
        if standalone != question:
            vector = self.knowledge.embed_query(standalone)
        statement = is_problem_statement(question)
        if not slot.held and self.knowledge.translates(standalone):  # the search asks the model
            yield from slot.take()
        _, hits, _ = self.retrieve(question, standalone, vector=vector, statement=statement)
        timings["retrieve"] = _ms(t0)
        if hits and self._names_unknown(question):
            hits = []
        if not hits:
            reply = f"{self.persona.text('refusal', lang)} {self.persona.text('handoff', lang)}"
            timings.update(first_token=_ms(t0), total=_ms(t0))
            yield Event("token", reply)
            yield from self._finish(sid, question, standalone, reply, lang, [], timings, refused=True)
            return

        # Sources in the customer's language first: a bilingual help center holds both versions.
        hits.sort(key=lambda h: detect_language(h.chunk.text) != lang)
        weight = self._weight()
        try:
            if self.options.answer_style in ("extract", "compose"):
                # A follow-up's own words count most; so do the ask a long question ends on.
                focus = question if standalone != question else closing_ask(question)
                # A problem is matched in the words support pages use for problems too, and what a
                # customer says in their own words in the page's ("money back": refund).
                words = support_wording(standalone) if statement else help_center_wording(standalone)
                answer, sources = yield from self._quote(standalone, words, vector, hits, weight, timings, t0,
                                                         lang, slot, focus)
            else:
                context = select_context(standalone, hits, self.generator.count_tokens,
                                         self.options.context_tokens, weight)
                kept = [(h, body) for h, body in zip(hits, context) if body]
                hits = [h for h, _ in kept]
                sources = [(self._label(h), body) for h, body in kept]
                prior = [(t.question, t.answer) for t in history[-1:]] if standalone != question else []
                messages = build_messages(question, sources, lang, prior, tone=self.persona.tone)
                answer = "" if _unpriced(standalone, sources) else (
                    yield from self._generate(messages, timings, t0, lang, slot))
        except Exception as exc:  # a backend failure must not break the session
            if exc is slot.refusal:
                raise
            log.exception("generation failed: %s", exc)
            reply = text("error", lang)
            timings.setdefault("first_token", _ms(t0))
            timings["total"] = _ms(t0)
            yield Event("error", reply)
            yield Event("done", Answer(reply, False, False, [], timings, sid, error=True))
            return
        timings["total"] = _ms(t0)
        quoted = self.options.answer_style in ("extract", "compose")
        # A quote is the knowledge's own words: only the model's own answer can be its "I don't know".
        if not answer.strip() or (not quoted and is_refusal(answer)):
            reply = f"{self.persona.text('refusal', lang)} {self.persona.text('handoff', lang)}"
            yield from self._finish(sid, question, standalone, reply, lang, [], timings, refused=True,
                                    replace=True)
            return
        tidied = whole_markdown(answer if quoted else tidy(answer, [label for label, _ in sources]))
        cited = self._cited(tidied, hits, sources)
        yield from self._finish(sid, question, standalone, tidied, lang, cited, timings,
                                replace=tidied != answer)

    def as_runnable(self):
        """This bot as a LangChain Runnable over a question or messages (``bot/runnable.py``)."""
        return make_runnable(self)

    def retrieve(self, question: str, standalone: str | None = None, *, k: int | None = None,
                 vector=None, statement: bool | None = None) -> tuple[list[Hit], list[Hit], float]:
        """What the bot finds for ``question`` (searched as ``standalone``, a follow-up completed):
        every hit, the hits an answer may use, and the gate they passed. A problem told as a
        statement (``statement``, worked out here when None) is searched in support wording too and
        passes a lower gate; a question in the customer's own words ("money back") in the page's
        too (``bot/answerable.py``)."""
        standalone = standalone or question
        lang = detect_language(question)
        if statement is None:
            statement = is_problem_statement(question)
        worded = support_wording(standalone) if statement else help_center_wording(standalone)
        also = (worded,) if worded != standalone else ()
        found = self.knowledge.search(standalone, k or self.options.top_k, vector=vector, also=also)
        return found, self.options.usable(found, lang, statement), self.options.gate(lang, statement)

    # -- steps -----------------------------------------------------------------------------

    def _names_unknown(self, question: str) -> bool:
        """Whether the question names something the knowledge base never mentions (PayPal, EPUB):
        then no passage answers it, however close (see ``bot/answerable.py``)."""
        index = self.knowledge.keyword_index()
        names = unknown_names(question, index.terms(), index.__contains__)
        if names:
            log.info("refused: the knowledge never mentions %s", ", ".join(names))
        return bool(names)

    def _faq(self, vector, question: str):
        match = self.knowledge.faq_match(vector, question)
        if match is None:
            return None
        close = match.score >= self.options.faq_min_score and match.cosine >= self.options.faq_min_cosine
        return match.entry if close and not _substituted(question, match.entry.question) else None

    def _weight(self):
        """Question-word weights for ranking sentences: the knowledge base's BM25 idf, halved to
        the scale of the hit-rank penalty."""
        index = self.knowledge.keyword_index()
        return lambda token: index.idf(token) / 2

    def _quote(self, question: str, words: str, vector, hits: list[Hit], weight, timings: dict[str, float],
               t0: float, lang: str, slot: _Slot, focus: str = ""):
        """Stream the blocks of the hits' sections that answer the question, each cited
        (``bot/compose.py``), translated if they are in another language; return the answer and
        the ``(label, text)`` of every hit, its text being what was quoted from it. Blocks are
        matched with ``words`` (the question, in support wording for a problem); the model, when
        it writes or translates, is given the customer's ``question``."""
        cache: dict[str, np.ndarray] = {}  # a block is embedded once, however often it is compared
        # A problem told is compared in support wording too, as it was searched ("after 8 months":
        # the warranty, not the troubleshooting tips that sound like the complaint).
        if words != question:
            vector = self.knowledge.embed_query(words)

        def similarity(texts: list[str], query: str | None = None):
            """Cosine of each text to the question, or to ``query`` (a part of it)."""
            missing = [t for t in dict.fromkeys(texts) if t not in cache]
            if missing:
                cache.update(zip(missing, self.knowledge.embed_passages(missing)))
            against = vector if query is None else self.knowledge.embed_query(query)
            return np.stack([cache[t] for t in texts]) @ against

        # Words are matched in the sources' language: a question searched in translation is
        # matched in that translation (the embedder compares across languages by itself).
        words = next((h.extra["translated_query"] for h in hits if "translated_query" in h.extra), words)
        sections = [section_blocks(self._document(h.chunk), h.chunk) for h in hits]
        found = compose(words, hits, sections, weight, similarity, focus=focus,
                        part_similarity=lambda part, texts: similarity(texts, part))
        quoted = found.by_hit() if found else {}
        sources = [(self._label(h), quoted.get(i, "")) for i, h in enumerate(hits)]
        # Nothing to quote, or no price to quote (a follow-up is held to what it asks itself).
        if found is None or _unpriced(focus or question, sources):
            return "", sources
        pieces = [f"{p.text}{_mark(p.text, p.hit + 1)}" for p in found.parts]
        answer = "\n\n".join(pieces)
        if self.options.answer_style == "compose":
            yield from slot.take()
            written = self._write(question, found.parts, hits, lang)
            if written:
                timings["first_token"] = _ms(t0)
                yield Event("token", written)
                return written, sources
        if prose_language(answer) == lang:
            timings["first_token"] = _ms(t0)
            yield Event("token", answer)
            return answer, sources
        messages = translation_messages("\n\n".join(p.text for p in found.parts), lang)
        translated = yield from self._generate(messages, timings, t0, lang, slot, refusals=False, whole=True,
                                               max_tokens=max(self.options.answer_tokens, 320))
        marks = "".join(f" [{p.hit + 1}]" for p in found.parts)
        yield Event("token", marks)
        return (translated or answer) + marks, sources

    def _document(self, chunk: Chunk) -> list[Chunk]:
        """The chunks of ``chunk``'s document version, every sentence that speaks to the assistant
        dropped (``bot/injection.py``): what is quoted is data, never instructions. Worked out once
        per version (a changed document is a new version) and kept for the last ``_DOCUMENTS``."""
        version = chunk.id.rsplit("-", 1)[0]  # "<doc_id>-<hash>", as the store keys its versions
        with self._documents_lock:
            cached = self._documents.get(version)
        if cached is None:
            cached = [replace(c, text=without_instructions(c.text)) for c in self.knowledge.version_of(chunk)]
            with self._documents_lock:
                while len(self._documents) >= _DOCUMENTS:
                    self._documents.pop(next(iter(self._documents)))
                self._documents[version] = cached
        return cached

    def _write(self, question: str, parts, hits: list[Hit], lang: str) -> str:
        """The model's own short answer from the quoted blocks, kept only when every number and
        name in it stands in those blocks (``bot/grounding.py``); else "" and the quote stands."""
        sources = [(self._label(hits[p.hit]), p.text) for p in parts]
        written = self.generator.complete(compose_messages(question, sources, lang),
                                          max_tokens=max(self.options.answer_tokens, 200)).strip()
        if not written or is_refusal(written) or not grounded(written, [p.text for p in parts]):
            return ""
        # Citation marks name the quoted blocks, in order: [n] of the prompt is the n-th part.
        marks = {str(i + 1): str(p.hit + 1) for i, p in enumerate(parts)}
        written = CITATION.sub(lambda m: f"[{marks.get(m.group(1), m.group(1))}]", written)
        if not CITATION.search(written):
            written += "".join(f" [{p.hit + 1}]" for p in parts)
        return written

    def _generate(self, messages, timings: dict[str, float], t0: float, lang: str, slot: _Slot, *,
                  refusals: bool = True, whole: bool = False, max_tokens: int | None = None):
        """Stream the model's answer, once admitted; hold back the opening words until they are not
        a refusal (unless ``refusals`` is off). A Chinese answer ends at its first full stop unless
        ``whole``."""
        yield from slot.take()
        pieces: list[str] = []
        held = refusals
        stop = [*STOP, *(STOP_ZH if lang == "zh" and not whole else ())]
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
        result = Answer(answer, refused, canned, sources, timings, sid)
        self.conversations.add(sid, Turn(question, standalone, answer, refused, canned, sources, lang,
                                         dict(timings)))
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


def _substituted(question: str, faq_question: str) -> bool:
    """Whether the customer's question swaps a word of the FAQ question for another ("the glass
    teapot" for "the clay teapot"): close as the two are, the FAQ's answer is about something else."""
    asked, listed = set(tokenize(question)), set(tokenize(faq_question))
    return bool(asked - listed) and bool(listed - asked) and detect_language(question) == detect_language(faq_question)


def _unpriced(question: str, sources: list[tuple[str, str]]) -> bool:
    """A question about a price whose sources state none: they cannot answer it."""
    return asks_price(question) and not states_price(body for _, body in sources)


def _mark(text: str, n: int) -> str:
    """The citation mark after a quoted block: on its own line after a table or code block, whose
    last line it would break."""
    last = text.rstrip().rsplit("\n", 1)[-1].lstrip()
    return f"\n\n[{n}]" if last.startswith(("|", "```", "~~~")) else f" [{n}]"


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
