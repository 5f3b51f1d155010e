"""Real servers for tests, on 127.0.0.1 and free ports, always stopped (no mocks of them)."""

from __future__ import annotations

import contextlib
import glob
import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    """Wait until ``url`` answers (any HTTP status), or fail if the process died or time ran out."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    """Terminate a server and its children; kill it if it does not go."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


class ChromaServer:
    """A real ``chroma run`` on 127.0.0.1 that a test can stop and start again on the same port."""

    def __init__(self, path: Path, port: int | None = None):
        self.path, self.port = path, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> str:
        """Start the server on its path and port; returns its URL once it answers."""
        exe = shutil.which("chroma", path=os.path.dirname(sys.executable)) or shutil.which("chroma")
        with open(self.path.parent / f"chroma-{self.port}.log", "ab") as log:
            self.proc = subprocess.Popen([exe, "run", "--path", str(self.path), "--host", "127.0.0.1",
                                          "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT)
        wait_http(f"{self.url}/api/v2/heartbeat", self.proc)
        return self.url

    def stop(self) -> None:
        """Stop the server (its data stays on disk)."""
        if self.proc is not None:
            stop(self.proc)


@contextlib.contextmanager
def chroma_server(path: Path, port: int | None = None) -> Iterator[str]:
    """A real ``chroma run`` on 127.0.0.1; yields its URL."""
    server = ChromaServer(path, port)
    try:
        yield server.start()
    finally:
        server.stop()


@contextlib.contextmanager
def llama_server(model: Path, log_dir: Path) -> Iterator[str]:
    """A real ``python -m llama_cpp.server`` on 127.0.0.1; yields its OpenAI base URL (…/v1)."""
    port = free_port()
    log_path = log_dir / f"llama-server-{port}.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model),
           "--host", "127.0.0.1", "--port", str(port), "--n_threads", "2", "--n_ctx", "2048",
           "--interrupt_requests", "False"]  # several replicas' answers queue, none is cut short
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


def postgres_bin() -> Path | None:
    """The bin folder of the newest installed PostgreSQL (Debian's postgresql package), if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return Path(found[-1]).parent if found else None


@contextlib.contextmanager
def postgres_server(bin_dir: Path) -> Iterator[str]:
    """A real PostgreSQL server on 127.0.0.1 with trust auth; yields an admin URL."""
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


def create_database(admin_url: str, name: str) -> str:
    """Create database ``name`` on the server of ``admin_url``; returns a plain URL to it."""
    import sqlalchemy

    from ui.storage import database_url

    engine = sqlalchemy.create_engine(database_url(admin_url, Path(".")), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


@contextlib.contextmanager
def token_proxy(upstream: str, token: str) -> Iterator[str]:
    """An authenticating reverse proxy (as deployments put in front of Chroma, which has none):
    forwards requests that carry ``Authorization: Bearer <token>``, answers 401 to the rest."""
    import httpx

    client = httpx.Client(base_url=upstream, timeout=60)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            if self.headers.get("authorization") != f"Bearer {token}":
                status, kind, out = 401, "text/plain", b"401 Unauthorized"
            else:
                r = client.request(self.command, self.path, content=body,
                                   headers={"content-type": self.headers.get("content-type", "application/json")})
                status, kind, out = r.status_code, r.headers.get("content-type", "application/json"), r.content
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = forward

        def log_message(self, *args) -> None:
            pass

    try:
        with threaded_http(Handler) as url:
            yield url
    finally:
        client.close()


@contextlib.contextmanager
def threaded_http(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """A standard-library HTTP server on 127.0.0.1 and a free port, in a thread; yields its URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
