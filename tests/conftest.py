"""Shared fixtures: the real packaged models, loaded once per test session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see bot/cli.py
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def e5():
    """The packaged multilingual-e5-small embedder (English and Chinese)."""
    from knowledge.embedders import make_embedder

    return make_embedder("multilingual-e5-small")


@pytest.fixture(scope="session")
def minilm():
    """The packaged all-MiniLM-L6-v2 embedder (English only)."""
    from knowledge.embedders import make_embedder

    return make_embedder("all-minilm-l6-v2")
