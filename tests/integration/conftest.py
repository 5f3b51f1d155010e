"""Fixtures for the integration tier: real packaged models and real servers on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# --- generator fixtures (bot/generators): the packaged chat model and a real llama.cpp server ---


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """Where tests keep assembled and converted models across runs (git-ignored)."""
    default = Path(__file__).resolve().parents[1] / "artifacts" / "models"
    return Path(os.environ.get("HELPDESK_TEST_MODEL_CACHE", default))


@pytest.fixture(scope="session")
def qwen_gguf(model_cache) -> Path:
    """The packaged Qwen2.5-Coder-0.5B-Instruct GGUF, assembled once from its pip packages."""
    from bot.generators import resolve_gguf

    return resolve_gguf("qwen2.5-0.5b", model_cache, progress=False)


@pytest.fixture(scope="session")
def llama_generator(qwen_gguf):
    """One in-process LlamaCppGenerator on the packaged model, 2 threads, greedy."""
    from bot.generators import LlamaCppGenerator

    return LlamaCppGenerator(qwen_gguf, n_threads=2, max_tokens=64)


@pytest.fixture(scope="session")
def llama_server(qwen_gguf, tmp_path_factory) -> str:
    """A real ``python -m llama_cpp.server`` on 127.0.0.1; yields its OpenAI base URL (…/v1)."""
    from tests.servers import free_port, stop, wait_http

    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / f"llama-server-{port}.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(qwen_gguf),
           "--host", "127.0.0.1", "--port", str(port), "--n_threads", "2", "--n_ctx", "2048"]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            try:
                wait_http(f"http://127.0.0.1:{port}/v1/models", proc, timeout=120)
            except (RuntimeError, TimeoutError) as exc:
                raise RuntimeError(f"{exc}\n{log_path.read_text()[-3000:]}") from exc
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            stop(proc)


# --- end of generator fixtures ---
