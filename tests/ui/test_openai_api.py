"""The OpenAI-compatible API over real HTTP: the official `openai` client and LangChain's `ChatOpenAI`
against a real `helpdesk serve` with the packaged models, streaming included, plus hostile input.

Keys are made the ways users make them: `helpdesk keys add` on the server's database, and the
admin API. Assertions are on structure, sources, refusal flags, recorded turns and canned FAQ
answers, never on the model's wording.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime

import httpx
import openai
import pytest

from bot.texts import text
from tests.ui.conftest import API_KEY, helpdesk_server
from tests.ui.helpers import SOURCE_KEYS

pytestmark = pytest.mark.integration

BOT = "acme-support"
ADMIN = {"Authorization": f"Bearer {API_KEY}"}
RETURN_Q = "How long do I have to return an item?"
RETURN_FAQ = "You can return items within 30 days of delivery. Opened tea can only be returned if it is faulty."
DELIVERY_Q = "How long does delivery to Belgium take?"
PER_MINUTE = 12


@pytest.fixture(scope="module")
def server(tmp_path_factory, chat_model):
    env = {"HELPDESK_BOT_NAME": BOT, "HELPDESK_SERVER__RATE_LIMIT_PER_MINUTE": str(PER_MINUTE)}
    with helpdesk_server(tmp_path_factory.mktemp("openai") / "data", chat_model, env) as s:
        yield s


def _helpdesk(server, *args: str) -> str:
    """`helpdesk ARGS` on the server's own data dir and database; its stdout."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "--data-dir", str(server.data_dir), *args],
                          capture_output=True, text=True, env={**clean, "HELPDESK_BOT_NAME": BOT}, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.fixture(scope="module")
def key(server) -> dict:
    """A key made with `helpdesk keys add`, as an operator would."""
    return json.loads(_helpdesk(server, "keys", "add", "SDK tests", "--json"))["api_key"]


def _ip(n: int) -> dict[str, str]:
    """Each test its own client address, so the rate limit test counts only its own requests."""
    return {"X-Forwarded-For": f"10.66.0.{n}"}


def _client(server, api_key: str, n: int) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=api_key, max_retries=0, timeout=300,
                         default_headers=_ip(n))


def _turns(server, session_id: str) -> list[tuple]:
    """(question, standalone, owner) of each turn the server recorded for a session."""
    with sqlite3.connect(server.data_dir / "helpdesk.sqlite3") as db:
        return db.execute("select t.question, t.standalone, o.owner from turns t join session_owners o "
                          "on o.session_id = t.session_id where t.session_id = ? order by t.id",
                          (session_id,)).fetchall()


def test_models_lists_the_bot_of_the_key(server, key):
    client = _client(server, key["key"], 1)
    assert [m.id for m in client.models.list()] == [BOT]
    assert client.models.retrieve(BOT).owned_by == "helpdesk"
    with pytest.raises(openai.NotFoundError) as err:
        client.models.retrieve("gpt-4o")
    assert err.value.code == "model_not_found"


def test_sdk_create_answers_with_citations_sources_and_a_record(server, key):
    client = _client(server, key["key"], 2)
    raw = client.chat.completions.with_raw_response.create(
        model=BOT, messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": DELIVERY_Q}])
    done = raw.parse()
    choice = done.choices[0]
    assert done.object == "chat.completion" and done.model == BOT and done.id.startswith("chatcmpl-")
    assert choice.message.role == "assistant" and choice.finish_reason == "stop" and len(done.choices) == 1
    answer, extra = choice.message.content, done.model_extra
    assert extra["helpdesk"]["refused"] is False and re.sub(r"\[\d+\]", "", answer).strip()
    sources = extra["sources"]
    assert sources and all(set(s) == SOURCE_KEYS for s in sources)
    assert any("shipping" in s["source"] for s in sources)
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer)} <= {s["n"] for s in sources}
    session_id = raw.headers["X-Session-Id"]
    assert extra["helpdesk"]["session_id"] == session_id
    assert _turns(server, session_id) == [(DELIVERY_Q, DELIVERY_Q, f"openai:{key['id']}")]


def test_sdk_stream_sends_chunks_then_sources_then_done(server, key):
    client = _client(server, key["key"], 3)
    with client.chat.completions.with_streaming_response.create(
            model=BOT, messages=[{"role": "user", "content": DELIVERY_Q}], stream=True) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        session_id = response.headers["X-Session-Id"]
        chunks = list(response.parse())
    assert all(c.object == "chat.completion.chunk" and c.model == BOT for c in chunks)
    assert len({c.id for c in chunks}) == 1 and chunks[0].choices[0].delta.role == "assistant"
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert [c.choices[0].finish_reason for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    sources = last.model_extra["sources"]
    assert sources and any("shipping" in s["source"] for s in sources)
    assert all("sources" not in (c.model_extra or {}) for c in chunks[:-1])
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
    answer = last.model_extra.get("replace", streamed)
    admin = httpx.get(f"{server.api}/conversations/{session_id}", headers=ADMIN, timeout=60).json()
    assert [t["answer"] for t in admin["turns"]] == [answer]


def test_earlier_messages_are_the_history(server, key):
    client = _client(server, key["key"], 4)
    follow_up = "and what does it cost?"
    history = [{"role": "user", "content": DELIVERY_Q},
               {"role": "assistant", "content": "Delivery to Belgium takes 2-4 working days [1]."},
               {"role": "user", "content": follow_up}]
    raw = client.chat.completions.with_raw_response.create(model=BOT, messages=history)
    [(question, standalone, _)] = _turns(server, raw.headers["X-Session-Id"])
    assert question == follow_up and "Belgium" in standalone  # the follow-up was completed from the history
    alone = client.chat.completions.with_raw_response.create(model=BOT, messages=history[-1:])
    assert _turns(server, alone.headers["X-Session-Id"])[0][:2] == (follow_up, follow_up)
    # X-Session-Id continues the recorded conversation (for this key only)
    again = client.chat.completions.with_raw_response.create(
        model=BOT, messages=[{"role": "user", "content": RETURN_Q}],
        extra_headers={"X-Session-Id": raw.headers["X-Session-Id"]})
    assert again.headers["X-Session-Id"] == raw.headers["X-Session-Id"]
    assert len(_turns(server, raw.headers["X-Session-Id"])) == 2


def test_langchain_chat_openai_invoke_and_stream(server, key):
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(model=BOT, base_url=f"{server.url}/v1", api_key=key["key"], max_retries=0, timeout=300,
                     default_headers=_ip(5))
    reply = llm.invoke(RETURN_Q)
    assert reply.content == RETURN_FAQ
    pieces = list(llm.stream([("system", "You are helpful."), ("human", RETURN_Q)]))
    assert "".join(p.content for p in pieces) == RETURN_FAQ
    total = sum(pieces[1:], pieces[0])
    assert total.response_metadata["finish_reason"] == "stop" and total.response_metadata["model_name"] == BOT


def test_a_refusal_is_a_normal_message_with_the_handoff_offer(server, key):
    client = _client(server, key["key"], 6)
    done = client.chat.completions.create(model=BOT, messages=[{"role": "user", "content": "What is the capital of Peru?"}])
    assert done.choices[0].finish_reason == "stop"
    assert text("handoff", "en") in done.choices[0].message.content
    assert done.model_extra["helpdesk"]["refused"] is True and done.model_extra["sources"] == []


def test_keys_missing_wrong_revoked_or_for_another_bot_are_refused(server, key):
    for bad in ("", "hd-wrong", key["key"] + "x"):
        with pytest.raises(openai.AuthenticationError) as err:
            _client(server, bad or "x", 7).models.list()
        assert err.value.code == "invalid_api_key"
    plain = httpx.post(f"{server.url}/v1/chat/completions", json={"model": BOT, "messages": []}, timeout=60)
    assert plain.status_code == 401 and plain.json()["error"]["code"] == "invalid_api_key"

    made = httpx.post(f"{server.api}/api-keys", json={"name": "to revoke"}, headers=ADMIN, timeout=60).json()
    client = _client(server, made["api_key"]["key"], 7)
    assert client.chat.completions.create(model=BOT, messages=[{"role": "user", "content": RETURN_Q}]) \
        .choices[0].message.content == RETURN_FAQ
    _helpdesk(server, "keys", "revoke", made["api_key"]["id"])
    with pytest.raises(openai.AuthenticationError, match="revoked"):
        client.chat.completions.create(model=BOT, messages=[{"role": "user", "content": RETURN_Q}])

    from ui.storage import Storage  # a key for a bot this server does not answer as (made before it was removed)

    storage = Storage(f"sqlite:///{server.data_dir / 'helpdesk.sqlite3'}")
    other = storage.api_keys.create("other bot", "other-bot")
    storage.close()
    for api_key, model in ((other["key"], BOT), (other["key"], "other-bot"), (key["key"], "gpt-4o")):
        with pytest.raises(openai.NotFoundError) as err:
            _client(server, api_key, 7).chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
        assert err.value.code == "model_not_found" and err.value.status_code == 404
    assert _client(server, other["key"], 7).models.list().data == []


def _post(server, key, body=None, content: bytes | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key['key']}", "Content-Type": "application/json", **_ip(8)}
    return httpx.post(f"{server.url}/v1/chat/completions", headers=headers, timeout=60,
                      content=json.dumps(body).encode() if content is None else content)


USER = {"role": "user", "content": "hello"}


@pytest.mark.parametrize("body, status, code, words", [
    ({"model": BOT, "messages": "hello"}, 400, "invalid_request", "messages"),
    ({"model": 7, "messages": [USER]}, 400, "invalid_request", "model"),
    ({"messages": [USER]}, 400, "invalid_request", "model"),
    ({"model": BOT, "messages": [USER], "stream": "yes"}, 400, "invalid_request", "stream"),
    ({"model": BOT, "messages": [{"role": "user", "content": 42}]}, 400, "invalid_request", "content"),
    ({"model": BOT, "messages": [{"content": "hi"}]}, 400, "invalid_request", "role"),
    ({"model": BOT, "messages": []}, 400, "invalid_request", "messages"),
    ({"model": BOT, "messages": [{"role": "system", "content": "hi"}]}, 400, "invalid_request", "last message"),
    ({"model": BOT, "messages": [USER, {"role": "assistant", "content": "hi"}]}, 400, "invalid_request",
     "last message"),
    ({"model": BOT, "messages": [{"role": "user", "content": "   "}]}, 400, "invalid_request", "type a question"),
    ({"model": BOT, "messages": [{"role": "user", "content": "x" * 5000}]}, 400, "invalid_request", "too long"),
    ({"model": BOT, "messages": [{"role": "user", "content": "x" * 5000}, {"role": "assistant", "content": "a"},
                                 USER]}, 400, "invalid_request", "too long"),
    ({"model": BOT, "messages": [{"role": "user", "content": "a\u0000b"}]}, 400, "invalid_request", "NUL"),
    ({"model": BOT, "messages": [{"role": "wizard", "content": "hi"}]}, 400, "invalid_request", "unknown role"),
    ({"model": BOT, "messages": [USER], "n": 2}, 400, "unsupported", "n must be 1"),
    ({"model": BOT, "messages": [USER], "tools": [{"type": "function", "function": {"name": "f"}}]}, 400,
     "unsupported", "tools"),
    ({"model": BOT, "messages": [USER], "functions": [{"name": "f"}]}, 400, "unsupported", "functions"),
    ({"model": BOT, "messages": [USER], "tool_choice": "required"}, 400, "unsupported", "tools"),
    ({"model": BOT, "messages": [{"role": "tool", "content": "42", "tool_call_id": "a"}, USER]}, 400,
     "unsupported", "tool"),
    ({"model": BOT, "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]},
     400, "unsupported", "text content"),
    ({"model": BOT, "messages": [USER], "response_format": {"type": "json_object"}}, 400, "unsupported", "text"),
    ({"model": "gpt-4o", "messages": [USER]}, 404, "model_not_found", "gpt-4o"),
])
def test_hostile_requests_get_openai_errors_naming_the_problem(server, key, body, status, code, words):
    r = _post(server, key, body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["code"] == code
    assert words.lower() in error["message"].lower()


def test_broken_and_giant_bodies_and_unknown_paths(server, key):
    broken = _post(server, key, content=b"{not json")
    assert broken.status_code == 400 and broken.json()["error"]["type"] == "invalid_request_error"
    giant = _post(server, key, {"model": BOT, "messages": [{"role": "user", "content": "x" * 3_000_000}]})
    assert giant.status_code == 413 and giant.json()["error"]["code"] == "request_too_large"
    text_parts = _post(server, key, {"model": BOT, "messages": [
        {"role": "user", "content": [{"type": "text", "text": "How long do I have to"},
                                     {"type": "text", "text": "return an item?"}]}]})
    assert text_parts.status_code == 200 and text_parts.json()["choices"][0]["message"]["content"] == RETURN_FAQ
    nowhere = httpx.get(f"{server.url}/v1/embeddings", timeout=60)
    assert nowhere.status_code == 404 and nowhere.json()["error"]["code"] == "not_found"


def test_the_chat_apis_rate_limit_applies(server, key):
    client = _client(server, key["key"], 9)
    with pytest.raises(openai.RateLimitError) as err:
        for _ in range(PER_MINUTE + 1):
            client.chat.completions.create(model=BOT, messages=[{"role": "user", "content": RETURN_Q}])
    assert err.value.code == "rate_limit_exceeded" and int(err.value.response.headers["Retry-After"]) > 0


def test_admin_api_makes_lists_and_revokes_keys(server):
    with httpx.Client(base_url=server.api, timeout=60) as api:
        assert api.get("/api-keys").status_code == 401
        assert api.post("/api-keys", json={"name": "x"}, headers={"Authorization": "Bearer nope"}).status_code == 401
        made = api.post("/api-keys", json={"name": "Front end", "bot": BOT}, headers=ADMIN)
        assert made.status_code == 201
        k = made.json()["api_key"]
        assert k["key"].startswith("hd-") and k["bot"] == BOT
        listed = api.get("/api-keys", headers=ADMIN).json()["api_keys"]
        assert k["id"] in {x["id"] for x in listed} and k["key"] not in json.dumps(listed)
        for bad, words in (({"name": ""}, "name"), ({"name": "x", "bot": "nope"}, "no bot 'nope'"),
                           ({"name": "x", "extra": 1}, "extra"), ({"name": 5}, "name"),
                           ({"name": "a\u0000b"}, "name")):
            r = api.post("/api-keys", json=bad, headers=ADMIN)
            assert r.status_code == 400 and words in r.json()["error"], (bad, r.text)
        assert api.delete(f"/api-keys/{k['id']}", headers=ADMIN).json()["status"] == "revoked"
        assert api.delete(f"/api-keys/{k['id']}", headers=ADMIN).status_code == 404
        assert k["id"] not in {x["id"] for x in api.get("/api-keys", headers=ADMIN).json()["api_keys"]}
        everything = api.get("/api-keys", params={"include_revoked": "true"}, headers=ADMIN).json()["api_keys"]
        assert [x["revoked_at"] for x in everything if x["id"] == k["id"]][0].endswith("Z")


def test_insights_count_the_openai_conversations(server, key):
    _client(server, key["key"], 10).chat.completions.create(model=BOT, messages=[{"role": "user", "content": RETURN_Q}])
    today = datetime.now(UTC).date().isoformat()
    body = httpx.get(f"{server.api}/insights", params={"from": today, "to": today}, headers=ADMIN, timeout=60).json()
    mine = body["by_channel"][f"openai:{key['id']}"]
    assert mine["conversations"] >= 2 and mine["outcomes"]["canned"] >= 1
