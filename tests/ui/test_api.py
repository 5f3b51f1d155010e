"""The HTTP API over real HTTP, against a real `helpdesk serve` with the packaged models.

The server starts on a fresh data dir, so it also shows the first-run behaviour: the demo help
center is ingested and the bot answers from it. Assertions are on structure, sources, refusal
flags and canned FAQ answers, never on the model's wording.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.ui.conftest import API_KEY, helpdesk_server
from tests.ui.helpers import CONTRACT_KEYS, SOURCE_KEYS, chat, sse_events

pytestmark = pytest.mark.integration

HOOK_SECRET = "hook-secret"
ADMIN = {"Authorization": f"Bearer {API_KEY}"}
RETURN_FAQ = "You can return items within 30 days of delivery. Opened tea can only be returned if it is faulty."


@pytest.fixture(scope="module")
def server(tmp_path_factory, chat_model, hook):
    env = {"HELPDESK_SERVER__HANDOFF_WEBHOOK_URL": hook[0], "HELPDESK_SERVER__HANDOFF_WEBHOOK_SECRET": HOOK_SECRET,
           "HELPDESK_SERVER__RATE_LIMIT_PER_MINUTE": "1000"}
    with helpdesk_server(tmp_path_factory.mktemp("api") / "data", chat_model, env) as s:
        yield s


def test_first_start_ingests_the_demo_and_reports_ready(api, server):
    health = api.get("/health")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ready" and body["documents"] >= 11 and body["generator"] == "llama_cpp"
    sources = {d["source"] for d in api.get("/documents", headers=ADMIN).json()["documents"]}
    assert {"en/returns.md", "faq.csv", "prices.csv"} <= sources and any(s.startswith("zh/") for s in sources)
    assert "admin console login" in server.log_text()


def test_chat_returns_the_ask_object_and_canned_faq_answers(api):
    r = chat(api, "How long do I have to return an item?")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == CONTRACT_KEYS
    assert body["canned"] is True and body["refused"] is False and body["answer"] == RETURN_FAQ
    assert set(body["timings_ms"]) >= {"retrieve", "first_token", "total"}
    again = chat(api, "How long do I have to return an item?", body["session_id"]).json()
    assert again["session_id"] == body["session_id"]
    turns = api.get(f"/conversations/{body['session_id']}", headers=ADMIN).json()["turns"]
    assert len(turns) == 2 and turns[0]["canned"] is True


@pytest.mark.parametrize("question", ["What is the capital of Peru?", "火星有几颗卫星？"])
def test_out_of_scope_questions_are_refused_in_the_customers_language(api, question):
    body = chat(api, question).json()
    assert body["refused"] is True and body["sources"] == [] and body["canned"] is False
    has_cjk = any("\u4e00" <= c <= "\u9fff" for c in body["answer"])
    assert has_cjk == question.startswith("火")


def test_streaming_sends_tokens_then_sources_then_done(api):
    with api.stream("POST", "/chat", json={"message": "How long does delivery to Belgium take?", "stream": True}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = sse_events(r)
    kinds = [k for k, _ in events]
    assert kinds[0] in ("token", "queued") and "token" in kinds
    assert kinds[-2:] == ["sources", "done"] and "error" not in kinds
    done = events[-1][1]
    assert set(done) == CONTRACT_KEYS
    assert events[-2][1]["sources"] == done["sources"]
    if "replace" not in kinds:
        assert "".join(d["text"] for k, d in events if k == "token").strip() == done["answer"].strip()
    if not done["refused"]:
        words = re.sub(r"\[\d+\]", "", done["answer"]).strip()
        assert words, f"an answer of citation marks only: {done['answer']!r}"
        assert done["sources"] and all(set(s) == SOURCE_KEYS for s in done["sources"])
        assert any("shipping" in s["source"] or "配送" in s["source"] for s in done["sources"])


def test_documents_round_trip_upload_answer_delete(api):
    before = {d["source"] for d in api.get("/documents", headers=ADMIN).json()["documents"]}
    text = ("# Zorblax teapot\n\nThe Zorblax 3000 teapot is sold only on Tuesdays, at the Lumen & Leaf "
            "shop in Utrecht. It holds 1.3 litres.\n")
    up = api.post("/documents", headers=ADMIN, files=[("files", ("zorblax.md", text.encode(), "text/markdown"))])
    assert up.status_code == 200, up.text
    assert up.json()["documents"] == [{"file": "zorblax.md", "source": "zorblax.md", "status": "added",
                                       "chunks": 1, "error": ""}]
    docs = {d["source"]: d for d in api.get("/documents", headers=ADMIN).json()["documents"]}
    assert set(docs) == before | {"zorblax.md"}
    doc = docs["zorblax.md"]
    assert doc["chunks"] == 1 and doc["bytes"] == len(text.encode()) and doc["ingested_at"].endswith("Z")
    detail = api.get(f"/documents/{doc['id']}", headers=ADMIN).json()
    assert "Tuesdays" in detail["chunks"][0]["text"]

    answer = chat(api, "When is the Zorblax 3000 teapot sold?").json()
    assert answer["refused"] is False
    assert "zorblax.md" in [s["source"] for s in answer["sources"]]

    gone = api.delete(f"/documents/{doc['id']}", headers=ADMIN)
    assert gone.status_code == 200 and gone.json()["status"] == "deleted"
    assert "zorblax.md" not in {d["source"] for d in api.get("/documents", headers=ADMIN).json()["documents"]}
    after = chat(api, "When is the Zorblax 3000 teapot sold?").json()
    assert "zorblax.md" not in [s["source"] for s in after["sources"]]
    assert api.delete(f"/documents/{doc['id']}", headers=ADMIN).status_code == 404


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": API_KEY}])
def test_admin_endpoints_need_the_key_and_change_nothing_without_it(api, headers):
    docs = api.get("/documents", headers=ADMIN).json()["documents"]
    victim = docs[0]["id"]
    calls = [("GET", "/documents"), ("DELETE", f"/documents/{victim}"), ("GET", "/conversations"),
             ("GET", "/faq"), ("GET", "/unanswered"), ("GET", "/handoffs"),
             ("POST", f"/documents/{victim}/reingest")]
    for method, path in calls:
        r = api.request(method, path, headers=headers)
        assert r.status_code == 401, (method, path, r.text)
        assert r.headers.get("www-authenticate") == "Bearer" and "error" in r.json()
    sneaky = ("sneaky.md", b"# sneaky\n\nsneaky text", "text/markdown")
    up = api.post("/documents", headers=headers, files=[("files", sneaky)])
    faq = api.post("/faq", headers=headers, json={"question": "sneaky?", "answer": "yes"})
    assert up.status_code == 401 and faq.status_code == 401
    assert api.get("/documents", headers=ADMIN).json()["documents"] == docs
    assert api.get("/faq", headers=ADMIN).json()["faq"] == []


def test_feedback_is_recorded_on_the_conversation(api):
    sid = chat(api, "How long do I have to return an item?").json()["session_id"]
    r = api.post("/feedback", json={"session_id": sid, "rating": "down", "comment": "too short"})
    assert r.status_code == 201 and r.json()["status"] == "recorded"
    listed = {c["session_id"]: c for c in api.get("/conversations", headers=ADMIN).json()["conversations"]}
    assert listed[sid]["feedback"] == {"up": 0, "down": 1}
    turn = api.get(f"/conversations/{sid}", headers=ADMIN).json()["turns"][0]
    assert turn["feedback"] == {"rating": -1, "comment": "too short"}
    assert api.post("/feedback", json={"session_id": "no-such-session", "rating": "up"}).status_code == 404
    assert api.post("/feedback", json={"session_id": sid, "rating": "meh"}).status_code == 400


def test_handoff_records_and_posts_the_transcript_with_sources(api, hook):
    _, received = hook
    first = chat(api, "How long does delivery to Belgium take?").json()
    sid = first["session_id"]
    chat(api, "How long do I have to return an item?", sid)
    before = len(received)
    r = api.post("/handoff", json={"session_id": sid, "contact": "ana@example.com", "message": "call me"})
    assert r.status_code == 201
    assert r.json()["webhook"] == "pending" and r.json()["turns"] == 2  # sent off the request path
    listed = _delivered(api)
    assert listed["session_id"] == sid and listed["webhook"] == "sent" and len(received) == before + 1
    post = received[-1]
    body = post["json"]
    assert body["event"] == "handoff" and body["session_id"] == sid and body["contact"] == "ana@example.com"
    assert [t["question"] for t in body["transcript"]] == ["How long does delivery to Belgium take?",
                                                           "How long do I have to return an item?"]
    assert body["sources"] == [{k: s[k] for k in ("source", "title", "location", "text")} for s in first["sources"]]
    # Standard Webhooks: verified by the scheme's own library, as a receiver would
    headers = {k.lower(): v for k, v in post["headers"].items()}
    assert Webhook(HOOK_SECRET.encode()).verify(post["raw"], headers) == body
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + post["raw"]
    mac = base64.b64encode(hmac.new(HOOK_SECRET.encode(), signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{mac}"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60


def _delivered(api, timeout: float = 30) -> dict:
    """The latest hand-off once its webhook delivery is no longer pending."""
    deadline = time.time() + timeout
    while True:
        listed = api.get("/handoffs", headers=ADMIN).json()["handoffs"][0]
        if listed["webhook"] != "pending" or time.time() > deadline:
            return listed
        time.sleep(0.2)


def test_unanswered_question_becomes_a_canned_faq_answer(api):
    question = "Do you sell gift cards for weddings?"
    assert chat(api, question).json()["refused"] is True
    gaps = api.get("/unanswered", headers=ADMIN).json()["questions"]
    assert any(g["question"] == question and "refused" in g["reason"] for g in gaps)

    created = api.post("/faq", headers=ADMIN,
                       json={"question": question, "answer": "Yes: gift cards from €10 to €200."})
    assert created.status_code == 201
    entry = created.json()["id"]
    answer = chat(api, question).json()
    assert answer["canned"] is True and answer["answer"] == "Yes: gift cards from €10 to €200."
    assert question not in [g["question"] for g in api.get("/unanswered", headers=ADMIN).json()["questions"]]
    assert "admin-faq.json" in {d["source"] for d in api.get("/documents", headers=ADMIN).json()["documents"]}

    changed = api.put(f"/faq/{entry}", headers=ADMIN, json={"question": question, "answer": "Yes, from €20."})
    assert changed.status_code == 200
    assert chat(api, question).json()["answer"] == "Yes, from €20."
    assert api.delete(f"/faq/{entry}", headers=ADMIN).status_code == 200
    assert "admin-faq.json" not in {d["source"] for d in api.get("/documents", headers=ADMIN).json()["documents"]}
    assert chat(api, question).json()["canned"] is False


def test_errors_are_json_with_the_right_status(api):
    bad_json = api.post("/chat", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400 and "error" in bad_json.json()
    assert api.post("/chat", json={}).status_code == 400
    assert api.post("/chat", json={"message": "hi", "session_id": "../etc"}).status_code == 400
    assert api.post("/chat", json={"message": "hi", "session_id": "alice"}).status_code == 404  # not issued
    missing = api.get("/nope")
    assert missing.status_code == 404 and "error" in missing.json()


def test_openapi_docs_and_pages_are_served(server):
    with httpx.Client(base_url=server.url, timeout=30) as web:
        docs = web.get("/api/v1/docs")
        assert docs.status_code == 200 and "cdn." not in docs.text  # works offline
        assert web.get("/api/v1/docs-static/swagger-ui-bundle.js").status_code == 200
        paths = web.get("/api/v1/openapi.json").json()["paths"]
        assert {"/api/v1/chat", "/api/v1/feedback", "/api/v1/handoff", "/api/v1/documents",
                "/api/v1/documents/{doc_id}", "/api/v1/conversations", "/api/v1/health"} <= set(paths)
        assert paths["/api/v1/documents"]["get"]["security"] == [{"HTTPBearer": []}]
        assert web.get("/").status_code == 200
        redirect = web.get("/admin")
        assert redirect.status_code in (301, 302, 307) and redirect.headers["location"].endswith("/admin/")
        assert web.get("/admin/config").status_code == 401


def test_reingest_uses_the_kept_original(api):
    doc = next(d for d in api.get("/documents", headers=ADMIN).json()["documents"] if d["source"] == "en/returns.md")
    assert doc["kept"] is True
    again = api.post(f"/documents/{doc['id']}/reingest", headers=ADMIN)
    assert again.status_code == 200
    assert again.json()["status"] == "unchanged" and again.json()["source"] == "en/returns.md"
    assert api.post("/documents/no-such-doc/reingest", headers=ADMIN).status_code == 404
