"""Signed-in widget customers and the widget's appearance per site key, against a real ``helpdesk
serve``: the admin API and the session and config calls over HTTP (hostile input included), then
host pages on another loopback origin in a real headless Chromium."""

from __future__ import annotations

import base64
import sqlite3

import httpx
import pytest

from tests.ui.conftest import API_KEY, helpdesk_server
from tests.ui.helpers import static_site
from ui.storage.site_keys import identity_hash

pytestmark = [pytest.mark.integration]

ADMIN = {"Authorization": f"Bearer {API_KEY}"}
LIMITS = {"HELPDESK_WIDGET__TOKENS_PER_MINUTE": "200", "HELPDESK_WIDGET__IP_PER_MINUTE": "200",
          "HELPDESK_WIDGET__SESSION_PER_MINUTE": "50"}
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
                       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
                       b"\x00\x00\x00\x00IEND\xaeB`\x82").decode()
DARK_PANEL = "rgb(31, 41, 55)"
LIGHT_PANEL = "rgb(255, 255, 255)"


@pytest.fixture(scope="module")
def server(tmp_path_factory, chat_model):
    with helpdesk_server(tmp_path_factory.mktemp("identity") / "data", chat_model, LIMITS) as s:
        yield s


@pytest.fixture(scope="module")
def admin(server):
    with httpx.Client(base_url=server.api, headers=ADMIN, timeout=120) as client:
        yield client


def _key(admin, origin: str) -> dict:
    made = admin.post("/site-keys", json={"name": "signed-in shop", "origins": [origin]})
    assert made.status_code == 201, made.text
    return made.json()


def _session(server, key: str, origin: str, **extra) -> httpx.Response:
    return httpx.post(f"{server.api}/widget/session", json={"site_key": key, **extra},
                      headers={"Origin": origin}, timeout=60)


def _faq(admin, question: str, answer: str) -> None:
    assert admin.post("/faq", json={"question": question, "answer": answer}).status_code == 201


# -- HTTP -------------------------------------------------------------------------------------


def test_a_verified_customer_resumes_their_conversation_and_a_wrong_hash_is_refused(server, admin):
    origin = "https://id.example.com"
    made = _key(admin, origin)
    secret = made["identity_secret"]
    assert secret.startswith("ids_") and made["identity"]
    assert secret not in admin.get("/site-keys").text  # shown once, never listed
    user = "customer-42@example.com"
    good = {"user_id": user, "user_hash": identity_hash(secret, user)}

    first = _session(server, made["key"], origin, **good)
    assert first.status_code == 200 and first.json()["user_id"] == user, first.text
    auth = {"Origin": origin, "Authorization": f"Bearer {first.json()['token']}"}
    question = "How long do I have to return an item?"  # the demo FAQ: no model call
    assert httpx.post(f"{server.api}/widget/chat", json={"message": question}, headers=auth,
                      timeout=120).status_code == 200
    # Another device: no earlier token, the same verified id -> the same conversation and history.
    other = _session(server, made["key"], origin, **good).json()
    assert other["session_id"] == first.json()["session_id"]
    history = httpx.get(f"{server.api}/widget/history", timeout=30,
                        headers={"Origin": origin, "Authorization": f"Bearer {other['token']}"}).json()
    assert [t["question"] for t in history["turns"]] == [question]
    # An anonymous widget holding the customer's token does not get their conversation back.
    anonymous = _session(server, made["key"], origin, resume=first.json()["token"]).json()
    assert anonymous["session_id"] != first.json()["session_id"] and anonymous["user_id"] is None

    handed = httpx.post(f"{server.api}/widget/handoff", json={"contact": "ana@example.com"}, headers=auth,
                        timeout=60)
    assert handed.status_code == 201, handed.text
    assert admin.get("/handoffs").json()["handoffs"][0]["user_id"] == user
    assert admin.get(f"/conversations/{first.json()['session_id']}").json()["user_id"] == user

    refusals = [
        ({"user_id": user, "user_hash": identity_hash(secret, "customer-43@example.com")}, "does not match"),
        ({"user_id": user, "user_hash": identity_hash("ids_guess", user)}, "does not match"),
        ({"user_id": user, "user_hash": "0" * 64}, "does not match"),
        ({"user_id": user}, "both user_id and user_hash"),
        ({"user_id": user, "user_hash": ""}, "both user_id and user_hash"),
        ({"user_hash": good["user_hash"]}, "both user_id and user_hash"),
    ]
    for body, says in refusals:
        refused = _session(server, made["key"], origin, **body)
        assert refused.status_code == 403 and says in refused.json()["error"], (body, refused.text)
    for body in ({"user_id": "x" * 201, "user_hash": "a"}, {"user_id": "", "user_hash": "a"},
                 {"user_id": "a\x00b", "user_hash": "a"}, {"user_id": ["a"], "user_hash": "a"},
                 {"user_id": user, "user_hash": "a" * 201}):
        bad = _session(server, made["key"], origin, **body)
        assert bad.status_code == 400 and "user_" in bad.json()["error"], (body, bad.text)

    rotated = admin.post(f"/site-keys/{made['id']}/identity-secret")
    assert rotated.status_code == 200 and rotated.json()["identity_secret"] != secret
    assert _session(server, made["key"], origin, **good).status_code == 403  # the old secret is dead
    fresh = {"user_id": user, "user_hash": identity_hash(rotated.json()["identity_secret"], user)}
    assert _session(server, made["key"], origin, **fresh).json()["session_id"] == first.json()["session_id"]
    assert admin.post("/site-keys/sk_nothere/identity-secret").status_code == 404
    assert httpx.post(f"{server.api}/site-keys/{made['id']}/identity-secret").status_code == 401


def test_a_key_from_before_identity_refuses_signed_in_customers_clearly(server, admin):
    origin = "https://old.example.com"
    made = _key(admin, origin)
    with sqlite3.connect(server.data_dir / "helpdesk.sqlite3") as db:  # as migration 0005 leaves old keys
        db.execute("UPDATE site_keys SET identity_secret = NULL WHERE id = ?", (made["id"],))
    refused = _session(server, made["key"], origin, user_id="u1", user_hash=identity_hash("", "u1"))
    assert refused.status_code == 403 and "no identity secret" in refused.json()["error"]
    assert _session(server, made["key"], origin).status_code == 200  # anonymous chat still works
    assert admin.get("/site-keys").json()["site_keys"][0]["identity"] is False


def test_appearance_is_set_by_the_admin_api_served_by_config_and_hostile_values_are_refused(server, admin):
    origin = "https://look.example.com"
    made = _key(admin, origin)
    config = f"{server.api}/widget/config"
    plain = httpx.get(config, params={"site_key": made["key"]}, headers={"Origin": origin})
    assert plain.status_code == 200 and plain.json()["appearance"]["theme"] == "light"
    assert plain.json()["identity"] is True and plain.headers["access-control-allow-origin"] == origin

    look = {"theme": "dark", "offset_x": 77, "offset_y": 55, "z_index": 12345, "color": "#0f766e",
            "launcher_label": {"en": "Chat with us", "zh": "在线客服"}, "avatar": f"data:image/png;base64,{PNG}"}
    saved = admin.put(f"/site-keys/{made['id']}/appearance", json=look)
    assert saved.status_code == 200 and saved.json()["appearance"] == look
    served = httpx.get(config, params={"site_key": made["key"]}, headers={"Origin": origin}).json()
    assert served["appearance"] == look

    hostile = [
        ({"avatar": "javascript:alert(1)"}, "avatar"),
        ({"avatar": "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+"}, "avatar"),
        ({"theme": "dark;}*{display:none"}, "theme"),
        ({"offset_x": "10px;background:url(https://evil.example)"}, "offset_x"),
        ({"offset_y": 100000}, "offset_y"),
        ({"z_index": 2 ** 40}, "z_index"),
        ({"z_index": "1 !important"}, "z_index"),
        ({"color": "red;x:y"}, "color"),
        ({"launcher_label": "<img src=x onerror=alert(1)>\u202e"}, "launcher_label"),
        ({"launcher_label": "x" * 500}, "launcher_label"),
        ({"unknown": 1}, "unknown"),
    ]
    for body, field in hostile:
        r = admin.put(f"/site-keys/{made['id']}/appearance", json=body)
        assert r.status_code == 400 and field in r.json()["error"], (body, r.text)
    assert admin.put(f"/site-keys/{made['id']}/appearance", content=b"not json",
                     headers={"Content-Type": "application/json"}).status_code == 400
    assert httpx.get(config, params={"site_key": made["key"]}, headers={"Origin": origin}).json()["appearance"] == look
    assert admin.put("/site-keys/sk_nothere/appearance", json={}).status_code == 404
    assert httpx.put(f"{server.api}/site-keys/{made['id']}/appearance", json={}).status_code == 401

    assert httpx.get(config, params={"site_key": made["key"]}, headers={"Origin": "https://evil.example"}).status_code == 403
    assert httpx.get(config, params={"site_key": made["key"]}).status_code == 403  # no Origin
    assert httpx.get(config, params={"site_key": "pk_nothing"}, headers={"Origin": origin}).status_code == 403
    assert httpx.get(config, params={"site_key": "p" * 500}, headers={"Origin": origin}).status_code == 400
    assert httpx.get(config, headers={"Origin": origin}).status_code == 400


# -- the browser ------------------------------------------------------------------------------


def _page_html(server_url: str, key: str, **options: str) -> str:
    attrs = " ".join(f'data-{k}="{v}"' for k, v in options.items())
    return ("<!doctype html><html><head><meta charset='utf-8'><title>Shop</title></head><body>"
            "<h1>Shop</h1><button id='own' style='position:fixed;right:20px;bottom:20px;z-index:5000'>Cart</button>"
            f"<script src='{server_url}/widget.js' data-site-key='{key}' {attrs} defer></script></body></html>")


@pytest.fixture(scope="module")
def site(server, admin):
    pages: dict[str, str] = {}
    with static_site(pages) as url:
        made = _key(admin, url)
        yield {"url": url, "pages": pages, **made}


def _context(browser, **extra):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, **extra)
    context.set_default_timeout(30_000)
    return context


def _ask(page, question: str, expected: str):
    from playwright.sync_api import expect

    page.get_by_label("Message").fill(question)
    page.get_by_label("Message").press("Enter")
    expect(page.locator(".msg.bot").last).to_contain_text(expected)


@pytest.mark.browser
def test_appearance_from_the_console_settings_is_applied_and_data_attributes_override_it(server, admin, site,
                                                                                         browser, screenshots):
    from playwright.sync_api import expect

    look = {"theme": "dark", "offset_x": 77, "offset_y": 55, "z_index": 4000,
            "launcher_label": {"en": "Chat with us", "zh": "在线客服"}, "avatar": f"data:image/png;base64,{PNG}"}
    assert admin.put(f"/site-keys/{site['id']}/appearance", json=look).status_code == 200
    site["pages"]["/look"] = _page_html(server.url, site["key"])
    site["pages"]["/override"] = _page_html(server.url, site["key"], theme="light", **{
        "offset-x": "5", "offset-y": "9", "z-index": "6000", "label": "Help"})
    site["pages"]["/hostile"] = _page_html(server.url, site["key"], theme="dark;}*{display:none", **{
        "offset-x": "10px;left:0", "z-index": "1 !important", "avatar": "javascript:window.__pwned=1"})

    context = _context(browser)
    page = context.new_page()
    page.goto(site["url"] + "/look")
    launcher = page.get_by_role("button", name="Open support chat")
    expect(launcher).to_contain_text("Chat with us")
    box = launcher.bounding_box()
    assert round(1280 - box["x"] - box["width"]) == 77 and round(860 - box["y"] - box["height"]) == 55, box
    assert page.locator("#helpdesk-widget").evaluate("e => getComputedStyle(e).zIndex") == "4000"
    # The website's own button (z-index 5000) now stays above the widget's host element.
    assert page.evaluate("document.elementFromPoint(innerWidth - 30, innerHeight - 30).id") == "own"
    launcher.click()
    panel = page.get_by_role("dialog")
    assert panel.evaluate("p => getComputedStyle(p).backgroundColor") == DARK_PANEL
    avatar = panel.locator("img.avatar")
    expect(avatar).to_be_visible()
    assert avatar.evaluate("i => i.complete && i.naturalWidth") == 1
    page.screenshot(path=str(screenshots / "widget-dark.png"))

    page.evaluate("sessionStorage.clear()")  # the open panel would stay open on the next page
    page.goto(site["url"] + "/override")
    launcher = page.get_by_role("button", name="Open support chat")
    expect(launcher).to_have_text("Help")
    box = launcher.bounding_box()
    assert round(1280 - box["x"] - box["width"]) == 5 and round(860 - box["y"] - box["height"]) == 9, box
    assert page.locator("#helpdesk-widget").evaluate("e => getComputedStyle(e).zIndex") == "6000"
    launcher.click()
    assert page.get_by_role("dialog").evaluate("p => getComputedStyle(p).backgroundColor") == LIGHT_PANEL

    page.evaluate("sessionStorage.clear()")
    page.goto(site["url"] + "/hostile")  # bad data-* values fall back to the key's settings
    launcher = page.get_by_role("button", name="Open support chat")
    expect(launcher).to_be_visible()
    box = launcher.bounding_box()
    assert round(1280 - box["x"] - box["width"]) == 77, box
    assert page.locator("#helpdesk-widget").evaluate("e => getComputedStyle(e).zIndex") == "4000"
    launcher.click()
    assert page.get_by_role("dialog").evaluate("p => getComputedStyle(p).backgroundColor") == DARK_PANEL
    assert page.locator("h1").is_visible() and page.evaluate("window.__pwned") is None
    context.close()

    assert admin.put(f"/site-keys/{site['id']}/appearance", json={"theme": "auto"}).status_code == 200
    for scheme, colour in (("dark", DARK_PANEL), ("light", LIGHT_PANEL)):
        context = _context(browser, color_scheme=scheme)
        page = context.new_page()
        page.goto(site["url"] + "/look")
        page.get_by_role("button", name="Open support chat").click()
        assert page.get_by_role("dialog").evaluate("p => getComputedStyle(p).backgroundColor") == colour, scheme
        context.close()


@pytest.mark.browser
def test_a_signed_in_customer_continues_on_another_device_and_a_wrong_hash_chats_anonymously(
        server, admin, site, browser):
    from playwright.sync_api import expect

    user = "shopper-7"
    good = identity_hash(site["identity_secret"], user)
    site["pages"]["/signed-in"] = _page_html(server.url, site["key"], **{"user-id": user, "user-hash": good})
    site["pages"]["/forged"] = _page_html(server.url, site["key"], **{"user-id": user, "user-hash": "0" * 64})
    question, answer = "Which kettle suits green tea?", "The Kyusu kettle suits green tea best."
    _faq(admin, question, answer)
    elsewhere = "Do you ship tea to Iceland?"
    _faq(admin, elsewhere, "Yes, we ship to Iceland within a week.")

    laptop = _context(browser)
    page = laptop.new_page()
    page.goto(site["url"] + "/signed-in")
    page.get_by_role("button", name="Open support chat").click()
    _ask(page, question, "Kyusu")
    laptop.close()

    phone = _context(browser)  # another browser: nothing stored, the same signed-in customer
    page = phone.new_page()
    page.goto(site["url"] + "/signed-in")
    page.get_by_role("button", name="Open support chat").click()
    log = page.get_by_role("log")
    expect(log).to_contain_text(question)
    expect(log).to_contain_text("Kyusu")
    phone.close()

    forged = _context(browser)
    page = forged.new_page()
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page.goto(site["url"] + "/forged")
    page.get_by_role("button", name="Open support chat").click()
    _ask(page, elsewhere, "Iceland")  # answered, anonymously
    log = page.get_by_role("log")
    expect(log).not_to_contain_text(question)
    assert any("chatting anonymously" in w for w in warnings), warnings
    assert "Kyusu" not in log.inner_text()
    forged.close()

    talks = admin.get("/conversations").json()["conversations"]
    mine = next(c for c in talks if c["last_question"] == question)
    assert admin.get(f"/conversations/{mine['session_id']}").json()["user_id"] == user
    other = next(c for c in talks if c["last_question"] == elsewhere)
    assert admin.get(f"/conversations/{other['session_id']}").json()["user_id"] is None


@pytest.mark.browser
def test_admin_sets_the_appearance_and_rotates_the_secret_in_the_console(server, admin, browser, screenshots):
    import re

    from playwright.sync_api import expect

    from tests.ui.helpers import admin_login

    made = _key(admin, "https://console.example.com")
    password = re.search(r"password (\S+)\n", server.log_text()).group(1)
    context = _context(browser)
    page = context.new_page()
    admin_login(page, server, password)
    page.get_by_role("tab", name="Website widget").click()
    page.locator("#site-keys [role=gridcell]").filter(has_text=made["id"]).first.click()
    expect(page.locator("#chosen-key textarea, #chosen-key input").first).to_have_value(made["id"])

    def field(elem: str):
        return page.locator(f"#{elem} textarea, #{elem} input").first

    field("look-label-en").fill("Ask us")
    page.locator("#look-theme").get_by_label("dark").check()
    field("look-x").fill("64")
    field("look-z").fill("900")
    field("look-avatar").fill("javascript:alert(1)")
    page.locator("#save-look").click()
    expect(page.locator("#key-status")).to_contain_text("avatar")  # refused, nothing saved
    assert admin.get("/site-keys").json()["site_keys"][0]["appearance"] == {}
    field("look-avatar").fill("")
    page.locator("#save-look").click()
    expect(page.locator("#key-status")).to_contain_text("Saved the widget's appearance")
    stored = next(k for k in admin.get("/site-keys").json()["site_keys"] if k["id"] == made["id"])["appearance"]
    assert (stored["theme"], stored["offset_x"], stored["z_index"], stored["launcher_label"]) == (
        "dark", 64, 900, {"en": "Ask us"})
    page.screenshot(path=str(screenshots / "admin-widget-appearance.png"), full_page=True)

    page.locator("#rotate-secret").click()
    expect(page.locator("#key-status")).to_contain_text("ids_")
    secret = re.search(r"ids_[\w-]+", page.locator("#key-status").inner_text()).group(0)
    assert secret != made["identity_secret"]
    user = {"user_id": "u-console", "user_hash": identity_hash(secret, "u-console")}
    assert _session(server, made["key"], "https://console.example.com", **user).status_code == 200
    context.close()
