"""A real ``helpdesk serve`` on 127.0.0.1 for the API and browser tests (one per test module)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import free_port, stop, wait_http

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
API_KEY = "test-admin-key"


@dataclass
class Server:
    """A running server: its base URL, data dir and log."""

    url: str
    data_dir: Path
    log: Path
    proc: subprocess.Popen

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="session")
def chat_model() -> Path:
    """The packaged 0.5B chat model, assembled once into the tests' model cache."""
    from bot.generators import resolve_gguf

    cache = Path(os.environ.get("HELPDESK_TEST_MODEL_CACHE", ROOT / "tests" / "artifacts" / "models"))
    return resolve_gguf("qwen2.5-0.5b", cache, progress=False)


@contextlib.contextmanager
def helpdesk_server(data_dir: Path, model: Path, env: dict[str, str] | None = None,
                    timeout: float = 600) -> Iterator[Server]:
    """Start ``helpdesk serve`` on a free port and wait until /api/v1/health says ready."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"serve-{port}.log"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    full_env = {**clean, "HELPDESK_MODEL": str(model), "HELPDESK_ADMIN_API_KEY": API_KEY,
                "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1",
                **(env or {})}
    cmd = [sys.executable, "-c", "from ui.cli import main; main()", "--data-dir", str(data_dir),
           "serve", "--host", "127.0.0.1", "--port", str(port)]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=full_env)
        server = Server(f"http://127.0.0.1:{port}", data_dir, log_path, proc)
        try:
            wait_http(f"{server.api}/health", proc, timeout=120)
            _wait_ready(server, timeout)
            yield server
        except BaseException:
            sys.stderr.write(server.log_text()[-4000:])
            raise
        finally:
            stop(proc)


def _wait_ready(server: Server, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited with {server.proc.returncode}")
        try:
            with urllib.request.urlopen(f"{server.api}/health", timeout=5) as r:
                if json.load(r).get("status") == "ready":
                    return
        except OSError:
            pass
        time.sleep(1)
    raise TimeoutError(f"server not ready within {timeout:.0f} s")


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where browser tests save screenshots for reviewers (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server on 127.0.0.1 (Debian's postgresql package); yields an admin URL."""
    import glob
    import shutil
    import tempfile

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not found:
        pytest.skip("PostgreSQL is not installed (apt-get install -y postgresql)")
    bin_dir = Path(found[-1]).parent
    # Not under pytest's tmp dir: that is private to root, and postgres cannot run as root.
    root = Path(tempfile.mkdtemp(prefix="helpdesk-pg-"))
    data = root / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
    subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "helpdesk", "--auth=trust",
                    "-E", "UTF8", "--locale=C.UTF-8"], check=True, capture_output=True)
    port = free_port()
    log = open(root / "postgres.log", "wb")
    proc = subprocess.Popen([*as_user, str(bin_dir / "postgres"), "-D", str(data), "-p", str(port),
                             "-h", "127.0.0.1", "-k", str(root)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while subprocess.run([str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                             capture_output=True).returncode != 0:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError((root / "postgres.log").read_text()[-2000:])
            time.sleep(0.2)
        yield f"postgresql://helpdesk@127.0.0.1:{port}/postgres"
    finally:
        stop(proc)
        log.close()
        shutil.rmtree(root, ignore_errors=True)
