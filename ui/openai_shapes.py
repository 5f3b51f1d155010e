"""What the OpenAI-compatible API reads and writes: the chat completion request, turned into the
Bot's question and history, and the completion, its stream chunks and errors in OpenAI's shapes.

Only what a helpdesk bot can honour is accepted: text messages from system, developer, user and
assistant, one choice, no tools. Sampling settings (temperature, max_tokens, stop, ...) are
accepted and ignored: the bot answers from its knowledge in its own way. Anything else it cannot
do (``n`` > 1, tools or functions, images, JSON output) is refused with 400 ``unsupported`` rather
than silently dropped.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from bot.conversation import Turn
from knowledge.errors import InputError, NotFound

__all__ = ["CompletionRequest", "Unsupported", "ModelNotFound", "question_and_history", "completion", "chunk",
           "error_body", "completion_id"]

_ROLES = ("system", "developer", "user", "assistant")


class Unsupported(InputError):
    """A request for something this API does not do (tools, several choices, images ...)."""


class ModelNotFound(NotFound):
    """A model (bot) that does not exist, or that the API key may not use."""


class Message(BaseModel):
    """One message of the conversation; content is text or a list of text parts."""

    model_config = ConfigDict(extra="allow")

    role: StrictStr = Field(..., max_length=32)
    content: StrictStr | list[dict[str, Any]] | None = None


class CompletionRequest(BaseModel):
    """``POST /v1/chat/completions``: the fields read; others are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: StrictStr = Field(..., min_length=1, max_length=200, description="The bot's name (GET /v1/models).")
    messages: list[Message] = Field(..., min_length=1, max_length=500, description=(
        "The conversation: the last message is the user's question, earlier user and assistant messages "
        "its history; system and developer messages are read but not obeyed (the bot keeps its own instructions)."))
    stream: StrictBool | None = Field(False, description="Answer as server-sent chat.completion.chunk events.")
    stream_options: dict[str, Any] | None = None
    n: int | None = Field(None, description="Only 1 is supported.")
    user: StrictStr | None = Field(None, max_length=256, description="Your end user's id; accepted, not stored.")
    tools: list[Any] | None = None
    functions: list[Any] | None = None
    tool_choice: Any = None
    function_call: Any = None
    response_format: dict[str, Any] | None = None
    logprobs: StrictBool | None = None

    def check_supported(self) -> None:
        """Unsupported for anything asked of the bot that it cannot do."""
        if self.n not in (None, 1):
            raise Unsupported("n must be 1: the bot gives one answer per request")
        if self.tools or self.functions or self.tool_choice not in (None, "none") or \
                self.function_call not in (None, "none"):
            raise Unsupported("tools and functions are not supported: the bot answers from its knowledge only")
        if self.response_format and self.response_format.get("type") not in (None, "text"):
            raise Unsupported("only text answers are supported (response_format type 'text')")
        if self.logprobs:
            raise Unsupported("logprobs are not supported")


def question_and_history(messages: list[Message], limit: int) -> tuple[str, list[Turn]]:
    """The last user message's text and the earlier user/assistant messages as the Bot's history;
    InputError (or Unsupported) naming the message that cannot be read. ``limit``: the longest question."""
    plain: list[dict[str, str]] = []
    for i, message in enumerate(messages, 1):
        if message.role in ("tool", "function") or getattr(message, "tool_calls", None) \
                or getattr(message, "function_call", None):
            raise Unsupported(f"message {i}: tool and function messages are not supported")
        if message.role not in _ROLES:
            raise InputError(f"message {i} has the unknown role {message.role[:32]!r}: use "
                             "system, developer, user or assistant")
        plain.append({"role": message.role, "content": _text(message.content, i)})
    if plain[-1]["role"] != "user":
        raise InputError(f"the last message must be the user's question, not a {plain[-1]['role']!r} message")
    from bot.runnable import parse_input  # the one mapping of messages to question and history

    talk = [m for m in plain if m["role"] in ("user", "assistant")]  # the bot keeps its own instructions
    question, history, _ = parse_input({"messages": talk}, limit)
    return question, history or []


def _text(content: str | list[dict[str, Any]] | None, i: int) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    texts = []
    for part in content:
        kind = part.get("type")
        if kind != "text":
            raise Unsupported(f"message {i}: only text content is supported, not {str(kind)[:32]!r} parts")
        if not isinstance(part.get("text"), str):
            raise InputError(f"message {i}: a text part needs 'text' as a string")
        texts.append(part["text"])
    return "\n".join(texts)


def completion_id() -> str:
    """A new completion id, as OpenAI's look (``chatcmpl-…``)."""
    return "chatcmpl-" + secrets.token_hex(12)


def _extra(answer) -> dict[str, Any]:
    return {"sources": answer.sources,
            "helpdesk": {"refused": answer.refused, "canned": answer.canned, "session_id": answer.session_id}}


def completion(cid: str, model: str, answer) -> dict[str, Any]:
    """A ``chat.completion`` for the Bot's Answer: its text (with ``[n]`` citations) and, beside the
    choices, ``sources`` and ``helpdesk`` (refused, canned, session_id)."""
    return {"id": cid, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.answer, "refusal": None},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": None, **_extra(answer)}


def chunk(cid: str, model: str, delta: dict[str, Any], finish: str | None = None, answer=None,
          **extra: Any) -> dict[str, Any]:
    """A ``chat.completion.chunk``; the last one (``answer`` given) carries sources and helpdesk."""
    body = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}], **extra}
    return {**body, **_extra(answer)} if answer is not None else body


_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 403: "invalid_request_error",
          404: "invalid_request_error", 413: "invalid_request_error", 429: "rate_limit_error"}
_CODES = {400: "invalid_request", 401: "invalid_api_key", 403: "forbidden", 404: "not_found",
          413: "request_too_large", 429: "rate_limit_exceeded", 500: "internal_error", 503: "unavailable"}


def error_body(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    """OpenAI's error shape ``{"error": {"message", "type", "param", "code"}}`` for a status."""
    return {"error": {"message": message, "type": _TYPES.get(status, "server_error"), "param": None,
                      "code": code or _CODES.get(status, "error")}}
