"""Shared fixtures: the real packaged models and model and database servers, once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """Where tests keep assembled and converted models across runs (git-ignored)."""
    default = Path(__file__).resolve().parent / "artifacts" / "models"
    return Path(os.environ.get("HELPDESK_TEST_MODEL_CACHE", default))


@pytest.fixture(scope="session")
def qwen_gguf(model_cache) -> Path:
    """The packaged Qwen2.5-Coder-0.5B-Instruct GGUF, assembled once from its pip packages."""
    from bot.generators import resolve_gguf

    return resolve_gguf("qwen2.5-coder-0.5b", model_cache, progress=False)


@pytest.fixture(scope="session")
def chat_model(qwen_gguf) -> Path:
    """The packaged 0.5B chat model that servers under test answer with."""
    return qwen_gguf


@pytest.fixture(scope="session")
def llama_server(qwen_gguf, tmp_path_factory) -> Iterator[str]:
    """A real ``python -m llama_cpp.server`` on 127.0.0.1; yields its OpenAI base URL (…/v1)."""
    from tests.servers import llama_server as server

    with server(qwen_gguf, tmp_path_factory.mktemp("llama-server")) as url:
        yield url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server on 127.0.0.1 (Debian's postgresql package); yields an admin URL."""
    from tests.servers import postgres_bin, postgres_server

    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (apt-get install -y postgresql)")
    with postgres_server(bin_dir) as url:
        yield url
