"""Operations and privacy over real HTTP, against a real ``helpdesk serve`` with metrics on, JSON
logs and redaction: /metrics parsed with prometheus_client after real answers and a 429, the JSON
log lines and X-Request-ID, the export and erase endpoints, and hostile input on each."""

from __future__ import annotations

import csv
import io
import json
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.ui.conftest import API_KEY, helpdesk_server
from tests.ui.helpers import chat
from ui.redact import redact

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {API_KEY}"}
TOKEN = "metrics-scrape-token"
FAQ = "How long do I have to return an item?"
ENV = {"HELPDESK_SERVER__METRICS": "true", "HELPDESK_SERVER__METRICS_TOKEN": TOKEN, "HELPDESK_LOG_FORMAT": "json",
       "HELPDESK_PRIVACY__REDACT": "true", "HELPDESK_SERVER__RATE_LIMIT_PER_MINUTE": "2"}
_ip = iter(range(1, 250))


def fresh_ip() -> str:
    return f"10.40.50.{next(_ip)}"


@pytest.fixture(scope="module")
def server(tmp_path_factory, chat_model):
    with helpdesk_server(tmp_path_factory.mktemp("operations") / "data", chat_model, ENV) as s:
        yield s


def scrape(server, token: str = TOKEN) -> dict[tuple[str, tuple], float]:
    r = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def test_metrics_count_answers_hand_offs_and_429s(server, api):
    if time.time() % 60 > 45:  # the rate limit counts per minute: start in a fresh one
        time.sleep(61 - time.time() % 60)
    before = scrape(server)
    ip = fresh_ip()
    first = chat(api, FAQ, client_ip=ip)
    assert first.status_code == 200 and first.json()["canned"] is True
    assert chat(api, FAQ, first.json()["session_id"], client_ip=ip).status_code == 200
    assert chat(api, FAQ, client_ip=ip).status_code == 429
    handed = api.post("/handoff", json={"session_id": first.json()["session_id"], "contact": "ann@example.com"},
                      headers={"X-Forwarded-For": ip})
    assert handed.status_code == 201
    after = scrape(server)

    def delta(name: str, **labels) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("helpdesk_answers_total", outcome="canned") == 2
    assert delta("helpdesk_answers_total", outcome="answered") == 0
    assert delta("helpdesk_answer_seconds_count") == 2 and delta("helpdesk_first_token_seconds_count") == 2
    assert delta("helpdesk_queue_wait_seconds_count") == 0  # FAQ answers call no model: they never queue
    assert delta("helpdesk_http_responses_total", code="429") == 1
    assert delta("helpdesk_handoffs_total") == 1
    assert after[("helpdesk_queue_depth", ())] == 0
    assert ("helpdesk_http_responses_total", (("code", "503"),)) in after
    assert scrape(server, API_KEY)  # the admin API key works as well


def test_metrics_are_refused_without_the_token(server):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": "Bearer " + TOKEN + "x"}, {"Authorization": "Bearer é".encode()}):
        r = httpx.get(f"{server.url}/metrics", headers=headers, timeout=30)
        assert r.status_code == 401 and "HELPDESK_SERVER__METRICS_TOKEN" in r.json()["error"], headers
        assert r.headers["WWW-Authenticate"] == "Bearer"


def test_json_log_lines_carry_the_request_id_it_returns(server, api):
    r = api.get("/health", headers={"X-Request-ID": "probe-1234.a:b"})
    assert r.headers["X-Request-ID"] == "probe-1234.a:b"
    for hostile in ("x" * 129, "<script>alert(1)</script>", "a b", "é"):
        got = api.get("/health", headers={"X-Request-ID": hostile.encode()})
        assert len(got.headers["X-Request-ID"]) == 32 and got.headers["X-Request-ID"] != hostile
    fresh = api.get("/health").headers["X-Request-ID"]
    assert len(fresh) == 32 and int(fresh, 16) >= 0
    asked = chat(api, f"{FAQ} Mail me at zoe.q@example.org", client_ip=fresh_ip())
    rid = asked.headers["X-Request-ID"]
    time.sleep(0.5)
    lines = [json.loads(line) for line in server.log_text().splitlines() if line.startswith("{")]
    assert all(set(e) >= {"time", "level", "logger", "message", "request_id"} for e in lines)
    access = [e for e in lines if e["logger"] == "helpdesk.access"]
    probe = [e for e in access if e["request_id"] == "probe-1234.a:b"]
    assert probe and probe[0]["path"] == "/api/v1/health" and probe[0]["status"] == 200 and probe[0]["method"] == "GET"
    assert any(e["logger"] == "helpdesk.bot" and e["request_id"] == rid for e in lines)  # the answer's thread
    # Every log line is JSON (uvicorn's and the libraries' too); only serve's own announcements to
    # the terminal ("helpdesk: ready at ...") are plain text.
    plain = [line for line in server.log_text().splitlines() if line.strip() and not line.startswith("{")]
    assert plain and all(line.startswith("helpdesk: ") for line in plain), plain
    text = server.log_text()
    for secret in (API_KEY, TOKEN, "zoe.q@example.org"):
        assert secret not in text


def test_export_streams_what_was_stored_masked(server, api):
    ip = fresh_ip()
    asked = chat(api, f"{FAQ} my phone is 138 1234 5678", client_ip=ip).json()
    r = api.get("/conversations/export", headers=ADMIN)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    assert "attachment" in r.headers["content-disposition"]
    rows = {c["session_id"]: c for c in map(json.loads, r.text.splitlines())}
    mine = rows[asked["session_id"]]
    assert mine["channel"] == "api" and mine["turns"][0]["question"] == f"{FAQ} my phone is [phone]"
    assert mine["turns"][0]["answer"] == redact(asked["answer"])
    today = time.strftime("%Y-%m-%d", time.gmtime())
    r = api.get("/conversations/export", params={"format": "csv", "from": today, "to": today}, headers=ADMIN)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert [t["question"] for t in table if t["session_id"] == asked["session_id"]] == [f"{FAQ} my phone is [phone]"]
    empty = api.get("/conversations/export", params={"format": "csv", "from": "2001-01-01", "to": "2001-01-02"},
                    headers=ADMIN)
    assert empty.status_code == 200 and len(empty.text.splitlines()) == 1  # the header only


@pytest.mark.parametrize(("params", "message"), [
    ({"format": "xml"}, "format must be one of jsonl, csv"),
    ({"from": "2024-02-30"}, "from must be a date"),
    ({"to": "'; DROP TABLE turns; --"}, "to must be a date"),
    ({"from": "2024-05-02", "to": "2024-05-01"}, "after"),
    ({"from": "9" * 41}, "at most 40"),
])
def test_export_refuses_bad_parameters(api, params, message):
    r = api.get("/conversations/export", params=params, headers=ADMIN)
    assert r.status_code == 400 and message in r.json()["error"]


def test_erasing_a_conversation_over_the_api(server, api):
    ip = fresh_ip()
    sid = chat(api, FAQ, client_ip=ip).json()["session_id"]
    assert api.post("/feedback", json={"session_id": sid, "rating": "down", "comment": "meh"},
                    headers={"X-Forwarded-For": ip}).status_code == 201
    assert api.get(f"/conversations/{sid}", headers=ADMIN).status_code == 200
    r = api.delete(f"/conversations/{sid}", headers=ADMIN)
    assert r.status_code == 200 and r.json() == {"session_id": sid, "status": "erased"}
    assert api.get(f"/conversations/{sid}", headers=ADMIN).status_code == 404
    assert sid not in api.get("/conversations/export", headers=ADMIN).text
    assert api.delete(f"/conversations/{sid}", headers=ADMIN).status_code == 404
    # The customer's own id no longer continues anything.
    assert chat(api, FAQ, sid, client_ip=fresh_ip()).status_code == 404


def test_the_new_endpoints_need_the_admin_key_and_sane_ids(server, api):
    for method, path in (("GET", "/conversations/export"), ("DELETE", "/conversations/abc")):
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Bearer {TOKEN}"}):
            assert api.request(method, path, headers=headers).status_code == 401
    for bad in ("a%20b", "x" * 65, "%00", "%F0%9F%98%80", "a%2Fb"):
        r = api.delete(f"/conversations/{bad}", headers=ADMIN)
        assert r.status_code in (400, 404) and "error" in r.json(), bad
    assert api.delete("/conversations/a%20b", headers=ADMIN).status_code == 400
    assert api.delete("/conversations/never-issued", headers=ADMIN).status_code == 404
