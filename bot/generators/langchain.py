"""Generator wrapping any LangChain chat model (``BaseChatModel``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from knowledge.errors import HelpdeskError, MissingExtra, ModelError

from .base import Generator, Message

__all__ = ["LangChainGenerator"]


class LangChainGenerator(Generator):
    """Answers with ``chat_model.stream(...)``.

    ``max_tokens`` goes to the model as LangChain's ``max_tokens`` keyword and is also enforced on
    the stream, one streamed chunk counting as one token: some servers ignore the name a LangChain
    model sends (llama.cpp's server ignores ChatOpenAI's ``max_completion_tokens``).
    """

    name = "langchain"

    def __init__(self, chat_model: Any, *, max_tokens: int | None = None):
        try:
            from langchain_core import messages as lc_messages
        except ImportError:
            raise MissingExtra("langchain-core", "langchain", "the langchain generator") from None
        self._roles = {
            "system": lc_messages.SystemMessage,
            "user": lc_messages.HumanMessage,
            "assistant": lc_messages.AIMessage,
        }
        self.chat_model, self.max_tokens = chat_model, max_tokens

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        """Yield the text of each chunk the chat model streams."""
        try:
            converted = [self._roles[m["role"]](content=m["content"]) for m in messages]
        except KeyError as exc:
            raise ModelError(f"unknown message role {exc.args[0]!r}") from None
        cap = max_tokens or self.max_tokens
        kwargs: dict[str, Any] = {"max_tokens": max_tokens} if max_tokens else {}
        chunks = self.chat_model.stream(converted, stop=stop, **kwargs)
        try:
            emitted = 0
            for chunk in chunks:
                if text := chunk.text:
                    yield text
                    emitted += 1
                    if cap and emitted >= cap:
                        break
        except HelpdeskError:
            raise
        except Exception as exc:  # any provider's error means the same to the bot
            raise ModelError(f"the LangChain model failed: {exc}") from exc
        finally:
            getattr(chunks, "close", lambda: None)()  # stopping early also ends the request
