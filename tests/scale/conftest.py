"""Scale-out fixtures: shared servers (Chroma, PostgreSQL, llama.cpp) and helpdesk replicas on them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import ChromaServer, create_database
from tests.ui.conftest import Server, helpdesk_server


@dataclass
class Shared:
    """The servers every replica shares, and the environment that points a replica at them."""

    chroma: ChromaServer
    database_url: str
    model_url: str

    def env(self, **extra: str) -> dict[str, str]:
        """``helpdesk serve``'s environment for a stateless replica of this deployment."""
        return {"HELPDESK_CHROMA_URL": self.chroma.url, "HELPDESK_DATABASE_URL": self.database_url,
                "HELPDESK_GENERATOR": "openai", "HELPDESK_OPENAI_BASE_URL": self.model_url,
                "HELPDESK_MODEL": "qwen2.5-coder-0.5b", "HELPDESK_SERVER__DEMO_KB": "false", **extra}


@contextlib.contextmanager
def shared_servers(root: Path, postgres_url: str, model_url: str, db_name: str) -> Iterator[Shared]:
    """A fresh Chroma server and database beside the session's PostgreSQL and model servers."""
    chroma = ChromaServer(root / "chroma")
    chroma.start()
    try:
        yield Shared(chroma, create_database(postgres_url, db_name), model_url)
    finally:
        chroma.stop()


@contextlib.contextmanager
def replicas(root: Path, model: Path, env: dict[str, str], n: int = 2) -> Iterator[list[Server]]:
    """``n`` replicas of ``helpdesk serve`` on their own ports and (empty) data dirs."""
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(helpdesk_server(root / f"replica-{i}" / "data", model, env))
               for i in range(n)]


@pytest.fixture(scope="module")
def shared(tmp_path_factory, postgres_url, llama_server, request) -> Iterator[Shared]:
    """Shared servers for one test module (its own Chroma data and database)."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    with shared_servers(tmp_path_factory.mktemp(name), postgres_url, llama_server, name) as s:
        yield s
