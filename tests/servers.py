"""Real servers for tests, on 127.0.0.1 and free ports, always stopped (no mocks of them)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
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


@contextlib.contextmanager
def chroma_server(path: Path, port: int | None = None) -> Iterator[str]:
    """A real ``chroma run`` on 127.0.0.1; yields its URL."""
    port = port or free_port()
    exe = shutil.which("chroma", path=os.path.dirname(sys.executable)) or shutil.which("chroma")
    log = open(path.parent / f"chroma-{port}.log", "wb")
    proc = subprocess.Popen([exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)
        log.close()
