"""Generators: chat messages in, streamed text out; one backend chosen by settings.

Backends import their engine lazily, so importing this package loads no model and needs none of
llama_cpp, transformers, openai or langchain installed.
"""

from __future__ import annotations

from typing import Any

from knowledge.errors import InputError

from ..settings import reveal
from .base import Generator, Message, cut_at_stop, estimate_tokens, within_deadline
from .langchain import LangChainGenerator
from .llama_cpp import LlamaCppGenerator
from .models import MODEL_ALIASES, PACKAGED_MODELS, ModelPackagesMissing, PackagedModel, packaged_model, resolve_gguf
from .openai import OpenAIGenerator
from .transformers import TransformersGenerator

__all__ = [
    "Generator",
    "Message",
    "LlamaCppGenerator",
    "OpenAIGenerator",
    "TransformersGenerator",
    "LangChainGenerator",
    "PackagedModel",
    "PACKAGED_MODELS",
    "MODEL_ALIASES",
    "packaged_model",
    "ModelPackagesMissing",
    "resolve_gguf",
    "make_generator",
    "estimate_tokens",
    "cut_at_stop",
    "within_deadline",
]


def make_generator(settings: Any, *, chat_model: Any = None) -> Generator:
    """Build the generator ``settings.generator`` names (``chat_model`` only for langchain)."""
    llm = settings.llm
    match settings.generator:
        case "llama_cpp":
            return LlamaCppGenerator(
                resolve_gguf(settings.model, settings.model_cache),
                n_threads=llm.threads,
                n_ctx=llm.context,
                max_tokens=llm.max_tokens,
                temperature=llm.temperature,
                timeout_s=llm.timeout_s,
            )
        case "transformers":
            return TransformersGenerator(
                settings.model,
                cache_dir=settings.model_cache,
                max_tokens=llm.max_tokens,
                temperature=llm.temperature,
                timeout_s=llm.timeout_s,
            )
        case "openai":
            return OpenAIGenerator(
                _require_base_url(settings, "openai"),
                reveal(settings.openai_api_key),
                model=settings.model,
                max_tokens=llm.max_tokens,
                temperature=llm.temperature,
                timeout_s=llm.timeout_s,
            )
        case "langchain":
            return LangChainGenerator(
                chat_model or _chat_openai(settings), max_tokens=llm.max_tokens
            )
        case other:
            raise InputError(
                f"unknown generator {other!r}: llama_cpp, transformers, openai or langchain"
            )


def _require_base_url(settings: Any, generator: str) -> str:
    if not settings.openai_base_url:
        raise InputError(
            f"the {generator} generator needs HELPDESK_OPENAI_BASE_URL "
            "(an OpenAI-compatible server)"
        )
    return settings.openai_base_url


def _chat_openai(settings: Any) -> Any:
    """LangChain's ChatOpenAI on the configured server: the langchain backend without code."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        from knowledge.errors import MissingExtra

        raise MissingExtra("langchain-openai", "langchain", "the langchain generator") from None
    llm = settings.llm
    return ChatOpenAI(
        base_url=_require_base_url(settings, "langchain"),
        api_key=reveal(settings.openai_api_key) or "unused",
        model=settings.model,
        max_tokens=llm.max_tokens,
        temperature=llm.temperature,
        timeout=llm.timeout_s,
        max_retries=1,
    )
