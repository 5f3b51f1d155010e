"""A live hand-off across two replicas on one PostgreSQL, in real Chromium: the customer on
replica A (the widget on a page of another origin, then the web chat), the agent on replica B
(the HTTP API, then an agent signed in to the console's Inbox tab). The bot refuses, the customer
asks for a person, the agent claims and writes, the reply shows on the customer's screen under the
agent's name, the customer's answer shows in the inbox, the agent saves the reply as an FAQ
answer and releases, and the bot answers the next question with it. Nothing is sticky: A and B
share only the database and Chroma.
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.scale.conftest import replicas
from tests.ui.conftest import API_KEY, browser, screenshots  # noqa: F401 (fixtures)
from tests.ui.helpers import admin_login, static_site

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.browser]

ADMIN = {"Authorization": f"Bearer {API_KEY}"}
GIFT = "Do you sell gift cards?"  # nothing in the (empty) knowledge base: refused, no model call
PASSWORD = "console-password-for-tests"
REPLY = "Yes: gift cards come in 10, 25 and 50 euros, at the till or in the web shop."


@pytest.fixture(scope="module")
def ab(shared, tmp_path_factory, chat_model):
    env = shared.env(HELPDESK_HANDOFF__POLL_SECONDS="0.2", HELPDESK_SERVER__RATE_LIMIT_PER_MINUTE="200",
                     HELPDESK_ADMIN_PASSWORD=PASSWORD)
    with replicas(tmp_path_factory.mktemp("live"), chat_model, env) as servers:
        yield servers


def _waiting(agent: httpx.Client, owner_prefix: str, timeout: float = 20) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        for c in agent.get("/inbox").json()["conversations"]:
            if c["owner"].startswith(owner_prefix) and c["state"] == "waiting":
                return c["session_id"]
        time.sleep(0.2)
    raise AssertionError(f"no waiting conversation from {owner_prefix}")


def test_widget_customer_on_a_and_api_agent_on_b(ab, browser, screenshots):
    a, b = ab
    pages: dict[str, str] = {}
    with static_site(pages) as origin, httpx.Client(base_url=b.api, headers=ADMIN, timeout=60) as agent:
        key = httpx.post(f"{a.api}/site-keys", headers=ADMIN, json={"name": "Shop", "origins": [origin]}).json()
        pages["/"] = (f"<!doctype html><html><head><meta charset='utf-8'><title>Shop</title></head><body>"
                      f"<h1>Tea shop</h1><script src='{a.url}/widget.js' data-site-key='{key['key']}' defer>"
                      f"</script></body></html>")
        page = browser.new_page()
        try:
            from playwright.sync_api import expect

            page.goto(origin + "/")
            page.get_by_role("button", name="Open support chat").click()
            box = page.get_by_label("Message")
            box.fill(GIFT)
            box.press("Enter")
            log = page.get_by_role("log")
            expect(page.locator(".msg.bot").last).to_contain_text("don't know")
            page.get_by_role("button", name="Talk to a human").click()
            page.get_by_label("Your e-mail or phone (optional)").fill("ana@example.com")
            page.get_by_role("button", name="Send to support").click()
            expect(log).to_contain_text("passed our conversation")

            sid = _waiting(agent, "widget:")
            talk = agent.get(f"/inbox/{sid}").json()
            assert (talk["reason"], talk["contact"]) == ("refused", "ana@example.com")
            assert agent.post(f"/inbox/{sid}/claim").status_code == 200
            expect(log).to_contain_text("admin joined the chat.")
            agent.post(f"/inbox/{sid}/messages", json={"text": "Hi, I'm here to help."})
            expect(page.locator(".msg.agent").last).to_contain_text("Hi, I'm here to help.")

            box.fill("Can I pay by invoice?")
            box.press("Enter")
            deadline = time.time() + 10
            while "Can I pay by invoice?" not in [i["text"] for i in agent.get(f"/inbox/{sid}").json()["items"]]:
                assert time.time() < deadline, "the customer's message never reached the inbox"
                time.sleep(0.2)
            assert page.locator(".msg.bot").last.inner_text() != ""  # no empty bubble for a held message
            page.screenshot(path=str(screenshots / "widget-live-agent.png"))

            agent.post("/faq", json={"question": GIFT, "answer": REPLY})
            assert agent.post(f"/inbox/{sid}/release").json()["state"] == "bot"
            expect(log).to_contain_text("back to the assistant")
            box.fill(GIFT)
            box.press("Enter")
            expect(page.locator(".msg.bot").last).to_contain_text("gift cards come in 10, 25 and 50 euros")

            page.reload()  # the history shows the person's part with who wrote it
            expect(page.locator(".msg.agent")).to_contain_text("Hi, I'm here to help.")
            expect(page.get_by_role("log")).to_contain_text("admin joined the chat.")
        finally:
            page.close()


def test_web_chat_customer_on_a_and_console_agent_on_b(ab, browser, screenshots):
    a, b = ab
    customer, console = browser.new_page(), browser.new_page(viewport={"width": 1280, "height": 1400})
    try:
        from playwright.sync_api import expect

        question = "Do you sell vouchers for a tea tasting?"
        customer.goto(a.url + "/")
        ask = customer.locator("#question textarea")
        ask.fill(question)
        ask.press("Enter")
        chat = customer.locator("#chatbot")
        expect(chat).to_contain_text("don't know", timeout=60_000)
        customer.locator("#contact textarea").fill("+31 20 123 4567")
        customer.locator("#human").click()
        expect(chat).to_contain_text("passed our conversation")

        made = httpx.post(f"{b.api}/users", headers=ADMIN, json={"name": "anna", "role": "agent",
                                                                  "password": "anna-password-1"})
        assert made.status_code == 201, made.text
        admin_login(console, b, "anna-password-1", user="anna")  # an agent: the Inbox tab is hers too
        expect(console.get_by_role("tab", name="Sources", exact=True)).to_have_count(0)
        console.get_by_role("tab", name="Inbox").click()
        with httpx.Client(base_url=b.api, headers=ADMIN, timeout=60) as agent:
            sid = _waiting(agent, "chat")
        table = console.locator("#inbox-table")
        expect(table).to_contain_text(sid)
        table.get_by_text(sid).last.click()
        transcript = console.locator("#inbox-transcript")
        expect(transcript).to_contain_text(question)
        expect(console.locator("#inbox-about")).to_contain_text("the bot could not answer")
        console.locator("#inbox-claim").click()
        expect(chat).to_contain_text("anna joined the chat.")  # the signed-in agent's own name
        console.locator("#inbox-reply textarea").fill("Hello, Anna from the shop here.")
        console.locator("#inbox-send").click()
        expect(chat).to_contain_text("Hello, Anna from the shop here.")

        ask.fill("Great, for two people please")
        ask.press("Enter")
        expect(transcript).to_contain_text("Great, for two people please", timeout=3000)  # within 2 s + slack
        console.locator("#inbox-reply textarea").fill(REPLY.replace("gift cards", "vouchers"))
        console.locator("#inbox-faq").click()
        expect(console.locator("#inbox-status")).to_contain_text("Saved FAQ entry")
        console.screenshot(path=str(screenshots / "admin-inbox.png"), full_page=True)
        console.screenshot(path=str(screenshots / "admin-inbox.jpg"), type="jpeg", quality=75, full_page=True)
        console.locator("#inbox-release").click()
        expect(chat).to_contain_text("back to the assistant")

        ask.fill(question)
        ask.press("Enter")
        expect(chat).to_contain_text("vouchers come in 10, 25 and 50 euros", timeout=60_000)
    finally:
        customer.close()
        console.close()
