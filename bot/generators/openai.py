"""Generator over any OpenAI-compatible server (vLLM, llama.cpp's server, Ollama, OpenAI)."""

from __future__ import annotations

from collections.abc import Iterator

from knowledge.errors import MissingExtra, ModelError

from .base import Generator, Message

__all__ = ["OpenAIGenerator"]


class OpenAIGenerator(Generator):
    """Streams chat completions from ``base_url`` (e.g. ``http://127.0.0.1:8000/v1``)."""

    name = "openai"

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        model: str,
        max_tokens: int = 160,
        temperature: float = 0.0,
        timeout_s: float = 120.0,
    ):
        try:
            import openai
        except ImportError:
            raise MissingExtra("openai", "server", "the openai generator") from None
        self._openai = openai
        # Local servers need no key, but the client refuses to start without one.
        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "unused", timeout=timeout_s, max_retries=1
        )
        self.base_url, self.model = base_url, model
        self.max_tokens, self.temperature = max_tokens, temperature

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        """Yield the answer's pieces as the server sends them."""
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens or self.max_tokens,
                temperature=self.temperature,
                stop=stop or None,
                stream=True,
            )
            with response:
                for chunk in response:
                    if chunk.choices and (text := chunk.choices[0].delta.content):
                        yield text
        except self._openai.APIError as exc:
            raise ModelError(f"the model server at {self.base_url} failed: {exc}") from exc
