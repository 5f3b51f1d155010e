"""Shared fixtures: the real packaged models, loaded once per test session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Tests run servers beside the test process on 2 cores: spinning OpenMP threads of one starve the
# others (llama.cpp generated 3.8 tok/s under such load, 18.9 with passive waiting). On an idle
# machine passive waiting halves generation speed instead, so the app itself does not set it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
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
