"""Live hand-off over HTTP against a real ``helpdesk serve``: the customer asks for a person, the
chat goes quiet and the messages reach the inbox, an agent claims, writes (the customer's event
stream receives it live), releases, and the bot answers again; wrong moves are 409, another
conversation's events 403, hostile input 400."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.ui.conftest import API_KEY, ROOT, helpdesk_server
from tests.ui.helpers import chat, sse_events

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {API_KEY}"}
FAQ_Q = "How long do I have to return an item?"  # answered from the demo FAQ, no model call
SECRET = "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"
ORIGIN = "http://shop.test"


@pytest.fixture(scope="module")
def server(tmp_path_factory, chat_model, hook):
    env = {"HELPDESK_SERVER__HANDOFF_WEBHOOK_URL": hook[0], "HELPDESK_SERVER__HANDOFF_WEBHOOK_SECRET": SECRET,
           "HELPDESK_SERVER__RATE_LIMIT_PER_MINUTE": "1000", "HELPDESK_SERVER__HANDOFFS_PER_HOUR": "100",
           "HELPDESK_HANDOFF__POLL_SECONDS": "0.2"}
    with helpdesk_server(tmp_path_factory.mktemp("live") / "data", chat_model, env) as s:
        yield s


@pytest.fixture(scope="module")
def staff(server):
    with httpx.Client(base_url=server.api, headers=ADMIN, timeout=60) as client:
        yield client


class Listener:
    """A customer's event stream read on a thread, as a page would hold it open."""

    def __init__(self, url: str, params: dict, headers: dict | None = None):
        self.events: list[tuple[str, dict]] = []
        self.status: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(url, params, headers or {}), daemon=True)
        self._thread.start()

    def _run(self, url, params, headers):
        try:
            self._read(url, params, headers)
        except httpx.HTTPError:  # the server went away after the test: the page would reconnect
            pass

    def _read(self, url, params, headers):
        with httpx.stream("GET", url, params=params, headers=headers, timeout=httpx.Timeout(30, read=60)) as r:
            self.status = r.status_code
            kind = None
            for line in r.iter_lines():
                if line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:") and kind:
                    self.events.append((kind, json.loads(line[5:])))
                if self._stop.is_set():
                    return

    def wait_for(self, kind: str, timeout: float = 10) -> dict:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for k, data in self.events:
                if k == kind:
                    return data
            time.sleep(0.05)
        raise AssertionError(f"no {kind} event within {timeout} s; got {self.events}")

    def close(self):
        self._stop.set()


def _handed_off(api) -> str:
    sid = chat(api, FAQ_Q).json()["session_id"]
    r = api.post("/handoff", json={"session_id": sid, "contact": "ana@example.com", "message": "a person please"})
    assert r.status_code == 201, r.text
    return sid


def test_nobody_available_the_customer_is_told_and_the_webhook_fires_signed(api, hook):
    _, received = hook
    before = len(received)
    sid = chat(api, FAQ_Q).json()["session_id"]
    r = api.post("/handoff", json={"session_id": sid, "contact": "ana@example.com"})
    body = r.json()
    assert (body["state"], body["available"], body["reason"]) == ("waiting", False, "asked")
    assert "e-mail" in body["notice"]
    deadline = time.time() + 30
    while len(received) == before and time.time() < deadline:
        time.sleep(0.1)
    post = received[-1]
    sent = Webhook(SECRET).verify(post["raw"], post["headers"])
    assert sent["session_id"] == sid and sent["available"] is False and sent["reason"] == "asked"
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= set(post["headers"])


def test_the_whole_cycle_customer_agent_and_back_to_the_bot(api, staff, server):
    sid = _handed_off(api)
    held = chat(api, "Is anyone there?", sid).json()
    assert held == {**held, "handoff": "waiting", "answer": "", "session_id": sid}
    streamed = api.post("/chat", json={"message": "still here", "session_id": sid, "stream": True})
    assert sse_events(streamed)[-1][1]["handoff"] == "waiting"

    listen = Listener(f"{server.api}/chat/events", {"session_id": sid})
    try:
        inbox = staff.get("/inbox").json()
        mine = [c for c in inbox["conversations"] if c["session_id"] == sid][0]
        assert mine["state"] == "waiting" and mine["contact"] == "ana@example.com" and mine["waiting_s"] >= 0
        assert inbox["available"] is True  # the agent who just looked is present
        assert staff.post(f"/inbox/{sid}/claim").json()["state"] == "agent"
        assert listen.wait_for("agent_joined")["name"] == "admin"
        assert staff.post(f"/inbox/{sid}/messages", json={"text": "Hi, I can help."}).status_code == 201
        assert listen.wait_for("agent_message")["text"] == "Hi, I can help."
        assert chat(api, "Great, my order is 1234", sid).json()["handoff"] == "agent"
        talk = staff.get(f"/inbox/{sid}").json()
        said = [(i["author"], i["text"]) for i in talk["items"]]
        assert ("customer", "Great, my order is 1234") in said and ("agent", "Hi, I can help.") in said
        assert said[0] == ("customer", FAQ_Q) and talk["items"][1]["sources"] is not None
        newer = staff.get(f"/inbox/{sid}", params={"after": talk["last_event"]}).json()
        assert newer["items"] == []
        assert staff.post(f"/inbox/{sid}/release").json()["state"] == "bot"
        assert listen.wait_for("agent_left")["name"] == "admin"
        back = chat(api, FAQ_Q, sid).json()
        assert "handoff" not in back and back["canned"] is True and back["answer"]
        assert listen.wait_for("bot_message")["text"] == back["answer"]
    finally:
        listen.close()
    audited = staff.get("/audit", params={"actor": "admin", "action": "inbox."}).json()["entries"]
    moves = [(e["action"], e["target"]) for e in audited if e["target"] == sid]
    assert moves[::-1] == [("inbox.claim", sid), ("inbox.reply", sid), ("inbox.release", sid)]
    assert "Hi, I can help." not in json.dumps(audited)  # the audit names the reply, it keeps no copy


def test_an_agent_token_claims_and_replies_under_its_name_but_is_refused_admin_routes(api, staff, server):
    assert staff.post("/users", json={"name": "tove", "role": "agent"}).status_code == 201
    made = subprocess.run([sys.executable, "-c", "from ui.cli import main; main()", "--data-dir",
                           str(server.data_dir), "users", "token", "tove"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})
    assert made.returncode == 0, made.stderr
    agent = {"Authorization": f"Bearer {made.stdout.strip()}"}
    sid = _handed_off(api)
    listen = Listener(f"{server.api}/chat/events", {"session_id": sid})
    try:
        assert api.post(f"/inbox/{sid}/claim", headers=agent).json() == {
            "session_id": sid, "state": "agent", "claimed_by": "tove"}
        assert listen.wait_for("agent_joined")["name"] == "tove"  # the customer sees "tove joined"
        assert api.post(f"/inbox/{sid}/messages", headers=agent, json={"text": "Tove here."}).status_code == 201
        said = listen.wait_for("agent_message")
        assert (said["name"], said["text"]) == ("tove", "Tove here.")
        assert staff.post(f"/inbox/{sid}/messages", json={"text": "admin butting in"}).status_code == 409
    finally:
        listen.close()
    for method, path in [("GET", "/audit"), ("GET", "/users"), ("POST", "/users/tove/token"), ("GET", "/site-keys"),
                         ("GET", "/documents")]:
        assert api.request(method, path, headers=agent).status_code == 403, path
    audited = staff.get("/audit", params={"actor": "tove"}).json()["entries"]
    assert [(e["action"], e["target"]) for e in audited][::-1] == [("inbox.claim", sid), ("inbox.reply", sid)]
    assert api.post(f"/inbox/{sid}/close", headers=agent).json()["state"] == "closed"


@pytest.mark.parametrize("move", ["claim", "release", "close"])
def test_moves_that_do_not_fit_the_state_are_409(api, staff, move):
    sid = chat(api, FAQ_Q).json()["session_id"]
    r = staff.post(f"/inbox/{sid}/{move}")
    assert r.status_code == 409 and "cannot" in r.json()["error"]
    assert staff.post(f"/inbox/{sid}/messages", json={"text": "hi"}).status_code == 409


def test_claiming_twice_and_closing_twice(api, staff):
    sid = _handed_off(api)
    assert staff.post(f"/inbox/{sid}/claim").status_code == 200
    assert staff.post(f"/inbox/{sid}/claim").status_code == 200  # the same agent: harmless
    assert staff.post(f"/inbox/{sid}/close").json()["state"] == "closed"
    assert staff.post(f"/inbox/{sid}/close").status_code == 409
    assert staff.post(f"/inbox/{sid}/claim").status_code == 409
    assert "handoff" not in chat(api, FAQ_Q, sid).json()  # closed: the bot answers


def test_events_of_another_conversation_are_403_and_the_inbox_needs_staff(api, staff, server):
    widget_key = staff.post("/site-keys", json={"name": "Shop", "origins": [ORIGIN]}).json()["key"]
    token = httpx.post(f"{server.api}/widget/session", json={"site_key": widget_key},
                       headers={"Origin": ORIGIN}).json()
    for sid in (token["session_id"], "A" * 32, "../../etc", "x" * 64):
        r = api.get("/chat/events", params={"session_id": sid})
        assert r.status_code == 403, (sid, r.status_code)
    assert api.get("/chat/events", params={"session_id": "x" * 65}).status_code in (400, 422)
    assert api.get("/chat/events").status_code in (400, 422)
    assert api.get("/widget/events", headers={"Origin": ORIGIN}).status_code == 401
    assert api.get("/widget/events", params={"token": "forged.token"}, headers={"Origin": ORIGIN}).status_code == 401
    assert api.get("/widget/events", params={"token": token["token"]}, headers={"Origin": "http://evil.test"}
                   ).status_code == 403
    with httpx.stream("GET", f"{server.api}/widget/events", params={"token": token["token"], "after": 0},
                      headers={"Origin": ORIGIN}, timeout=10) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["access-control-allow-origin"] == ORIGIN
    assert token["token"] not in server.log_text()
    for path in ("/inbox", f"/inbox/{token['session_id']}"):
        assert api.get(path).status_code == 401
        assert api.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert api.post(f"/inbox/{token['session_id']}/claim").status_code == 401


def test_hostile_input_to_the_inbox(api, staff):
    sid = _handed_off(api)
    staff.post(f"/inbox/{sid}/claim")
    for raw in (b'{"text": "a\\u0000b"}', b'{"text": "\\ud800"}', b'{"text": "ok"', b"\xff\xfe"):
        r = staff.post(f"/inbox/{sid}/messages", content=raw, headers={"Content-Type": "application/json"})
        assert r.status_code in (400, 422), (raw, r.status_code)
    for body in ({"text": ""}, {"text": "   "}, {"text": "x" * 4001},
                 {"text": ["list"]}, {}, {"txt": "hi"}):
        r = staff.post(f"/inbox/{sid}/messages", json=body)
        assert r.status_code in (400, 422), (body, r.status_code)
        assert "error" in r.json()
    for bad in ("../../etc/passwd", "x" * 300, "' OR 1=1 --"):
        assert staff.post(f"/inbox/{bad}/claim").status_code in (400, 404)
    assert staff.post(f"/inbox/{'A' * 32}/claim").status_code == 404
    assert staff.get(f"/inbox/{sid}", params={"after": -1}).status_code in (400, 422)
    assert staff.get(f"/inbox/{sid}", params={"after": "1e99"}).status_code in (400, 422)
    sent = staff.post(f"/inbox/{sid}/messages", json={"text": "<script>alert(1)</script> 你好"})
    assert sent.status_code == 201
    items = staff.get(f"/inbox/{sid}").json()["items"]
    assert items[-1]["text"] == "<script>alert(1)</script> 你好"  # kept as written; pages escape it
