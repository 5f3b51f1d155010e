"""What a hostile visitor tried against ``helpdesk serve``, replayed against a real server over real
HTTP (and a real browser for the admin console): every attack must now fail.

Wrong logins must not stall anyone else and must back off; a session id alone must open nothing;
the Gradio chat route has the API's size and rate limits; X-Forwarded-For written by a client
moves no limit (with the shipped proxy settings too); one address cannot spend a site's daily
budget; customer text is never rendered for staff; feedback and hand-offs are limited; NUL and
lone surrogates are a 400; public bodies and logs hold no internals; webhooks are signed by the
Standard Webhooks scheme, off the request path, with retries.
"""

from __future__ import annotations

import base64
import http.server
import itertools
import json
import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.servers import threaded_http
from tests.ui.conftest import API_KEY, helpdesk_server
from tests.ui.helpers import admin_login, chat
from tests.unit.test_deploy import shipped_forwarded_allow_ips

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {API_KEY}"}
FAQ_Q = "How long do I have to return an item?"  # in the demo FAQ: answered word for word, no model
UNUSED_SECRETS = ("sk-attack-openai-key-4711", "attack-chroma-token-0815")
HOOK_SECRET = "whsec_" + base64.b64encode(b"attack-test-webhook-secret-0123").decode()
RATE, HANDOFFS, TOKENS, LOGINS, BACKOFF = 5, 2, 6, 3, 4
_ips = (f"10.66.{i // 250}.{i % 250 + 1}" for i in itertools.count())


def ip() -> dict[str, str]:
    """A client address of its own (this server trusts X-Forwarded-For from 127.0.0.1, its proxy)."""
    return {"X-Forwarded-For": next(_ips)}


def _fresh_minute() -> None:
    if time.time() % 60 > 40:  # limits count in one-minute windows: start in a fresh one
        time.sleep(61 - time.time() % 60)


@pytest.fixture(scope="module")
def hook():
    """A webhook receiver on loopback that fails each delivery's first attempt (500), then takes it."""
    received: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the standard library's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = {k.lower(): v for k, v in self.headers.items()}
            first = not any(r["headers"]["webhook-id"] == headers.get("webhook-id") for r in received)
            received.append({"headers": headers, "raw": body, "at": time.time(), "refused": first})
            self.send_response(500 if first else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    with threaded_http(Handler) as url:
        yield f"{url}/hooks/helpdesk?token=receiver-secret", received


@pytest.fixture(scope="module")
def server(tmp_path_factory, chat_model, hook):
    env = {"HELPDESK_SERVER__RATE_LIMIT_PER_MINUTE": str(RATE),
           "HELPDESK_SERVER__HANDOFFS_PER_HOUR": str(HANDOFFS),
           "HELPDESK_SERVER__LOGIN_ATTEMPTS": str(LOGINS), "HELPDESK_SERVER__LOGIN_BACKOFF_S": str(BACKOFF),
           "HELPDESK_SERVER__HANDOFF_WEBHOOK_URL": hook[0], "HELPDESK_SERVER__HANDOFF_WEBHOOK_SECRET": HOOK_SECRET,
           "HELPDESK_WIDGET__TOKENS_PER_MINUTE": str(TOKENS), "HELPDESK_WIDGET__IP_DAILY_SHARE": "0.05",
           # set but unused here (llama.cpp, embedded Chroma): they must not reach the log either
           "HELPDESK_OPENAI_API_KEY": UNUSED_SECRETS[0],
           "HELPDESK_CHROMA_HEADERS": f'{{"Authorization": "Bearer {UNUSED_SECRETS[1]}"}}'}
    with helpdesk_server(tmp_path_factory.mktemp("attacks") / "data", chat_model, env) as s:
        yield s


@pytest.fixture(scope="module")
def admin(server):
    with httpx.Client(base_url=server.api, headers=ADMIN, timeout=120) as client:
        yield client


def _key(admin, origin: str, **extra) -> dict:
    made = admin.post("/site-keys", json={"name": "attacked site", "origins": [origin], **extra})
    assert made.status_code == 201, made.text
    return made.json()


def _token(server, key: str, origin: str, headers: dict | None = None, **body) -> httpx.Response:
    return httpx.post(f"{server.api}/widget/session", json={"site_key": key, **body}, timeout=60,
                      headers={"Origin": origin, **(headers or ip())})


def _widget(server, method: str, path: str, token: str, origin: str, headers: dict | None = None, **kw):
    return httpx.request(method, f"{server.api}/widget/{path}", timeout=300, **kw,
                         headers={"Origin": origin, "Authorization": f"Bearer {token}", **(headers or ip())})


def _login(server, password: str, address: str) -> httpx.Response:
    return httpx.post(f"{server.url}/admin/login", data={"username": "admin", "password": password},
                      headers={"X-Forwarded-For": address}, timeout=120)


def _admin_password(server) -> str:
    return re.search(r"password (\S+)\n", server.log_text()).group(1)


# -- 1. wrong logins ------------------------------------------------------------------------------


def test_wrong_logins_neither_stall_the_server_nor_keep_guessing(server):
    password = _admin_password(server)
    took: list[float] = []
    done = threading.Event()

    started = threading.Event()

    def probe():
        with httpx.Client(timeout=30) as c:
            for _ in range(3):  # a warm connection: only the logins' effect is measured
                c.get(f"{server.api}/health")
            started.set()
            while not done.is_set():
                t0 = time.perf_counter()
                assert c.get(f"{server.api}/health").status_code == 200
                took.append(time.perf_counter() - t0)
                time.sleep(0.02)

    assert _login(server, password, "10.61.0.1").status_code == 200  # Gradio's first login imports its form parser
    prober = threading.Thread(target=probe)
    prober.start()
    started.wait(60)
    try:
        with ThreadPoolExecutor(10) as pool:
            burst = list(pool.map(lambda i: _login(server, f"guess-{i}", "10.61.1.1"), range(10)))
            right_too_soon = _login(server, password, "10.61.1.1")
            spread = [r.status_code for r in pool.map(lambda i: _login(server, f"guess-{i}", f"10.61.2.{i}"),
                                                      range(8))]
    finally:
        done.set()
        prober.join()
    # Ten guesses at once from one address: the first LOGINS are checked, the rest refused unchecked.
    assert sorted(r.status_code for r in burst) == [400] * LOGINS + [429] * (10 - LOGINS)
    refused = next(r for r in burst if r.status_code == 429)
    assert "too many failed logins" in refused.json()["detail"] and int(refused.headers["Retry-After"]) <= BACKOFF
    # Even the right password waits out the back-off; nobody else waited meanwhile.
    assert right_too_soon.status_code == 429
    assert spread == [400] * 8  # other addresses still get their few tries
    assert len(took) >= 5 and max(took) < 0.5, f"health took up to {max(took):.2f} s during the logins"
    time.sleep(int(right_too_soon.headers["Retry-After"]) + 0.5)
    assert _login(server, password, "10.61.1.1").status_code == 200  # and the failures are forgotten

    # Guessing from many addresses is slowed too: the account backs off after 4x LOGINS failures.
    codes = [_login(server, "nope", f"10.61.3.{i}").status_code for i in range(4 * LOGINS)]
    assert codes == [400] * (4 * LOGINS)
    locked = _login(server, password, "10.61.4.1")
    assert locked.status_code == 429
    time.sleep(int(locked.headers["Retry-After"]) + 0.5)
    assert _login(server, password, "10.61.4.1").status_code == 200


# -- 2. conversations belong to who started them ----------------------------------------------


def test_a_session_id_alone_opens_no_conversation(server, admin, api):
    origin = "https://shop.example.com"
    shop, other = _key(admin, origin), _key(admin, "https://attacker.example.net")
    victim = _token(server, shop["key"], origin).json()
    sid = victim["session_id"]
    assert len(sid) >= 22 and re.fullmatch(r"[A-Za-z0-9_-]+", sid)  # >= 128 random bits
    assert _widget(server, "POST", "chat", victim["token"], origin, json={"message": FAQ_Q}).status_code == 200
    private = "order 4711, ana@example.com"
    assert _widget(server, "POST", "feedback", victim["token"], origin,
                   json={"rating": "down", "comment": private}).status_code == 201

    # The attacker has the public site key and the victim's session id (a leaked log line, say).
    attempts = [{"session_id": sid}, {"resume": sid}, {"resume": victim["token"][:-2] + "xx"},
                {"resume": _token(server, other["key"], "https://attacker.example.net").json()["token"]}]
    for body in attempts:
        got = _token(server, shop["key"], origin, **body).json()
        assert got["session_id"] != sid, body  # a new, empty conversation instead
        history = _widget(server, "GET", "history", got["token"], origin).json()
        assert history["turns"] == [] and private not in json.dumps(history)
    for path, body in (("/chat", {"message": FAQ_Q}), ("/feedback", {"rating": "up"}),
                       ("/handoff", {"contact": "x@example.com"})):
        r = api.post(path, json={"session_id": sid, **body}, headers=ip())
        assert r.status_code == 404 and sid not in r.text, (path, r.text)

    # Client-chosen ids are refused by the API; its own conversations are the API's alone.
    assert chat(api, FAQ_Q, "alice", client_ip=next(_ips)).status_code == 404
    started = chat(api, FAQ_Q, client_ip=next(_ips)).json()["session_id"]
    assert chat(api, FAQ_Q, started, client_ip=next(_ips)).json()["session_id"] == started
    assert _token(server, shop["key"], origin, session_id=started).json()["session_id"] != started

    # The customer's own earlier token (even once expired) continues the conversation.
    again = _token(server, shop["key"], origin, resume=victim["token"]).json()
    assert again["session_id"] == sid
    turns = _widget(server, "GET", "history", again["token"], origin).json()["turns"]
    assert [t["question"] for t in turns] == [FAQ_Q] and turns[0]["feedback"]["comment"] == private
    log = server.log_text()
    assert sid not in log and started not in log and sid[:6] in log  # logged shortened


# -- 3. the chat page's route -----------------------------------------------------------------


def _ask(server, message: str | bytes, client: str, session: str) -> httpx.Response:
    """The chat page's 'ask' event, as its JavaScript posts it (raw bytes for what JSON allows)."""
    body = message if isinstance(message, bytes) else json.dumps(
        {"data": [message, None], "session_hash": session}).encode()
    return httpx.post(f"{server.url}/gradio_api/run/ask", content=body, timeout=60,
                      headers={"Content-Type": "application/json", "X-Forwarded-For": client})


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS")).split()[1]) / 1024


def test_the_chat_page_has_the_apis_size_and_rate_limits(server):
    _fresh_minute()
    before = _rss_mb(server.proc.pid)
    big = b'{"data": ["' + b"x" * (20 * 2**20) + b'", null], "session_hash": "bomb"}'
    for _ in range(10):  # ten 20 MB messages
        r = _ask(server, big, next(_ips), "bomb")
        assert r.status_code == 413 and "limit" in r.json()["error"]
    chunked = httpx.post(f"{server.url}/gradio_api/run/ask", timeout=60,  # no Content-Length to go by
                         content=(big[i:i + 2**20] for i in range(0, len(big), 2**20)),
                         headers={"Content-Type": "application/json", "X-Forwarded-For": next(_ips)})
    assert chunked.status_code == 413
    assert _rss_mb(server.proc.pid) - before < 30, "the refused messages were kept"

    # Over the length limit but under the body limit: refused, and not kept in the conversation.
    client = next(_ips)
    long = _ask(server, "y" * 5000, client, "long")
    shown = json.dumps(long.json()["data"])
    assert long.status_code == 200 and "y" * 100 not in shown and "4000" in shown
    weird = _ask(server, b'{"data": ["a\\ud800b", null], "session_hash": "weird"}', client, "weird")
    assert weird.status_code == 200 and "surrogate" in json.dumps(weird.json()["data"])

    # The per-minute limit of the API, per address, counts the page's messages too.
    client = next(_ips)
    for n in range(RATE):
        assert f"hello {n}" in json.dumps(_ask(server, f"hello {n}", client, "rate").json()["data"])
    limited = json.dumps(_ask(server, "one more", client, "rate").json()["data"], ensure_ascii=False)
    assert "very quickly" in limited and "one more" not in limited
    with httpx.Client(base_url=server.api, timeout=300) as api:
        assert chat(api, FAQ_Q, client_ip=client).status_code == 429


# -- 5. X-Forwarded-For -------------------------------------------------------------------------


def _rotate_tokens(server, key: str, origin: str, n: int, forwarded) -> list[int]:
    return [_token(server, key, origin, {"X-Forwarded-For": forwarded(i)}).status_code for i in range(n)]


def test_addresses_a_client_writes_into_x_forwarded_for_move_no_limit(server, admin):
    _fresh_minute()
    origin = "https://xff.example.com"
    key = _key(admin, origin)["key"]
    # Behind a proxy that appends the real address (this server trusts 127.0.0.1 as its proxy),
    # rotating the client-written part changes nothing: the rightmost untrusted address counts.
    codes = _rotate_tokens(server, key, origin, TOKENS + 3, lambda i: f"203.0.113.{i}, 10.62.0.1")
    assert codes == [200] * TOKENS + [429] * 3


@pytest.mark.parametrize("where", ["compose", "k8s"])
def test_the_shipped_proxy_settings_ignore_a_clients_x_forwarded_for(tmp_path, chat_model, where):
    trusted = shipped_forwarded_allow_ips()[where]
    env = {"HELPDESK_SERVER__FORWARDED_ALLOW_IPS": trusted, "HELPDESK_WIDGET__TOKENS_PER_MINUTE": str(TOKENS)}
    with helpdesk_server(tmp_path / "data", chat_model, env, ready=False) as s:  # keys and tokens need no model
        made = httpx.post(f"{s.api}/site-keys", headers=ADMIN, timeout=60,
                          json={"name": "shop", "origins": ["https://shop.example.com"]})
        assert made.status_code == 201, made.text
        _fresh_minute()
        codes = _rotate_tokens(s, made.json()["key"], "https://shop.example.com", TOKENS + 4,
                               lambda i: f"198.51.100.{i}")  # 127.0.0.1 is not the shipped proxy
        assert codes == [200] * TOKENS + [429] * 4, (trusted, codes)


# -- 6. a site's daily budget ------------------------------------------------------------------


def test_one_address_cannot_spend_a_sites_daily_budget(server, admin):
    origin = "https://budget.example.com"
    key = _key(admin, origin, daily_budget=40)  # 5 %: two messages a day per address
    attacker = ip()
    codes = []
    for _ in range(4):
        token = _token(server, key["key"], origin, attacker).json()["token"]
        r = _widget(server, "POST", "chat", token, origin, attacker, json={"message": FAQ_Q})
        codes.append(r.status_code)
    assert codes == [200, 200, 429, 429]
    assert r.json().get("rate_limited") and not r.json().get("budget_exhausted")
    for _ in range(3):  # real customers elsewhere are still answered
        token = _token(server, key["key"], origin).json()["token"]
        assert _widget(server, "POST", "chat", token, origin, json={"message": FAQ_Q}).status_code == 200


# -- 8. customer text in the admin console ------------------------------------------------------


@pytest.mark.browser
def test_the_admin_console_shows_customer_text_as_text(server, api, browser):
    from playwright.sync_api import expect

    hits: list[str] = []

    class Beacon(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/gif")
            self.end_headers()
            self.wfile.write(base64.b64decode("R0lGODlhAQABAAAAACw="))

        def log_message(self, *args):
            pass

    with threaded_http(Beacon) as beacon:
        question = (f"Where is my refund? ![pixel]({beacon}/md.gif) <img src=\"{beacon}/html.gif\"> "
                    f"[Refund form]({beacon}/phish)")
        client = next(_ips)
        answered = chat(api, question, client_ip=client).json()
        r = api.post("/handoff", headers={"X-Forwarded-For": client}, json={
            "session_id": answered["session_id"], "contact": f"![c]({beacon}/contact.gif)",
            "message": f"<img src=\"{beacon}/message.gif\">"})
        assert r.status_code == 201, r.text

        context = browser.new_context(viewport={"width": 1300, "height": 900},
                                      extra_http_headers={"X-Forwarded-For": "10.63.0.1"})
        page = context.new_page()
        admin_login(page, server, _admin_password(server))
        page.get_by_role("tab", name="Conversations").click()
        page.locator("#conversations [role=gridcell]:visible").filter(has_text="Where is my refund?").first.click()
        transcript = page.locator("#transcript textarea")
        expect(transcript).to_have_value(re.compile(re.escape(f"[Refund form]({beacon}/phish)")))
        assert f'<img src="{beacon}/html.gif">' in transcript.input_value()
        page.get_by_role("tab", name="Hand-offs").click()
        expect(page.locator("#handoffs")).to_contain_text(f"![c]({beacon}/contact.gif)")
        page.get_by_role("tab", name="Unanswered").click()
        page.wait_for_timeout(1000)
        links = page.locator(f'a[href^="{beacon}"]').count()
        images = page.locator(f'img[src^="{beacon}"]').count()
        context.close()
    assert links == 0 and images == 0 and hits == [], (links, images, hits)


# -- 10. feedback and hand-offs ----------------------------------------------------------------


def test_feedback_and_handoffs_are_limited_and_need_a_real_conversation(server, admin, api, hook):
    url, received = hook
    _fresh_minute()
    origin = "https://handoff.example.com"
    empty = _token(server, _key(admin, origin)["key"], origin).json()["token"]
    r = _widget(server, "POST", "handoff", empty, origin, json={"contact": "x@example.com"})
    assert r.status_code == 400 and "no answers yet" in r.json()["error"]
    assert api.post("/handoff", json={"session_id": "no-such-session"}, headers=ip()).status_code == 404

    sid = chat(api, FAQ_Q, client_ip=next(_ips)).json()["session_id"]
    spammer = ip()
    codes = [api.post("/feedback", headers=spammer,
                      json={"session_id": sid, "rating": "down", "comment": "z" * 2000}).status_code
             for _ in range(RATE + 3)]
    assert codes == [201] * RATE + [429] * 3
    # The conversation's own limit holds whatever address the comments come from.
    assert api.post("/feedback", headers=ip(), json={"session_id": sid, "rating": "up"}).status_code == 429

    before = len({r["headers"]["webhook-id"] for r in received})
    codes, t0 = [], time.perf_counter()
    for _ in range(HANDOFFS + 2):
        r = api.post("/handoff", headers=spammer, json={"session_id": sid, "contact": "spam"})
        codes.append(r.status_code)
    assert codes == [201] * HANDOFFS + [429] * 2
    assert time.perf_counter() - t0 < 5  # the webhook (which fails first) is not waited for

    deadline = time.time() + 60
    while time.time() < deadline and any(h["webhook"] == "pending" for h in admin.get("/handoffs").json()["handoffs"]):
        time.sleep(0.3)
    handoffs = [h for h in admin.get("/handoffs").json()["handoffs"] if h["session_id"] == sid]
    assert [h["webhook"] for h in handoffs] == ["sent"] * HANDOFFS
    ids = {r["headers"]["webhook-id"] for r in received}
    assert len(ids) - before == HANDOFFS
    for msg_id in ids:
        tries = [r for r in received if r["headers"]["webhook-id"] == msg_id]
        assert [t["refused"] for t in tries] == [True, False]  # retried once, with the same id
        # Standard Webhooks: the receiver's own library accepts it ...
        assert Webhook(HOOK_SECRET).verify(tries[1]["raw"], tries[1]["headers"])["event"] == "handoff"
        # ... and a replay outside the timestamp's window is refused.
        with pytest.raises(Exception, match="too old"):
            Webhook(HOOK_SECRET).verify(tries[1]["raw"], {**tries[1]["headers"],
                                                           "webhook-timestamp": str(int(time.time()) - 3600)})
    log = server.log_text()
    assert "webhook attempt 1 of 3 failed" in log and url.split("?")[0] not in log and "receiver-secret" not in log


# -- 11. text a database or encoder would choke on ----------------------------------------------


def test_nul_and_lone_surrogates_are_a_400_that_names_the_field(server, admin, api):
    origin = "https://text.example.com"
    key = _key(admin, origin)["key"]
    token = _token(server, key, origin).json()["token"]
    sid = chat(api, FAQ_Q, client_ip=next(_ips)).json()["session_id"]
    post = {"Content-Type": "application/json"}
    for bad in ("\\ud800", "\\u0000"):
        cases = [(f"{server.api}/chat", '{"message": "hi %s"}', "message"),
                 (f"{server.api}/feedback", '{"session_id": "%s", "rating": "down", "comment": "a%%s"}' % sid,
                  "comment"),
                 (f"{server.api}/handoff", '{"session_id": "%s", "contact": "a%%s"}' % sid, "contact"),
                 (f"{server.api}/widget/session", '{"site_key": "pk_%s"}', "site_key"),
                 (f"{server.api}/widget/chat", '{"message": "hi %s"}', "message"),
                 (f"{server.api}/widget/handoff", '{"contact": "%s"}', "contact")]
        for url, body, field in cases:
            headers = {**post, **ip(), "Origin": origin, "Authorization": f"Bearer {token}"}
            r = httpx.post(url, content=(body % bad).encode(), headers=headers, timeout=60)
            assert r.status_code == 400 and r.json()["error"].startswith(field), (url, bad, r.text)
    assert api.get("/health").status_code == 200


# -- 12. what public bodies and logs say ----------------------------------------------------------


def test_health_says_the_state_and_nothing_internal(api, server):
    body = api.get("/health").json()
    assert set(body) <= {"status", "uptime_s", "documents", "chunks", "generator", "embedder", "answering",
                         "waiting"}
    assert str(server.data_dir) not in json.dumps(body) and os.sep + "models" not in json.dumps(body)


def test_the_log_shows_the_first_admin_password_once_and_no_other_secret(server):
    log = server.log_text()
    password = _admin_password(server)
    assert log.count(password) == 1  # printed once on first start, as the one way to learn it
    for secret in (API_KEY, HOOK_SECRET, "receiver-secret", *UNUSED_SECRETS):
        assert secret not in log, secret
