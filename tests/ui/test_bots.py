"""Several bots in one install, isolated, over real HTTP: a real `helpdesk serve` with the packaged
models and embedded Chroma, two bots with their own documents, FAQ entries, persona, conversations,
site key and API key. One bot never cites the other's knowledge or FAQ, never reaches its
conversations, and a key of one never answers as the other. Bots are made the ways users make
them: `helpdesk bots add` and the admin API.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import httpx
import pytest

from tests.ui.conftest import API_KEY, helpdesk_server
from tests.ui.helpers import sse_events

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {API_KEY}"}
ORIGIN = "https://alpha.example.com"
ALPHA_DOC = ("# Zephyr lamp warranty\n\nEvery Zephyr lamp has a warranty of seven years. To claim it, send the "
             "lamp's serial number to warranty@alpha.example.com.\n")
BETA_DOC = ("# Quasar kettle returns\n\nA Quasar kettle can be returned within 45 days of delivery. Print the "
            "return label from your Quasar account and drop the kettle at any post office.\n")
ALPHA_FAQ = ("When is the Alpha shop open?", "The Alpha shop is open from 9 to 17, Monday to Friday.")
BETA_FAQ = ("When is the Beta shop open?", "The Beta shop is open from 10 to 20, every day.")
ALPHA_REFUSAL = "Alpha's assistant cannot answer that one."
# ".." and "../x" in a path are resolved by the client itself (to /api/v1/chat): sent encoded here
HOSTILE = ["%2e%2e", "%2e%2e%2fdefault", "default%2F..", "ALPHA", "alpha ", "bét", "机器人", "a" * 300,
           "alpha%00", "-alpha", "alpha;drop table bots"]


def _helpdesk(server, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    """`helpdesk ARGS` on the server's own data dir and database."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "--data-dir", str(server.data_dir), *args],
                          capture_output=True, text=True, env={**clean, "HF_HUB_OFFLINE": "1"}, timeout=300)
    if ok:
        assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


@pytest.fixture(scope="module")
def server(tmp_path_factory, chat_model):
    env = {"HELPDESK_SERVER__DEMO_KB": "false", "HELPDESK_SERVER__RATE_LIMIT_PER_MINUTE": "200"}
    with helpdesk_server(tmp_path_factory.mktemp("bots") / "data", chat_model, env) as s:
        yield s


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, timeout=300) as client:
        yield client


@pytest.fixture(scope="module")
def bots(server, http) -> dict:
    """alpha (added by the admin API, with a persona) and beta (added by `helpdesk bots add`), each
    with one document and one FAQ entry."""
    persona = {"tone": "Be brief.", "texts": {"en": {"refusal": ALPHA_REFUSAL}}}
    r = http.post("/api/v1/bots", json={"name": "alpha", "display_name": "Alpha help", "persona": persona},
                  headers=ADMIN)
    assert r.status_code == 201, r.text
    made = json.loads(_helpdesk(server, "bots", "add", "beta", "--display-name", "Beta help", "--json").stdout)
    assert made["name"] == "beta"
    faq_ids = {}
    for bot, doc, faq in (("alpha", ALPHA_DOC, ALPHA_FAQ), ("beta", BETA_DOC, BETA_FAQ)):
        r = http.post(f"/api/v1/bots/{bot}/documents", files={"files": (f"{bot}.md", doc.encode())}, headers=ADMIN)
        assert r.status_code == 200 and r.json()["documents"][0]["status"] == "added", r.text
        r = http.post(f"/api/v1/bots/{bot}/faq", json={"question": faq[0], "answer": faq[1]}, headers=ADMIN)
        assert r.status_code == 201, r.text
        faq_ids[bot] = r.json()["id"]
    return faq_ids


def _chat(http, bot: str, message: str, **extra) -> httpx.Response:
    return http.post(f"/api/v1/bots/{bot}/chat", json={"message": message, **extra})


def _sources(body: dict) -> set[str]:
    return {s["source"] for s in body["sources"]}


def test_bots_are_listed_with_their_own_knowledge(server, http, bots):
    names = [b["name"] for b in http.get("/api/v1/bots", headers=ADMIN).json()["bots"]]
    assert names == ["default", "alpha", "beta"]
    listed = json.loads(_helpdesk(server, "bots", "list", "--json").stdout)["bots"]
    assert [b["name"] for b in listed] == names
    docs = {bot: {d["source"] for d in http.get(f"/api/v1/bots/{bot}/documents", headers=ADMIN).json()["documents"]}
            for bot in ("alpha", "beta", "default")}
    assert docs == {"alpha": {"alpha.md", "admin-faq.json"}, "beta": {"beta.md", "admin-faq.json"}, "default": set()}
    assert http.get("/api/v1/documents", headers=ADMIN).json()["documents"] == []
    assert [e["question"] for e in http.get("/api/v1/bots/alpha/faq", headers=ADMIN).json()["faq"]] == [ALPHA_FAQ[0]]
    assert http.get("/api/v1/faq", headers=ADMIN).json()["faq"] == []
    cli_docs = _helpdesk(server, "docs", "--bot", "beta", "--json").stdout
    assert {d["source"] for d in json.loads(cli_docs)["documents"]} == {"beta.md", "admin-faq.json"}


def test_each_bot_answers_from_its_own_knowledge_only(http, bots):
    own = _chat(http, "alpha", "How long is the warranty of the Zephyr lamp?").json()
    assert not own["refused"] and _sources(own) == {"alpha.md"}
    other = _chat(http, "alpha", "How many days do I have to return a Quasar kettle?").json()
    assert "beta.md" not in _sources(other) and "45" not in other["answer"]
    assert other["refused"] and other["answer"].startswith(ALPHA_REFUSAL)  # alpha's persona
    beta = _chat(http, "beta", "How many days do I have to return a Quasar kettle?").json()
    assert not beta["refused"] and _sources(beta) == {"beta.md"}
    assert ALPHA_REFUSAL not in _chat(http, "beta", "How long is the Zephyr lamp warranty?").json()["answer"]


def test_faq_entries_stay_with_their_bot(http, bots):
    own = _chat(http, "alpha", ALPHA_FAQ[0]).json()
    assert own["canned"] and own["answer"] == ALPHA_FAQ[1]
    other = _chat(http, "alpha", BETA_FAQ[0]).json()
    assert BETA_FAQ[1] not in other["answer"] and "beta" not in {s["source"].split(".")[0] for s in other["sources"]}
    # beta's admin routes cannot change or delete alpha's entry by its id
    r = http.put(f"/api/v1/bots/beta/faq/{bots['alpha']}", json={"question": "x?", "answer": "y"}, headers=ADMIN)
    assert r.status_code == 404
    assert http.delete(f"/api/v1/bots/beta/faq/{bots['alpha']}", headers=ADMIN).status_code == 404
    assert _chat(http, "alpha", ALPHA_FAQ[0]).json()["answer"] == ALPHA_FAQ[1]


def test_a_bots_conversations_are_404_on_another_bots_routes(server, http, bots):
    first = _chat(http, "alpha", "How long is the warranty of the Zephyr lamp?").json()
    sid = first["session_id"]
    assert _chat(http, "alpha", "And how do I claim it?", session_id=sid).status_code == 200
    for r in (_chat(http, "beta", "hello?", session_id=sid),
              _chat(http, "default", "hello?", session_id=sid),
              http.post("/api/v1/chat", json={"message": "hello?", "session_id": sid}),
              http.post("/api/v1/bots/beta/feedback", json={"session_id": sid, "rating": "up"}),
              http.post("/api/v1/bots/beta/handoff", json={"session_id": sid}),
              http.post("/api/v1/handoff", json={"session_id": sid}),
              http.get(f"/api/v1/bots/beta/conversations/{sid}", headers=ADMIN)):
        assert r.status_code == 404, (r.request.url, r.text)
    assert http.post("/api/v1/bots/alpha/feedback", json={"session_id": sid, "rating": "up"}).status_code == 201
    assert len(http.get(f"/api/v1/bots/alpha/conversations/{sid}", headers=ADMIN).json()["turns"]) == 2
    listed = lambda bot: {c["session_id"] for c in  # noqa: E731
                          http.get(f"/api/v1/bots/{bot}/conversations", headers=ADMIN).json()["conversations"]}
    assert sid in listed("alpha") and sid not in listed("beta") and sid not in listed("default")
    with sqlite3.connect(server.data_dir / "helpdesk.sqlite3") as db:
        assert db.execute("select bot from sessions where id = ?", (sid,)).fetchone() == ("alpha",)


def test_a_site_key_answers_as_its_bot_only(http, bots):
    r = http.post("/api/v1/site-keys", json={"name": "Alpha shop", "origins": [ORIGIN], "bot": "alpha"},
                  headers=ADMIN)
    assert r.status_code == 201 and r.json()["bot"] == "alpha", r.text
    assert http.post("/api/v1/site-keys", json={"name": "x", "origins": [ORIGIN], "bot": "nope"},
                     headers=ADMIN).status_code == 404
    session = http.post("/api/v1/widget/session", json={"site_key": r.json()["key"]}, headers={"Origin": ORIGIN})
    token = {"Authorization": f"Bearer {session.json()['token']}", "Origin": ORIGIN}
    own = http.post("/api/v1/widget/chat", json={"message": "How long is the Zephyr lamp warranty?"}, headers=token)
    assert own.status_code == 200 and _sources(own.json()) == {"alpha.md"}
    other = http.post("/api/v1/widget/chat", json={"message": "How many days do I have to return a Quasar kettle?"},
                      headers=token).json()
    assert "beta.md" not in _sources(other) and other["answer"].startswith(ALPHA_REFUSAL)
    faq = http.post("/api/v1/widget/chat", json={"message": BETA_FAQ[0]}, headers=token).json()
    assert BETA_FAQ[1] not in faq["answer"]
    # the widget's conversation belongs to alpha: beta's routes do not reach it
    sid = session.json()["session_id"]
    assert http.get(f"/api/v1/bots/beta/conversations/{sid}", headers=ADMIN).status_code == 404
    assert http.get(f"/api/v1/bots/alpha/conversations/{sid}", headers=ADMIN).status_code == 200


def test_an_api_key_of_one_bot_gets_404_for_another(http, bots):
    made = http.post("/api/v1/api-keys", json={"name": "alpha CRM", "bot": "alpha"}, headers=ADMIN)
    assert made.status_code == 201, made.text
    key = {"Authorization": f"Bearer {made.json()['api_key']['key']}"}
    assert [m["id"] for m in http.get("/v1/models", headers=key).json()["data"]] == ["alpha"]
    ask = lambda model, q: http.post("/v1/chat/completions", headers=key, json={  # noqa: E731
        "model": model, "messages": [{"role": "user", "content": q}]})
    for model in ("beta", "default"):
        r = ask(model, "How many days do I have to return a Quasar kettle?")
        assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"
    r = ask("alpha", "How long is the Zephyr lamp warranty?")
    assert r.status_code == 200 and {s["source"] for s in r.json()["sources"]} == {"alpha.md"}
    r = ask("alpha", "How many days do I have to return a Quasar kettle?").json()
    assert r["helpdesk"]["refused"] and "beta.md" not in {s["source"] for s in r["sources"]}


def test_hostile_bot_names_are_404_naming_them(http, bots):
    for name in HOSTILE:
        for r in (http.post(f"/api/v1/bots/{name}/chat", json={"message": "hi"}),
                  http.get(f"/api/v1/bots/{name}/documents", headers=ADMIN),
                  http.get(f"/api/v1/bots/{name}/faq", headers=ADMIN)):
            assert r.status_code == 404, (name, r.text)
            assert r.json()["error"].startswith(("no bot", "no such endpoint")), r.text
            assert len(r.text) < 600
    r = http.post("/api/v1/bots/nope/chat", json={"message": "hi"})
    assert r.status_code == 404 and "'nope'" in r.json()["error"]
    for name in HOSTILE + ["..", "../default", "default", "", None, 7]:
        r = http.post("/api/v1/bots", json={"name": name}, headers=ADMIN)
        assert r.status_code in (400, 422), (name, r.text)
    r = http.post("/api/v1/bots", json={"name": "gamma", "persona": {"texts": {"fr": {"refusal": "Non."}}}},
                  headers=ADMIN)
    assert r.status_code == 400 and "fr" in r.json()["error"]
    r = http.post("/api/v1/bots", json={"name": "gamma", "model": {"admin_password": "x"}}, headers=ADMIN)
    assert r.status_code == 400 and "admin_password" in r.json()["error"]
    assert http.post("/api/v1/bots", json={"name": "gamma"}).status_code == 401
    assert [b["name"] for b in http.get("/api/v1/bots", headers=ADMIN).json()["bots"]] == ["default", "alpha", "beta"]


@pytest.mark.browser
def test_the_console_shows_the_chosen_bots_knowledge(server, http, bots, browser, screenshots):
    import re

    from playwright.sync_api import expect

    from tests.ui.helpers import admin_login

    password = re.search(r"password (\S+)\n", server.log_text()).group(1)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    admin_login(page, server, password)
    page.get_by_role("tab", name="Bots").click()
    expect(page.locator("#bots")).to_contain_text("Alpha help")
    chosen = page.locator("#bot-chosen input").first
    chosen.fill("alpha")
    chosen.press("Enter")
    expect(page.locator("#bot-documents")).to_contain_text("alpha.md")
    expect(page.locator("#bot-documents")).not_to_contain_text("beta.md")
    expect(page.locator("#bot-faq")).to_contain_text(ALPHA_FAQ[0])
    expect(page.locator("#bot-faq")).not_to_contain_text(BETA_FAQ[0])
    page.screenshot(path=str(screenshots / "admin-bots.png"), full_page=True)
    # a site key made in the console for beta answers as beta
    page.get_by_role("tab", name="Website widget").click()
    page.locator("#key-name textarea, #key-name input").first.fill("Beta shop")
    page.locator("#key-origins textarea, #key-origins input").first.fill("https://beta.example.com")
    bot = page.locator("#key-bot input").first
    bot.fill("beta")
    bot.press("Enter")
    page.locator("#create-key").click()
    expect(page.locator("#key-status")).to_contain_text("Created site key")
    context.close()
    made = next(k for k in http.get("/api/v1/site-keys", headers=ADMIN).json()["site_keys"] if k["name"] == "Beta shop")
    assert made["bot"] == "beta"


def _events_until(http, path: str, params: dict, kind: str) -> list[str]:
    """The kinds of a customer's event stream (from its start) up to the first ``kind``."""
    kinds: list[str] = []
    with http.stream("GET", path, params=params, timeout=httpx.Timeout(10, read=20)) as r:
        assert r.status_code == 200, r.read()
        for line in r.iter_lines():
            if line.startswith("event:"):
                kinds.append(line[6:].strip())
                if kinds[-1] == kind:
                    return kinds
    raise AssertionError(f"the stream ended before {kind}: {kinds}")


def test_a_bots_conversation_handed_off_goes_to_the_person_who_claimed_it(http, bots):
    sid = _chat(http, "alpha", ALPHA_FAQ[0]).json()["session_id"]  # the FAQ answers: no model call
    r = http.post("/api/v1/bots/alpha/handoff", json={"session_id": sid, "message": "a person please"})
    assert r.status_code == 201 and r.json()["state"] == "waiting", r.text
    waiting = [c for c in http.get("/api/v1/inbox", headers=ADMIN).json()["conversations"] if c["session_id"] == sid]
    assert waiting and (waiting[0]["bot"], waiting[0]["owner"]) == ("alpha", "api:alpha")
    assert http.post(f"/api/v1/inbox/{sid}/claim", headers=ADMIN).json()["state"] == "agent"

    held = _chat(http, "alpha", "My lamp flickers, can you help?", session_id=sid).json()
    assert held == {**held, "handoff": "agent", "answer": "", "session_id": sid}
    streamed = _chat(http, "alpha", "Still there?", session_id=sid, stream=True)
    assert [(kind, data.get("handoff")) for kind, data in sse_events(streamed)] == [("done", "agent")]
    said = [(i["author"], i["text"]) for i in http.get(f"/api/v1/inbox/{sid}", headers=ADMIN).json()["items"]]
    assert ("customer", "My lamp flickers, can you help?") in said and ("customer", "Still there?") in said
    # the customer follows the person on the bot's own event stream; no other route reaches it
    seen = _events_until(http, "/api/v1/bots/alpha/chat/events", {"session_id": sid}, "agent_joined")
    assert seen[:2] == ["customer_message", "waiting"] and seen[-1] == "agent_joined"
    for path in ("/api/v1/bots/beta/chat/events", "/api/v1/chat/events"):
        assert http.get(path, params={"session_id": sid}).status_code == 403, path
    assert http.get("/api/v1/bots/nobot/chat/events", params={"session_id": sid}).status_code == 404
    assert _chat(http, "beta", "hello?", session_id=sid).status_code == 404

    assert http.post(f"/api/v1/inbox/{sid}/release", headers=ADMIN).json()["state"] == "bot"
    back = _chat(http, "alpha", ALPHA_FAQ[0], session_id=sid).json()
    assert "handoff" not in back and back["answer"] == ALPHA_FAQ[1]


def test_an_agent_limited_to_one_bot_sees_and_claims_only_its_conversations(server, http, bots):
    assert "(bots: alpha)" in _helpdesk(server, "users", "add", "ann", "--role", "agent", "--bots", "alpha").stdout
    listed = {u["name"]: u["bots"] for u in json.loads(_helpdesk(server, "users", "list", "--json").stdout)["users"]}
    assert listed["ann"] == ["alpha"]
    assert "bots=alpha" in _helpdesk(server, "users", "list").stdout
    r = http.post("/api/v1/users", json={"name": "bob", "role": "agent"}, headers=ADMIN)
    assert r.status_code == 201 and r.json()["user"]["bots"] == [], r.text
    ann, bob = ({"Authorization": "Bearer " + http.post(f"/api/v1/users/{n}/token", headers=ADMIN).json()["token"]}
                for n in ("ann", "bob"))
    waiting = {}
    for bot, faq in (("alpha", ALPHA_FAQ), ("beta", BETA_FAQ)):
        sid = _chat(http, bot, faq[0]).json()["session_id"]
        r = http.post(f"/api/v1/bots/{bot}/handoff", json={"session_id": sid, "message": "a person please"})
        assert r.status_code == 201, r.text
        waiting[bot] = sid

    def listed_by(who, path: str, key: str) -> set[str]:
        r = http.get(path, headers=who)
        assert r.status_code == 200, r.text
        return {c["session_id"] for c in r.json()[key]}

    for path, key in (("/api/v1/inbox", "conversations"), ("/api/v1/conversations", "conversations"),
                      ("/api/v1/handoffs", "handoffs")):
        assert waiting["alpha"] in listed_by(ann, path, key) and waiting["beta"] not in listed_by(ann, path, key)
        assert set(waiting.values()) <= listed_by(bob, path, key), path
    for path in ("conversations", "handoffs", "unanswered", f"conversations/{waiting['beta']}"):
        r = http.get(f"/api/v1/bots/beta/{path}", headers=ann)
        assert r.status_code == 403 and "not your bot" in r.text, (path, r.text)
        assert http.get(f"/api/v1/bots/beta/{path}", headers=bob).status_code == 200, path
        assert http.get(f"/api/v1/bots/alpha/{path.replace(waiting['beta'], waiting['alpha'])}",
                        headers=ann).status_code == 200, path
    assert http.get("/api/v1/bots/nobot/conversations", headers=ann).status_code == 404
    for path in (f"/api/v1/conversations/{waiting['beta']}", f"/api/v1/inbox/{waiting['beta']}"):
        assert http.get(path, headers=ann).status_code == 404, path
    assert http.post(f"/api/v1/inbox/{waiting['beta']}/claim", headers=ann).status_code == 404
    assert http.post(f"/api/v1/inbox/{waiting['alpha']}/claim", headers=ann).json()["state"] == "agent"
    assert http.post(f"/api/v1/inbox/{waiting['beta']}/claim", headers=bob).json()["state"] == "agent"
    for who, bot in ((ann, "alpha"), (bob, "beta")):
        assert http.post(f"/api/v1/inbox/{waiting[bot]}/release", headers=who).json()["state"] == "bot"


def test_a_staff_members_bots_must_exist(server, http, bots):
    r = http.post("/api/v1/users", json={"name": "cy", "role": "agent", "bots": ["alpha", "nobot", "ALPHA", "../x"]},
                  headers=ADMIN)
    assert r.status_code == 400, r.text
    assert all(repr(name) in r.json()["error"] for name in ("nobot", "ALPHA", "../x")), r.text
    for hostile in ("alpha", [1], [None], [{"a": 1}], ["a" * 300], ["alpha"] * 201, None):
        r = http.post("/api/v1/users", json={"name": "cy", "role": "agent", "bots": hostile}, headers=ADMIN)
        assert r.status_code in (400, 422) and "bots" in r.text, (hostile, r.text)
    refused = _helpdesk(server, "users", "add", "cy", "--role", "agent", "--bots", "alpha,nobot", ok=False)
    assert refused.returncode != 0 and "'nobot'" in refused.stderr, refused.stderr
    assert "cy" not in {u["name"] for u in http.get("/api/v1/users", headers=ADMIN).json()["users"]}


def test_the_widget_shows_the_bots_persona(server, http, bots, browser):
    persona = {"texts": {"en": {"title": "Gamma desk", "greeting": "Hi, Gamma here!", "refusal": "No idea."},
                         "zh": {"greeting": "你好，我是 Gamma！"}}}
    r = http.post("/api/v1/bots", json={"name": "gamma", "display_name": "Gamma help", "persona": persona},
                  headers=ADMIN)
    assert r.status_code == 201, r.text
    keys = {bot: http.post("/api/v1/site-keys", json={"name": f"{bot} site", "origins": [ORIGIN],
                                                       **({"bot": bot} if bot else {})}, headers=ADMIN).json()["key"]
            for bot in ("gamma", "alpha", None)}

    def config(key: str) -> httpx.Response:
        return http.get("/api/v1/widget/config", params={"site_key": key}, headers={"Origin": ORIGIN})

    assert config(keys["gamma"]).json()["bot"] == {
        "name": "gamma", "display_name": "Gamma help",
        "texts": {"en": {"title": "Gamma desk", "greeting": "Hi, Gamma here!"}, "zh": {"greeting": "你好，我是 Gamma！"}}}
    assert config(keys["alpha"]).json()["bot"] == {"name": "alpha", "display_name": "Alpha help", "texts": {}}
    assert config(keys[None]).json()["bot"] == {"name": "default", "display_name": "", "texts": {}}
    assert config(keys["gamma"]).json()["appearance"]  # the key's look is still there
    assert http.get("/api/v1/widget/config", params={"site_key": keys["gamma"]},
                    headers={"Origin": "https://evil.example.com"}).status_code == 403

    # in Chromium: the widget's heading and greeting are gamma's, in the page's language
    from playwright.sync_api import expect

    from tests.ui.helpers import static_site

    pages: dict[str, str] = {}
    with static_site(pages) as site:
        key = http.post("/api/v1/site-keys", json={"name": "gamma page", "origins": [site], "bot": "gamma"},
                        headers=ADMIN).json()["key"]
        for path, lang in (("/en", "en"), ("/zh", "zh")):
            pages[path] = (f"<!doctype html><html><head><meta charset='utf-8'></head><body><p>Gamma</p><script "
                           f"src='{server.url}/widget.js' data-site-key='{key}' data-lang='{lang}' defer></script></body></html>")
        shown = (("en", "Open support chat", "Gamma desk", "Hi, Gamma here!"),
                 ("zh", "打开客服聊天", "Gamma help", "你好，我是 Gamma！"))  # no zh title: the display name
        for lang, launcher, heading, greeting in shown:
            context = browser.new_context(viewport={"width": 1280, "height": 860})  # a fresh sessionStorage
            context.set_default_timeout(30_000)
            try:
                page = context.new_page()
                page.goto(f"{site}/{lang}")
                page.get_by_role("button", name=launcher).click()
                expect(page.get_by_role("dialog").get_by_role("heading")).to_have_text(heading)
                expect(page.get_by_role("log")).to_contain_text(greeting)
            finally:
                context.close()
    assert http.delete("/api/v1/bots/gamma", headers=ADMIN).status_code == 200


def test_removing_a_bot(server, http, bots):
    assert http.delete("/api/v1/bots/default", headers=ADMIN).status_code == 400
    r = http.delete("/api/v1/bots/beta", headers=ADMIN)
    assert r.status_code == 400 and "documents" in r.json()["error"]
    refused = _helpdesk(server, "bots", "remove", "beta", ok=False)
    assert refused.returncode == 2 and "--delete-knowledge" in refused.stderr
    assert _chat(http, "beta", "How many days do I have to return a Quasar kettle?").status_code == 200
    r = http.delete("/api/v1/bots/beta", params={"delete_knowledge": "true"}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["documents_deleted"] == 2
    assert _chat(http, "beta", "hello?").status_code == 404
    assert http.get("/api/v1/bots/beta/documents", headers=ADMIN).status_code == 404
    assert _chat(http, "alpha", "How long is the Zephyr lamp warranty?").json()["sources"]
