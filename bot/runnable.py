"""The Bot as a LangChain Runnable (``Bot.as_runnable``), for users' own LCEL chains.

    >>> chain = RunnableLambda(str.strip) | bot.as_runnable() | RunnableLambda(lambda r: r["answer"])
    >>> chain.invoke("  How long do refunds take?  ")
    'Refunds are processed within 5 working days [1].'

Input: a question; ``{"question": ..., "session_id": ...}`` or ``{"messages": ..., "session_id": ...}``;
or messages (LangChain messages, OpenAI-style ``{"role", "content"}`` dicts, ``(role, text)`` pairs,
a chat prompt's value): the last one is the user's question, the earlier user and assistant
messages its history (system and tool messages are skipped: the bot keeps its own instructions).
Without a ``session_id`` nothing is kept: the history lives for that one call. With one, the turn
is recorded under it in the bot's conversation store, whose history is used when no messages give one.

Output: ``{"answer", "sources", "refused", "canned", "session_id"}`` as ``helpdesk ask`` prints it
(``session_id`` None when none was given). ``stream`` yields ``AddableDict`` chunks: ``{"answer": text}``
as the answer is written, then one with ``sources``, ``refused``, ``canned`` and ``session_id``;
added up they are what ``invoke`` returns. When the bot takes back text it already streamed (the
model's words turned out to be a refusal, or needed mending) that last chunk carries ``replace``,
the whole answer, as the Bot's own ``replace`` event does. Bad input raises InputError naming the
problem; a model that fails mid-answer raises ModelError (so ``with_retry``/``with_fallbacks`` apply).
The async forms and ``batch`` are LangChain's defaults (``astream`` gives the output as one chunk).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator
from typing import Any

from knowledge.errors import InputError, MissingExtra, ModelError

from .conversation import Conversations, MemoryConversations, Turn, check_session_id
from .messages import check_message, check_text

__all__ = ["make_runnable", "parse_input", "with_history"]

_KEYS = {"question", "messages", "session_id"}


def make_runnable(bot) -> Any:
    """A ``langchain_core`` Runnable answering with ``bot`` (a :class:`~bot.bot.Bot`)."""
    return _runnable_class()(bot)


def parse_input(value: Any, limit: int) -> tuple[str, list[Turn] | None, str | None]:
    """The question, the history the input gives (None: the session's own) and the session id,
    or InputError naming what is wrong; ``limit`` is the longest question, in characters."""
    session_id = None
    if isinstance(value, dict):
        unknown = sorted(map(repr, set(value) - _KEYS))
        if unknown:
            raise InputError(f"the input has unknown keys {', '.join(unknown[:5])}: give 'question' or "
                             "'messages', and optionally 'session_id'")
        if ("question" in value) == ("messages" in value):
            raise InputError("the input needs exactly one of 'question' and 'messages'")
        session_id = value.get("session_id")
        if session_id is not None:
            if not isinstance(session_id, str):
                raise InputError("invalid session id: it must be text")
            check_session_id(session_id)
        if "question" in value:
            if not isinstance(value["question"], str):
                raise InputError("the input's 'question' must be text")
            return value["question"], None, session_id
        value = value["messages"]
    elif isinstance(value, str):
        return value, None, session_id
    *earlier, last = _messages(value)
    if last.type != "human":
        raise InputError(f"the last message must be the user's question, not a {last.type!r} message")
    return last.text, _history(earlier, limit), session_id


def _messages(value: Any) -> list:
    """``value`` as LangChain messages, or InputError naming the one that is not a message."""
    from langchain_core.messages import convert_to_messages
    from langchain_core.prompt_values import PromptValue

    if isinstance(value, PromptValue):
        return value.to_messages()
    if not isinstance(value, (list, tuple)):
        raise InputError("the input must be a question, a dict with 'question' or 'messages', or a list "
                         f"of messages, not {type(value).__name__}")
    if not value:
        raise InputError("the input has no messages: the last one must be the user's question")
    out = []
    for i, item in enumerate(value, 1):
        if isinstance(item, str):  # LangChain reads a bare string as a user message; here it is unclear
            raise InputError(f"message {i} is a bare string: give {{'role': 'user', 'content': ...}}")
        try:
            out.extend(convert_to_messages([item]))
        except (ValueError, TypeError, KeyError, NotImplementedError) as exc:
            reason = str(exc).split("\n")[0][:200]  # LangChain's own reason, less its link
            raise InputError(f"message {i} is not a message (a LangChain message, a "
                             f"{{'role', 'content'}} dict or a (role, text) pair): {reason}") from None
    return out


def _history(messages: list, limit: int) -> list[Turn]:
    """User messages as turns, each with the assistant's reply that followed it (if any)."""
    turns: list[Turn] = []
    for i, message in enumerate(messages, 1):
        if message.type == "human":
            question = check_message(message.text, limit) if message.text.strip() else ""
            if question:
                turns.append(Turn(question, question, ""))
        elif message.type == "ai" and turns and not turns[-1].answer:
            turns[-1].answer = check_text(message.text, f"message {i}")
    return turns


def with_history(bot, turns: list[Turn]):
    """A view of ``bot`` whose history is ``turns`` (the caller's, e.g. the messages of an OpenAI-style
    request) instead of its session's; its turns are still recorded in the bot's conversation store."""
    view = copy.copy(bot)
    view.conversations = _Given(bot.conversations, turns)
    return view


class _Given:
    """A conversation store whose history is the one the input gave; turns go to ``store``."""

    def __init__(self, store: Conversations, turns: list[Turn]):
        self.store, self.turns = store, turns

    def new_session(self) -> str:
        """Create a session in the store."""
        return self.store.new_session()

    def ensure(self, session_id: str | None) -> str:
        """The store's session."""
        return self.store.ensure(session_id)

    def history(self, session_id: str, limit: int = 6) -> list[Turn]:
        """The given turns, the last ``limit`` of them."""
        return self.turns[-limit:] if limit > 0 else []

    def add(self, session_id: str, turn: Turn) -> None:
        """Record the turn in the store."""
        self.store.add(session_id, turn)


def _events(bot, value: Any) -> Iterator[tuple[Any, str | None]]:
    """The Bot's events for one input, with the session id the caller gave; a failed answer raises."""
    question, history, session_id = parse_input(value, bot.options.max_question_chars)
    store = bot.conversations if session_id else MemoryConversations()  # nothing kept without an id
    view = copy.copy(bot)
    view.conversations = store if history is None else _Given(store, history)
    for event in view.stream(question, session_id):
        if event.kind == "error":
            raise ModelError("the model failed while answering (the log has the cause)")
        yield event, session_id


def _output(answer, session_id: str | None) -> dict[str, Any]:
    return {"answer": answer.answer, "sources": answer.sources, "refused": answer.refused,
            "canned": answer.canned, "session_id": session_id}


@functools.cache
def _runnable_class():
    try:
        from langchain_core.runnables import Runnable
        from langchain_core.runnables.utils import AddableDict
    except ImportError as exc:  # pragma: no cover - langchain-core is a base dependency
        raise MissingExtra("langchain-core", "langchain", "as_runnable()") from exc

    class Chunk(AddableDict):
        """A streamed piece of the output; added, one carrying ``replace`` sets the whole answer."""

        def __add__(self, other):
            total = Chunk(super().__add__(other))
            if "replace" in other:
                total["answer"] = total.pop("replace")
            return total

    class BotRunnable(Runnable[Any, dict[str, Any]]):
        """A helpdesk Bot as a LangChain Runnable (see ``bot/runnable.py``)."""

        name = "helpdesk_bot"

        def __init__(self, bot):
            self.bot = bot

        def invoke(self, input: Any, config=None, **kwargs: Any) -> dict[str, Any]:
            """The answer to one input."""
            return self._call_with_config(self._answer, input, config)

        def stream(self, input: Any, config=None, **kwargs: Any) -> Iterator[dict[str, Any]]:
            """The answer's text as it is written, then its sources."""
            yield from self._transform_stream_with_config(iter([input]), self._chunks, config)

        def _answer(self, value: Any) -> dict[str, Any]:
            for event, session_id in _events(self.bot, value):
                if event.kind == "done":
                    return _output(event.data, session_id)
            raise ModelError("the answer stream ended without an answer")  # pragma: no cover

        def _chunks(self, inputs: Iterator[Any]) -> Iterator[dict[str, Any]]:
            streamed, pending = "", ""
            for event, session_id in _events(self.bot, next(inputs)):
                if event.kind == "token" and event.data:
                    # Whitespace waits for the text after it: the answer is stripped at its ends.
                    pending += event.data
                    body = pending.rstrip() if streamed else pending.strip()
                    if body:
                        pending = pending[pending.index(body) + len(body):]
                        streamed += body
                        yield Chunk(answer=body)
                elif event.kind == "done":
                    last = Chunk(_output(event.data, session_id))
                    answer = last.pop("answer")
                    if answer.startswith(streamed):
                        last = Chunk(answer=answer[len(streamed):]) + last if answer != streamed else last
                    else:
                        last["replace"] = answer
                    yield last

    return BotRunnable
