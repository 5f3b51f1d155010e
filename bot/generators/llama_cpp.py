"""Generator on llama.cpp (llama-cpp-python), in process, with the model's own chat template.

One ``Llama`` object serves every call, one call at a time: llama.cpp cannot run two completions
on one context. Keeping one object also keeps its KV cache, so a prompt that starts with the same
tokens as the previous one (the fixed system prompt) skips re-evaluating that prefix.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

from knowledge.errors import MissingExtra, ModelError

from .base import Generator, Message, within_deadline

__all__ = ["LlamaCppGenerator"]


class LlamaCppGenerator(Generator):
    """Answers with a local GGUF model; streams hold the model until exhausted or closed."""

    name = "llama_cpp"

    def __init__(
        self,
        model_path: str | Path,
        *,
        n_threads: int = 0,
        n_ctx: int = 2048,
        max_tokens: int = 160,
        temperature: float = 0.0,
        seed: int = 0,
        timeout_s: float | None = None,
    ):
        try:
            import llama_cpp
        except ImportError:
            raise MissingExtra("llama-cpp-python", "llama", "the llama_cpp generator") from None
        path = Path(model_path)
        if not path.is_file():
            raise ModelError(f"no GGUF model at {path}")
        threads = n_threads or os.cpu_count() or 1
        try:
            self._llama = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                seed=seed,
                verbose=False,
                flash_attn=True,  # ~8% faster prompt reading on 2 CPU cores (measured)
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"llama.cpp could not load {path}: {exc}") from exc
        self.max_tokens, self.temperature, self.seed = max_tokens, temperature, seed
        self.timeout_s = timeout_s
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes, by the model's own tokenizer."""
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def stream(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        stop: list[str] | None = None,
    ) -> Iterator[str]:
        """Yield the answer's pieces; the model is locked from the first piece until the last."""
        return within_deadline(self._stream(messages, max_tokens, stop), self.timeout_s)

    def _stream(
        self, messages: list[Message], max_tokens: int | None, stop: list[str] | None
    ) -> Iterator[str]:
        with self._lock:
            try:
                chunks = self._llama.create_chat_completion(
                    messages=messages,  # type: ignore[arg-type]
                    stream=True,
                    max_tokens=max_tokens or self.max_tokens,
                    temperature=self.temperature,
                    seed=self.seed,
                    stop=stop or [],
                )
            except ValueError as exc:  # e.g. the prompt does not fit the context window
                raise ModelError(f"llama.cpp refused the prompt: {exc}") from exc
            try:
                for chunk in chunks:  # type: ignore[union-attr]
                    if text := chunk["choices"][0]["delta"].get("content"):
                        yield text
            except ValueError as exc:
                raise ModelError(f"llama.cpp failed while generating: {exc}") from exc
            finally:
                chunks.close()  # type: ignore[union-attr]
