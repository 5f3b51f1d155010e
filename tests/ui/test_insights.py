"""Insights against a real ``helpdesk serve``: seeded conversations give exact figures through the
API, questions group by meaning across languages with the packaged embedder, answers through the
API, the widget and the chat page are recorded with their channel, language and latency, and the
console's Insights tab renders in Chromium (screenshot in tests/artifacts/screenshots/).

Seeded turns go in through the server's own stores (``ui.storage``) into the server's database,
then are moved to fixed days long past, so the live answers of other tests never mix with them.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import update

from bot.conversation import Turn
from tests.servers import create_database
from tests.ui.conftest import API_KEY, helpdesk_server
from tests.ui.helpers import admin_login
from ui.insights import Insights, period
from ui.storage import Storage, database_url
from ui.storage.schema import feedback, turns

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": f"Bearer {API_KEY}"}
ORIGIN = "https://shop.example.com"
FAQ_Q = "How long do I have to return an item?"  # in the demo FAQ: answered word for word


def _at(day: str, hour: int = 10) -> float:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=UTC).timestamp()


@pytest.fixture(scope="module")
def server(tmp_path_factory, chat_model):
    env = {"HELPDESK_SERVER__RATE_LIMIT_PER_MINUTE": "1000"}
    with helpdesk_server(tmp_path_factory.mktemp("insights") / "data", chat_model, env) as s:
        yield s


@pytest.fixture(scope="module")
def storage(server):
    st = Storage(database_url(None, server.data_dir))
    yield st
    st.close()


@pytest.fixture()
def admin(server):
    with httpx.Client(base_url=server.api, headers=ADMIN, timeout=300) as client:
        yield client


def _seed(st: Storage, owner: str, day: str, seeded: list) -> str:
    """A conversation of ``seeded`` (Turn, rating or None, then "handoff"), moved to ``day``."""
    sid = st.conversations.start_session(owner)
    for n, item in enumerate(seeded):
        if item == "handoff":
            st.handoffs.add(sid, "", "")
            st.conversations.mark_handoff(sid)
            continue
        turn, rating = item
        st.conversations.add(sid, turn)
        if rating:
            st.feedback.add(sid, rating, turn=n)
    with st.engine.begin() as conn:
        conn.execute(update(turns).where(turns.c.session_id == sid).values(created_at=_at(day)))
        conn.execute(update(feedback).where(feedback.c.session_id == sid).values(created_at=_at(day, 11)))
    return sid


def _t(question, lang, first, total, *, refused=False, canned=False, error=False, cited=()):
    return Turn(question, question, "answer", refused, canned, [{"source": s, "n": 1} for s in cited], lang,
                {"total": total} if first is None else {"first_token": first, "total": total}, error)


@pytest.fixture(scope="module")
def seeded(storage):
    widget = "widget:sk_test"
    _seed(storage, "api", "2025-03-01", [(_t("How long do refunds take?", "en", 100, 400, cited=("a.md", "b.md")), 1)])
    _seed(storage, "api", "2025-03-01", [(_t("Do you sell gift cards?", "en", 20, 20, refused=True), None), "handoff"])
    _seed(storage, widget, "2025-03-01", [(_t("退货期限是多久？", "zh", 10, 10, canned=True), None),
                                          (_t("运费多少？", "zh", 200, 800, cited=("zh/a.md",)), -1)])
    _seed(storage, widget, "2025-03-02", [(_t("Where is my parcel?", "en", 300, 600, cited=("a.md",)), None),
                                          (_t("And the tracking code?", "en", None, 50, error=True), None)])
    _seed(storage, "api", "2025-03-02", [(_t("你们卖礼品卡吗？", "zh", 30, 30, refused=True), -1)])


def _lat(f50, f95, t50, t95):
    return {"first_token_p50": f50, "first_token_p95": f95, "total_p50": t50, "total_p95": t95}


def _mix(answered=0, canned=0, refused=0, handoff=0, error=0):
    return {"answered": answered, "canned": canned, "refused": refused, "handoff": handoff, "error": error}


def test_seeded_conversations_give_exact_figures(seeded, admin):
    r = admin.get("/insights", params={"from": "2025-03-01", "to": "2025-03-02"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"from", "to", "conversations", "outcomes", "deflection", "feedback", "latency_ms",
                         "by_language", "by_channel", "per_day", "documents"}
    assert (body["from"], body["to"]) == ("2025-03-01", "2025-03-02")
    assert body["conversations"] == 5
    assert body["outcomes"] == _mix(answered=3, canned=1, refused=1, handoff=1, error=1)
    assert body["deflection"] == 0.4  # only the thumbs-up conversation and the one with the error
    assert body["feedback"] == {"up": 1, "down": 2}
    # nearest rank: first tokens 10 20 30 100 200 300; totals 10 20 30 50 400 600 800
    assert body["latency_ms"] == _lat(30, 300, 50, 800)
    en, zh = body["by_language"]["en"], body["by_language"]["zh"]
    assert set(body["by_language"]) == {"en", "zh"}
    assert (en["conversations"], en["outcomes"], en["deflection"], en["feedback"], en["latency_ms"]) == (
        3, _mix(answered=2, handoff=1, error=1), 0.6667, {"up": 1, "down": 0}, _lat(100, 300, 50, 600))
    assert (zh["conversations"], zh["outcomes"], zh["deflection"], zh["feedback"], zh["latency_ms"]) == (
        2, _mix(answered=1, canned=1, refused=1), 0.0, {"up": 0, "down": 2}, _lat(30, 200, 30, 800))
    api, widget = body["by_channel"]["api"], body["by_channel"]["widget:sk_test"]
    assert set(body["by_channel"]) == {"api", "widget:sk_test"}
    assert (api["conversations"], api["outcomes"], api["deflection"], api["feedback"], api["latency_ms"]) == (
        3, _mix(answered=1, refused=1, handoff=1), 0.3333, {"up": 1, "down": 1}, _lat(30, 100, 30, 400))
    assert (widget["conversations"], widget["outcomes"], widget["deflection"], widget["feedback"],
            widget["latency_ms"]) == (2, _mix(answered=2, canned=1, error=1), 0.5, {"up": 0, "down": 1},
                                      _lat(200, 300, 50, 800))
    day1, day2 = body["per_day"]
    assert (day1["date"], day1["conversations"], day1["outcomes"], day1["feedback"], day1["deflection"]) == (
        "2025-03-01", 3, _mix(answered=2, canned=1, handoff=1), {"up": 1, "down": 1}, 0.3333)
    assert (day2["date"], day2["conversations"], day2["outcomes"], day2["feedback"], day2["deflection"]) == (
        "2025-03-02", 2, _mix(answered=1, refused=1, error=1), {"up": 0, "down": 1}, 0.5)
    docs = body["documents"]
    assert docs["citations"] == [{"source": "a.md", "citations": 2}, {"source": "b.md", "citations": 1},
                                 {"source": "zh/a.md", "citations": 1}]
    assert docs["thumbs_down"] == [{"source": "zh/a.md", "down": 1}]
    assert "en/returns.md" in docs["never_cited"] and "admin-faq.json" not in docs["never_cited"]
    # One day of the two, and a period with nothing in it.
    only = admin.get("/insights", params={"from": "2025-03-02", "to": "2025-03-02"}).json()
    assert (only["conversations"], only["outcomes"], only["deflection"]) == (2, _mix(answered=1, refused=1, error=1), 0.5)
    empty = admin.get("/insights", params={"from": "2024-01-01", "to": "2024-01-07"}).json()
    assert empty["conversations"] == 0 and empty["deflection"] is None and len(empty["per_day"]) == 7
    assert empty["latency_ms"] == _lat(None, None, None, None) and empty["by_language"] == {}


GAP_DAY = "2025-04-01"


@pytest.fixture(scope="module")
def gap_questions(storage):
    day = GAP_DAY
    for q in ("how do I get an invoice?", "How do I get an invoice?", "我需要发票", "怎么开发票？",
              "Do you sell gift cards?", "你们发货到加拿大吗？", "Can I pay with PayPal?"):
        _seed(storage, "api", day, [(_t(q, "zh" if q[0] > "~" else "en", 5, 5, refused=True), None)])
    _seed(storage, "api", day, [(_t("Can I pay with PayPal?", "en", 5, 9, cited=("en/payment.md",)), -1)])


def test_gaps_group_questions_by_meaning_across_languages(gap_questions, admin):
    day = GAP_DAY
    r = admin.get("/insights/gaps", params={"from": day, "to": day})
    assert r.status_code == 200, r.text
    groups = r.json()["gaps"]
    invoice = groups[0]
    assert invoice["count"] == 4 and invoice["languages"] == ["en", "zh"]
    assert {"how do i get an invoice?", "怎么开发票？", "我需要发票"} == {e.casefold() for e in invoice["examples"]}
    assert len(invoice["examples"]) == 3  # the same question in other case is one example
    assert invoice["reasons"] == ["refused"] and invoice["last_at"].startswith(day)
    others = [set(g["examples"]) for g in groups[1:]]
    assert {"Can I pay with PayPal?"} in others and {"Do you sell gift cards?"} in others
    paypal = next(g for g in groups if g["examples"] == ["Can I pay with PayPal?"])
    assert paypal["count"] == 2 and paypal["reasons"] == ["refused", "thumbs down"]
    assert [g["count"] for g in groups] == sorted((g["count"] for g in groups), reverse=True)


@pytest.mark.parametrize("params, names", [
    ({"from": "2025-13-01"}, "'from'"), ({"from": "yesterday"}, "'from'"), ({"to": "2025-1-1"}, "'to'"),
    ({"to": "' OR 1=1 --"}, "'to'"), ({"from": "２０２５-０１-０１"}, "'from'"), ({"from": "2025-01-01\x00"}, "'from'"),
    ({"from": "2025-03-02", "to": "2025-03-01"}, "after 'to'"),
    ({"from": "0001-01-01", "to": "9999-12-31"}, "at most 366"), ({"from": "x" * 100_00}, "'from'"),
])
def test_bad_periods_are_refused_naming_the_parameter(admin, params, names):
    for path in ("/insights", "/insights/gaps"):
        r = admin.get(path, params=params)
        assert r.status_code == 400, (path, r.text)
        assert names in r.json()["error"]


def test_insights_are_admin_only(server, admin):
    for path in ("/insights", "/insights/gaps"):
        assert httpx.get(server.api + path, timeout=30).status_code == 401
        wrong = httpx.get(server.api + path, headers={"Authorization": "Bearer nope"}, timeout=30)
        assert wrong.status_code == 401 and "staff token" in wrong.json()["error"]
    assert admin.get("/insights/gaps", params={"limit": 0}).status_code == 400
    assert admin.get("/insights/gaps", params={"limit": 10**9}).status_code == 400


def test_answers_through_the_api_and_the_widget_are_recorded(server, admin):
    ip = {"X-Forwarded-For": "10.9.0.1"}
    with httpx.Client(base_url=server.api, timeout=300, headers=ip) as api:
        canned = api.post("/chat", json={"message": FAQ_Q}).json()
        assert canned["canned"] is True
        refused = api.post("/chat", json={"message": "Do you repair vintage motorbikes?"}).json()
        assert refused["refused"] is True
        assert api.post("/handoff", json={"session_id": refused["session_id"]}).status_code == 201
    key = admin.post("/site-keys", json={"name": "shop", "origins": [ORIGIN]}).json()
    token = httpx.post(f"{server.api}/widget/session", json={"site_key": key["key"]},
                       headers={"Origin": ORIGIN, **ip}, timeout=60).json()["token"]
    widget = httpx.post(f"{server.api}/widget/chat", json={"message": "退货期限是多久？"}, timeout=300,
                        headers={"Origin": ORIGIN, "Authorization": f"Bearer {token}", **ip})
    assert widget.status_code == 200, widget.text
    today = datetime.now(UTC).date().isoformat()
    body = admin.get("/insights", params={"from": today, "to": today}).json()
    api_figures = body["by_channel"]["api"]
    assert api_figures["conversations"] == 2
    assert api_figures["outcomes"] == _mix(canned=1, handoff=1)  # the refused answer was handed off
    assert api_figures["deflection"] == 0.5
    lat = api_figures["latency_ms"]
    assert 0 < lat["first_token_p50"] <= lat["total_p95"]
    mine = body["by_channel"][f"widget:{key['id']}"]
    assert mine["conversations"] == 1 and sum(mine["outcomes"].values()) == 1
    assert mine["latency_ms"]["total_p50"] > 0
    assert body["by_language"]["zh"]["conversations"] >= 1 and body["by_language"]["en"]["conversations"] >= 2


@pytest.mark.browser
def test_insights_tab_shows_the_figures_and_writes_an_faq_answer(server, seeded, gap_questions, browser, screenshots, admin):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US",
                                  extra_http_headers={"X-Forwarded-For": "10.9.0.7"})
    context.set_default_timeout(60_000)
    page = context.new_page()
    # The chat page is a channel too: one answer there shows up as "chat".
    page.goto(server.url + "/")
    page.locator("#question textarea").fill(FAQ_Q)
    page.locator("#question textarea").press("Enter")
    expect(page.locator("#chatbot")).to_contain_text("30 days", timeout=240_000)
    admin_login(page, server, re.search(r"password (\S+)\n", server.log_text()).group(1))
    page.get_by_role("tab", name="Insights").click()
    page.locator("#ins-from textarea").fill("2025-03-01")
    page.locator("#ins-to textarea").fill("2025-04-01")
    page.locator("#ins-show").click()
    expect(page.locator("#ins-summary")).to_contain_text("2025-03-01 – 2025-04-01", timeout=120_000)
    expect(page.locator("#ins-summary")).to_contain_text("deflection")
    expect(page.locator("#ins-by-channel")).to_contain_text("widget:sk_test")
    expect(page.locator("#ins-gaps")).to_contain_text("怎么开发票")
    expect(page.locator("#ins-cited")).to_contain_text("a.md")
    page.locator("#ins-per-day canvas, #ins-per-day svg").first.wait_for()
    page.wait_for_timeout(1500)  # let the charts draw before the screenshot
    page.screenshot(path=str(screenshots / "admin-insights.png"), full_page=True)
    page.screenshot(path=str(screenshots / "admin-insights-top.jpg"), type="jpeg", quality=75, full_page=True,
                    clip={"x": 0, "y": 0, "width": 1280, "height": 1560})  # for docs/insights.md
    page.locator("#ins-gaps [role=gridcell]:visible").filter(has_text="怎么开发票").first.click()
    question = page.locator("#ins-question textarea")
    expect(question).not_to_have_value("")
    question.fill("How do I get an invoice?")
    page.locator("#ins-answer textarea").fill("Every order's invoice is under Account → Orders → Invoice.")
    page.locator("#ins-write").click()
    expect(page.locator("#ins-written")).to_contain_text("Saved FAQ entry", timeout=120_000)
    context.close()
    faq = admin.get("/faq").json()["faq"]
    assert any(e["question"] == "How do I get an invoice?" for e in faq)
    today = datetime.now(UTC).date().isoformat()
    deadline = time.time() + 30
    while "chat" not in admin.get("/insights", params={"from": today, "to": today}).json()["by_channel"]:
        assert time.time() < deadline, "the chat page's answer was not recorded"
        time.sleep(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """SQLite in a temporary folder, or a fresh database on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'insights.sqlite3'}"
    return database_url(create_database(request.getfixturevalue("postgres_url"), "insights_old_rows"), tmp_path)


def test_old_turns_still_count_and_error_turns_are_never_history(db_url):
    st = Storage(db_url)
    sid = st.conversations.start_session("api")
    st.conversations.add(sid, Turn("Refunds?", "Refunds?", "Five days [1].", sources=[{"source": "en/returns.md"}]))
    st.conversations.add(sid, Turn("Gift cards?", "Gift cards?", "Sorry.", refused=True))
    st.conversations.add(sid, Turn("And then?", "And then?", "", lang="en", timings_ms={"total": 9}, error=True))
    with st.engine.begin() as conn:  # as a row written before outcomes and languages were recorded
        conn.execute(update(turns).where(turns.c.outcome != "error")
                     .values(outcome=None, lang=None, first_token_ms=None, total_ms=None, created_at=_at("2025-05-05")))
        conn.execute(update(turns).where(turns.c.outcome == "error").values(created_at=_at("2025-05-05")))
    service = type("Offline", (), {"storage": st, "bot": None, "state": "loading"})()
    r = Insights(service).report(*period("2025-05-05", "2025-05-05"))
    assert r["outcomes"] == _mix(answered=1, refused=1, error=1) and r["conversations"] == 1
    assert r["per_day"] == [{"date": "2025-05-05", **{k: r[k] for k in ("conversations", "outcomes", "deflection",
                                                                         "feedback", "latency_ms")}}]
    assert set(r["by_language"]) == {"unknown", "en"} and r["latency_ms"] == _lat(None, None, 9, 9)
    assert r["documents"]["citations"] == [{"source": "en/returns.md", "citations": 1}]
    assert [t.question for t in st.conversations.history(sid)] == ["Refunds?", "Gift cards?"]
    assert st.conversations.turn_count(sid) == 2
    st.feedback.add(sid, -1)  # the last answer, not the failed one
    assert st.feedback.transcript(sid)[1]["feedback"]["rating"] == -1
    st.close()
