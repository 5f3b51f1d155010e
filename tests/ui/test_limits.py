"""What users send is bounded: message length, per-client rate, upload size and type, safe file
names, body size, and a busy server that says "please wait". A real server with tight limits."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time

import httpx
import pytest

from bot.texts import text
from tests.ui.conftest import API_KEY, helpdesk_server
from tests.ui.helpers import chat, sse_events

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {API_KEY}"}
LIMITS = {
    "HELPDESK_SERVER__RATE_LIMIT_PER_MINUTE": "3",
    "HELPDESK_SERVER__UPLOAD_MAX_MB": "0.05",
    "HELPDESK_SERVER__UPLOAD_MAX_FILES": "4",
    "HELPDESK_SERVER__QUEUE_SIZE": "0",
    "HELPDESK_SERVER__DEMO_KB": "false",
    "HELPDESK_MAX_QUESTION_CHARS": "200",
}
POLICY = b"# Kettle descaling\n\nDescale the Lumen kettle every 4 weeks with citric acid; never use vinegar.\n"
_ip = iter(range(1, 250))


def fresh_ip() -> str:
    """A client address of its own (the server trusts X-Forwarded-For from 127.0.0.1)."""
    return f"10.20.30.{next(_ip)}"


@pytest.fixture(scope="module")
def server(tmp_path_factory, chat_model):
    with helpdesk_server(tmp_path_factory.mktemp("limits") / "data", chat_model, LIMITS) as s:
        yield s


def _docs(api) -> list[dict]:
    return api.get("/documents", headers=ADMIN).json()["documents"]


def _upload(api, *files):
    return api.post("/documents", headers=ADMIN, files=[("files", f) for f in files])


def test_no_demo_when_turned_off(api):
    assert _docs(api) == []
    assert api.get("/health").json()["documents"] == 0


def test_message_length_limit(api):
    long = chat(api, "x" * 201, client_ip=fresh_ip())
    assert long.status_code == 400 and "200" in long.json()["error"]
    zh = chat(api, "退货" * 101, client_ip=fresh_ip())
    assert zh.status_code == 400 and "200" in zh.json()["error"] and "消息太长" in zh.json()["error"]
    assert chat(api, "   ", client_ip=fresh_ip()).status_code == 400
    assert chat(api, "x" * 200, client_ip=fresh_ip()).status_code == 200


def test_rate_limit_per_client_with_retry_after_counted_in_sql(api, server):
    ip = fresh_ip()
    if time.time() % 60 > 50:  # counters use one-minute windows: start in a fresh one
        time.sleep(61 - time.time() % 60)
    for _ in range(3):
        assert chat(api, "What is the capital of Peru?", client_ip=ip).status_code == 200
    limited = chat(api, "What is the capital of Peru?", client_ip=ip)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60 and "error" in limited.json()
    assert chat(api, "What is the capital of Peru?", client_ip=fresh_ip()).status_code == 200
    with sqlite3.connect(server.data_dir / "helpdesk.sqlite3") as db:
        counted = db.execute("select sum(count) from rate_counters where key = ?", (f"chat:{ip}",)).fetchone()[0]
    assert counted == 4  # the refused attempt counts too


def test_upload_size_and_type_limits_leave_the_knowledge_base_as_it_was(api):
    assert _upload(api, ("descaling.md", POLICY, "text/markdown")).json()["documents"][0]["status"] == "added"
    before = _docs(api)

    big = _upload(api, ("big.md", b"# big\n\n" + b"word " * 20_000, "text/markdown"))
    assert big.status_code == 413 and "limit" in big.json()["error"]
    exe = _upload(api, ("tool.exe", b"MZ\x90\x00binary", "application/octet-stream"))
    assert exe.status_code == 415
    fake_pdf = _upload(api, ("manual.pdf", b"just text, not a PDF", "application/pdf"))
    assert fake_pdf.status_code == 415 and "not a PDF" in fake_pdf.json()["error"]
    png_as_md = _upload(api, ("descaling.md", b"\x89PNG\r\n\x1a\n\x00\x00binary", "text/markdown"))
    assert png_as_md.status_code == 415
    reserved = ("admin-faq.json", b'[{"question": "q", "answer": "a"}]', "application/json")
    assert _upload(api, reserved).status_code == 400
    too_many = _upload(api, *[(f"f{i}.md", POLICY, "text/markdown") for i in range(5)])
    assert too_many.status_code == 400
    assert _docs(api) == before  # same documents, same hashes, same times: nothing changed


def test_file_names_are_sanitised(api, server):
    r = _upload(api, ("../../escaped.md", b"# Escaped\n\nA file that tried to leave its folder.", "text/markdown"),
                ("..\\..\\win\\also.md", b"# Also\n\nBackslash traversal.", "text/markdown"))
    assert r.status_code == 200
    assert [d["source"] for d in r.json()["documents"]] == ["escaped.md", "also.md"]
    root = server.data_dir.parent
    assert not list(root.parent.glob("escaped.md")) and not list(root.glob("escaped.md"))
    assert not list(server.data_dir.rglob("escaped.md"))  # the kept original is in the database
    for name in ("escaped.md", "also.md"):
        doc = next(d for d in _docs(api) if d["source"] == name)
        assert api.delete(f"/documents/{doc['id']}", headers=ADMIN).status_code == 200


def test_oversized_request_bodies_are_refused_before_reading(api):
    big = b'{"message": "' + b"x" * (3 * 2**20) + b'"}'
    r = api.post("/chat", content=big, headers={"Content-Type": "application/json", "X-Forwarded-For": fresh_ip()})
    assert r.status_code == 413
    # A client announcing 500 MB gets its answer before sending any of it (raw socket: httpx
    # will not send a body shorter than its Content-Length).
    host, port = api.base_url.host, api.base_url.port
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall((f"POST /api/v1/documents HTTP/1.1\r\nHost: {host}\r\n"
                      f"Authorization: Bearer {API_KEY}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                      f"Content-Length: {500 * 2**20}\r\n\r\n").encode())
        reply = sock.recv(4096).decode(errors="replace")
    assert reply.startswith("HTTP/1.1 413")


def test_busy_server_says_please_wait(api):
    if not any(d["source"] == "descaling.md" for d in _docs(api)):
        _upload(api, ("descaling.md", POLICY, "text/markdown"))
    events: list = []
    # Only model calls wait: a Chinese question on English pages is translated by the model.
    question = "水壶应该多久除一次垢？"

    def slow():
        with httpx.Client(base_url=api.base_url, timeout=300) as own:
            with own.stream("POST", "/chat", json={"message": question, "stream": True},
                            headers={"X-Forwarded-For": fresh_ip()}) as r:
                events.extend(sse_events(r))

    worker = threading.Thread(target=slow)
    worker.start()
    deadline = time.time() + 60
    while api.get("/health").json()["answering"] == 0:
        assert time.time() < deadline, "the first answer never started"
        time.sleep(0.05)
    busy = chat(api, question, client_ip=fresh_ip())
    worker.join(300)
    assert busy.status_code == 503
    assert busy.json()["busy"] is True and busy.json()["error"] == text("busy", "zh")
    assert int(busy.headers["Retry-After"]) >= 1
    assert events and events[-1][0] == "done"  # the answer in progress was not disturbed
    assert api.get("/health").json()["answering"] == 0
