"""A real ``helpdesk serve`` on 127.0.0.1 for the API and browser tests (one per test module)."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import free_port, stop, threaded_http, wait_http

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


@contextlib.contextmanager
def helpdesk_server(data_dir: Path, model: Path, env: dict[str, str] | None = None,
                    timeout: float = 600, ready: bool = True) -> Iterator[Server]:
    """Start ``helpdesk serve`` on a free port and wait until /api/v1/health says ready (or, without
    ``ready``, only until the port answers: enough for what works while models load)."""
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
            if ready:
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


CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (never `playwright install`)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # a loaded 2-core machine: answers take seconds
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where browser tests save screenshots for reviewers (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture()
def api(server):
    """An HTTP client on the API of the module's own ``server`` fixture (each module starts its own)."""
    import httpx

    with httpx.Client(base_url=server.api, timeout=300) as client:
        yield client


@pytest.fixture(scope="module")
def hook():
    """A real HTTP server on loopback that records the hand-off webhook's POSTs: ``(url, received)``,
    each with its path, headers (names lower-cased), raw body and parsed JSON."""
    received: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                             "raw": body, "json": json.loads(body)})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    with threaded_http(Handler) as url:
        yield f"{url}/hook", received
