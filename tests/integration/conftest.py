"""Fixtures for the integration tier: real packaged models and real servers on loopback."""

from __future__ import annotations

import pytest

# --- generator fixtures (bot/generators); the packaged model and llama.cpp server: tests/conftest.py ---


@pytest.fixture(scope="session")
def llama_generator(qwen_gguf):
    """One in-process LlamaCppGenerator on the packaged model, 2 threads, greedy."""
    from bot.generators import LlamaCppGenerator

    return LlamaCppGenerator(qwen_gguf, n_threads=2, max_tokens=64)


# --- end of generator fixtures ---
