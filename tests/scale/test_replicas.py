"""Two stateless ``helpdesk serve`` replicas on one Chroma server, one PostgreSQL and one model server.

Everything is real and on 127.0.0.1: ``chroma run``, PostgreSQL, ``python -m llama_cpp.server``
with the packaged model, and two replicas with data dirs of their own. Any replica serves any
request: a document uploaded through one is cited by the other, a conversation moves between
them, answers at once on both share the model server whole, a widget token minted on one works
on the other, a rate limit counts requests on both, and a Chroma outage is a 503 on each that
heals when the server returns, with nothing lost.
"""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.scale.conftest import replicas
from tests.ui.conftest import API_KEY
from tests.ui.helpers import chat

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ADMIN = {"Authorization": f"Bearer {API_KEY}"}
LIMIT = 4
TEAPOT = (b"# Zorblax teapot\n\nThe Zorblax 3000 teapot is sold only on Tuesdays, at the Lumen & Leaf shop "
          b"in Ghent. It costs 84 euros.\n")
GRINDER = b"# Grinder\n\nThe Basalt grinder gets new burrs free of charge every 18 months.\n"
WHEN = "When is the Zorblax 3000 teapot sold?"
COST = "And how much does it cost?"
_ips = (f"10.40.0.{i}" for i in itertools.count(1))


@pytest.fixture(scope="module")
def ab(shared, tmp_path_factory, chat_model):
    env = shared.env(HELPDESK_SERVER__RATE_LIMIT_PER_MINUTE=str(LIMIT))
    with replicas(tmp_path_factory.mktemp("replicas"), chat_model, env) as servers:
        clients = [httpx.Client(base_url=s.api, timeout=300) for s in servers]
        yield clients
        for c in clients:
            c.close()


def _sources(answer: dict) -> set[str]:
    return {s["source"] for s in answer["sources"]}


def _upload(client: httpx.Client, name: str, body: bytes) -> None:
    r = client.post("/documents", headers=ADMIN, files=[("files", (name, body))])
    assert r.status_code == 200, r.text
    assert r.json()["documents"][0]["status"] == "added"


def _docs(client: httpx.Client) -> list[str]:
    return sorted(d["source"] for d in client.get("/documents", headers=ADMIN).json()["documents"])


def test_upload_through_a_is_cited_through_b(ab):
    a, b = ab
    _upload(a, "zorblax.md", TEAPOT)
    assert _docs(b) == ["zorblax.md"]
    r = chat(b, WHEN, client_ip=next(_ips))
    assert r.status_code == 200, r.text
    answer = r.json()
    assert not answer["refused"] and _sources(answer) == {"zorblax.md"}, answer
    assert "tuesday" in answer["answer"].lower(), answer
    # The kept original is in the shared database: B re-ingests a file that A received.
    doc = b.get("/documents", headers=ADMIN).json()["documents"][0]
    assert doc["kept"] is True
    again = b.post(f"/documents/{doc['id']}/reingest", headers=ADMIN)
    assert again.status_code == 200 and again.json()["status"] == "unchanged", again.text


def test_answers_on_both_replicas_at_once_share_the_model_server_whole(ab):
    alone = chat(ab[0], WHEN, client_ip=next(_ips)).json()["answer"]
    with ThreadPoolExecutor(2) as pool:
        both = list(pool.map(lambda c: chat(c, WHEN, client_ip=next(_ips)).json()["answer"], ab))
    # Greedy decoding: a request that arrives meanwhile must queue, not cut the other answer short.
    assert both == [alone, alone]


def test_a_conversation_continues_on_the_other_replica(ab):
    a, b = ab
    ip = next(_ips)
    alone = chat(b, COST, client_ip=ip).json()
    assert alone["refused"], alone  # without its conversation the follow-up means nothing
    sid = chat(a, WHEN, client_ip=ip).json()["session_id"]
    # "it" is the teapot of the first question, which B knows only from the shared database.
    second = chat(b, COST, sid, client_ip=ip).json()
    assert second["session_id"] == sid
    assert not second["refused"] and _sources(second) == {"zorblax.md"}, second
    assert "84" in second["answer"], second
    turns = a.get(f"/conversations/{sid}", headers=ADMIN).json()["turns"]
    assert [t["question"] for t in turns] == [WHEN, COST]


def test_a_delete_through_b_is_gone_from_a_at_once(ab):
    a, b = ab
    _upload(b, "grinder.md", GRINDER)
    question = "How often does the Basalt grinder get new burrs?"
    assert _sources(chat(a, question, client_ip=next(_ips)).json()) == {"grinder.md"}
    assert b.delete("/documents/grinder.md", headers=ADMIN).json()["status"] == "deleted"
    assert _docs(a) == ["zorblax.md"]
    # Neither the vectors nor A's keyword index still know the deleted document.
    after = chat(a, question, client_ip=next(_ips)).json()
    assert after["refused"] and after["sources"] == [], after


def test_a_widget_token_from_one_replica_works_on_the_other_until_revoked_on_either(ab):
    a, b = ab
    origin = {"Origin": "https://shop.example"}
    key = a.post("/site-keys", headers=ADMIN, json={"name": "shop", "origins": [origin["Origin"]]}).json()
    token = b.post("/widget/session", headers=origin, json={"site_key": key["key"]}).json()["token"]
    asked = {**origin, "Authorization": f"Bearer {token}", "X-Forwarded-For": next(_ips)}
    r = a.post("/widget/chat", headers=asked, json={"message": WHEN})
    assert r.status_code == 200 and _sources(r.json()) == {"zorblax.md"}, r.text
    assert b.delete(f"/site-keys/{key['id']}", headers=ADMIN).status_code == 200
    assert a.post("/widget/chat", headers=asked, json={"message": WHEN}).status_code in (401, 403)


def test_the_rate_limit_counts_requests_on_both_replicas(ab):
    if time.time() % 60 > 45:  # counters use one-minute windows: start in a fresh one
        time.sleep(61 - time.time() % 60)
    ip = next(_ips)
    codes = [chat(ab[i % 2], "Do you sell gift cards?", client_ip=ip).status_code for i in range(LIMIT)]
    assert codes == [200] * LIMIT
    for client in ab:  # each replica alone saw only half the limit, yet both refuse now
        r = chat(client, "Do you sell gift cards?", client_ip=ip)
        assert r.status_code == 429 and r.json()["rate_limited"], r.text
        assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert chat(ab[0], "Do you sell gift cards?", client_ip=next(_ips)).status_code == 200


def test_a_chroma_outage_is_a_clear_503_and_heals_with_nothing_lost(ab, shared):
    a, b = ab
    before = _docs(a)
    chroma_at = shared.chroma.url.split("://", 1)[1].rstrip("/")
    shared.chroma.stop()
    try:
        for client in ab:
            health = client.get("/health")
            assert health.status_code == 503 and health.json()["status"] == "unavailable"
            assert "knowledge store is unavailable" in health.json()["error"]
            assert chroma_at not in health.text and "Error" not in health.text  # no host, no exception text
        r = chat(b, WHEN, client_ip=next(_ips))
        assert r.status_code == 503 and r.headers["Retry-After"], r.text
        assert "knowledge store is unavailable" in r.json()["error"] and chroma_at not in r.text
        r = a.post("/documents", headers=ADMIN, files=[("files", ("grinder.md", GRINDER))])
        assert r.status_code == 503 and "knowledge store is unavailable" in r.json()["error"], r.text
        assert a.get("/documents", headers=ADMIN).status_code == 503
    finally:
        shared.chroma.start()
    for client in ab:
        assert client.get("/health").status_code == 200
        assert _docs(client) == before
    r = chat(b, WHEN, client_ip=next(_ips))
    assert r.status_code == 200 and _sources(r.json()) == {"zorblax.md"}, r.text
    _upload(a, "grinder.md", GRINDER)  # the upload refused during the outage works now
    assert _docs(b) == sorted([*before, "grinder.md"])
