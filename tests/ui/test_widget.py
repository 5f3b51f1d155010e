"""The embeddable widget against a real ``helpdesk serve``: site keys and tokens over HTTP, then the
script tag on host pages served from other origins, in a real headless Chromium.

The host page is hostile on purpose (``* { all: unset }``, hidden buttons, borders on every div):
its computed styles must not change when the widget loads, and the widget must still work.
Screenshots of the open widget (desktop and phone) go to tests/artifacts/screenshots/.
"""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from tests.ui.conftest import API_KEY, helpdesk_server
from tests.ui.helpers import admin_login, sse_events, static_site

pytestmark = [pytest.mark.integration]

ADMIN = {"Authorization": f"Bearer {API_KEY}"}
LIMITS = {
    "HELPDESK_WIDGET__SESSION_PER_MINUTE": "3",
    "HELPDESK_WIDGET__IP_PER_MINUTE": "12",
    "HELPDESK_SERVER__RATE_LIMIT_PER_MINUTE": "100",
}
FAQ_Q = "How long do I have to return an item?"  # in the demo FAQ: answered word for word, no model
HOSTILE_CSS = """
* { all: unset; }
html, body { display: block; margin: 0; font: 13px Georgia, serif; color: rgb(200, 0, 0);
             background: rgb(255, 250, 230); }
h1 { display: block; font-size: 40px; color: rgb(0, 128, 0); }
p { display: block; margin: 10px; line-height: 2; }
button { display: none !important; }
div { display: block; border: 3px solid rgb(0, 0, 255) !important; padding: 7px; }
head, style, script, title { display: none; }
"""
HOST_ELEMENTS = ["body", "#h", "#p", "#b", "#d"]
PROPS = ["display", "color", "font-family", "font-size", "margin-top", "border-top-width", "border-top-color",
         "padding-left", "line-height", "background-color", "visibility"]
_ip = iter(range(1, 250))


def _ip_header() -> dict[str, str]:
    """A client address of its own (the server trusts X-Forwarded-For from 127.0.0.1)."""
    return {"X-Forwarded-For": f"10.40.0.{next(_ip)}"}


def _host_page(server_url: str, key: str | None, **options: str) -> str:
    attrs = " ".join(f'data-{k}="{v}"' for k, v in options.items())
    tag = f'<script src="{server_url}/widget.js" data-site-key="{key}" {attrs} defer></script>' if key else ""
    return (f"<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' content='width=device-width, initial-scale=1'><title>Tea shop</title>"
            f"<style>{HOSTILE_CSS}</style></head><body><h1 id='h'>Our tea shop</h1>"
            f"<p id='p'>Welcome to the shop.</p><button id='b'>Host button</button><div id='d'>A box</div>"
            f"{tag}</body></html>")


@pytest.fixture(scope="module")
def server(tmp_path_factory, chat_model):
    with helpdesk_server(tmp_path_factory.mktemp("widget") / "data", chat_model, LIMITS) as s:
        yield s


@pytest.fixture(scope="module")
def admin(server):
    with httpx.Client(base_url=server.api, headers=ADMIN, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def sites(server, admin):
    """Two websites on their own origins: one the site key allows, one it does not."""
    pages: dict[str, str] = {}
    other: dict[str, str] = {}
    with static_site(pages) as allowed, static_site(other) as foreign:
        made = admin.post("/site-keys", json={"name": "Tea shop", "origins": [allowed]})
        assert made.status_code == 201, made.text
        key = made.json()["key"]
        pages["/"] = _host_page(server.url, key, title="Tea shop help", color="#0f766e")
        pages["/plain"] = _host_page(server.url, None)
        pages["/zh"] = _host_page(server.url, key, lang="zh", position="left")
        other["/"] = _host_page(server.url, key)
        yield {"allowed": allowed, "foreign": foreign, "key": key, "id": made.json()["id"]}


def _key(admin, origin: str, **extra) -> dict:
    made = admin.post("/site-keys", json={"name": "test site", "origins": [origin], **extra})
    assert made.status_code == 201, made.text
    return made.json()


def _token(server, key: str, origin: str, resume: str | None = None) -> httpx.Response:
    return httpx.post(f"{server.api}/widget/session", json={"site_key": key, "resume": resume},
                      headers={"Origin": origin, **_ip_header()}, timeout=60)


def _chat(server, token: str, origin: str, message: str, headers: dict | None = None, stream=False):
    return httpx.post(f"{server.api}/widget/chat", json={"message": message, "stream": stream}, timeout=300,
                      headers={"Origin": origin, "Authorization": f"Bearer {token}", **(headers or _ip_header())})


def _fresh_minute() -> None:
    if time.time() % 60 > 45:  # limits count in one-minute windows: start in a fresh one
        time.sleep(61 - time.time() % 60)


# -- HTTP: keys, tokens, CORS, limits ----------------------------------------------------------


def test_widget_script_is_served_small_and_cacheable(server):
    r = httpx.get(f"{server.url}/widget.js", timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/javascript")
    assert r.headers["access-control-allow-origin"] == "*" and "ETag" in r.headers
    assert len(r.content) < 40_000, f"widget.js grew to {len(r.content)} bytes"
    assert r.headers.get("content-encoding") == "gzip"  # httpx asks for it and unpacks it
    comment_end = r.text.index("*/")  # the usage comment shows an example address
    urls = set(re.findall(r"https?://[^\s\"')]+", r.text[comment_end:])) - {"http://www.w3.org/2000/svg"}
    assert not urls, f"widget.js names outside addresses: {urls}"  # every asset comes from helpdesk
    again = httpx.get(f"{server.url}/widget.js", headers={"If-None-Match": r.headers["ETag"]}, timeout=30)
    assert again.status_code == 304


def test_the_widget_shows_the_one_catalogue_of_texts_served_with_it(server):
    from bot.texts import TEXTS
    from knowledge.lang import CJK_RANGES
    from ui.widget import WIDGET_JS

    served = httpx.get(f"{server.url}/widget.js", timeout=30).text
    config = json.loads(re.search(r"var SERVED = (\{.*\});", served).group(1))
    raw = WIDGET_JS.read_text("utf-8")
    used = set(re.findall(r'\bt\("(\w+)"', raw)) | set(re.findall(r"TEXTS\[lang\]\.(\w+)", raw))
    assert used == set(config["texts"]["en"]) == set(config["texts"]["zh"])
    for lang, texts in config["texts"].items():
        assert texts == {key: TEXTS[lang][key] for key in used}
    assert config["cjk"] == CJK_RANGES
    for texts in TEXTS.values():  # the script itself keeps no copy of any text
        for key in used:
            assert json.dumps(texts[key]) not in raw and json.dumps(texts[key], ensure_ascii=False) not in raw, key


def test_site_keys_need_the_admin_key_and_valid_origins(server, admin):
    anonymous = httpx.post(f"{server.api}/site-keys", json={"name": "x", "origins": ["https://a.example"]})
    assert anonymous.status_code == 401
    bad = admin.post("/site-keys", json={"name": "x", "origins": ["www.example.com"]})
    assert bad.status_code == 400 and "www.example.com" in bad.json()["error"]
    wild = admin.post("/site-keys", json={"name": "x", "origins": ["https://*.example.com"]})
    assert wild.status_code == 400 and "wildcard" in wild.json()["error"]
    made = _key(admin, "https://Shop.Example.com:443/")
    assert made["key"].startswith("pk_") and made["origins"] == ["https://shop.example.com"]
    assert made["id"] in {k["id"] for k in admin.get("/site-keys").json()["site_keys"]}
    # A site key, or a token it buys, can only chat: the admin API refuses both.
    token = _token(server, made["key"], "https://shop.example.com").json()["token"]
    for secret in (made["key"], token):
        refused = httpx.get(f"{server.api}/documents", headers={"Authorization": f"Bearer {secret}"})
        assert refused.status_code == 401
    assert admin.delete(f"/site-keys/{made['id']}").json()["status"] == "revoked"
    assert admin.delete(f"/site-keys/{made['id']}").status_code == 404


def test_tokens_need_an_allowed_origin_and_die_with_their_key(server, admin):
    origin = "https://tea.example.com"
    made = _key(admin, origin)
    no_origin = httpx.post(f"{server.api}/widget/session", json={"site_key": made["key"]})
    assert no_origin.status_code == 403 and "Origin" in no_origin.json()["error"]
    other = _token(server, made["key"], "https://evil.example.net")
    assert other.status_code == 403 and "evil.example.net" in other.json()["error"]
    assert _token(server, "pk_not-a-key", origin).status_code == 403
    got = _token(server, made["key"], origin)
    assert got.status_code == 200, got.text
    body = got.json()
    assert set(body) >= {"token", "expires_in", "session_id"} and 60 <= body["expires_in"] <= 86400

    # CORS: the preflight the Authorization header causes is allowed for the key's origin only.
    pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}
    ok = httpx.options(f"{server.api}/widget/chat", headers={"Origin": origin, **pre})
    assert ok.status_code == 204 and ok.headers["access-control-allow-origin"] == origin
    assert "authorization" in ok.headers["access-control-allow-headers"].lower()
    no = httpx.options(f"{server.api}/widget/chat", headers={"Origin": "https://evil.example.net", **pre})
    assert no.status_code == 403 and "access-control-allow-origin" not in no.headers

    # The token is checked against its key's origins on every call, and a forged one is refused.
    assert _chat(server, body["token"], "https://evil.example.net", FAQ_Q).status_code == 403
    forged = body["token"][:-3] + ("AAA" if not body["token"].endswith("AAA") else "BBB")
    assert _chat(server, forged, origin, FAQ_Q).status_code == 401
    answer = _chat(server, body["token"], origin, FAQ_Q)
    assert answer.status_code == 200 and answer.json()["canned"] and answer.json()["session_id"] == body["session_id"]
    assert answer.headers["access-control-allow-origin"] == origin

    admin.delete(f"/site-keys/{made['id']}")
    revoked = _chat(server, body["token"], origin, FAQ_Q)
    assert revoked.status_code == 403 and "revoked" in revoked.json()["error"]
    assert _token(server, made["key"], origin).status_code == 403


def test_limits_per_conversation_per_address_and_per_day(server, admin):
    origin = "https://limits.example.com"
    _fresh_minute()
    made = _key(admin, origin)
    ip = _ip_header()
    token = _token(server, made["key"], origin).json()["token"]
    for _ in range(3):
        assert _chat(server, token, origin, FAQ_Q, ip).status_code == 200
    limited = _chat(server, token, origin, FAQ_Q, ip)
    assert limited.status_code == 429 and limited.json()["rate_limited"] and "Retry-After" in limited.headers

    # Per address, over conversations: 12 a minute (3 were counted above), 3 in each conversation.
    codes = []
    for _ in range(4):
        fresh = _token(server, made["key"], origin).json()["token"]
        codes += [_chat(server, fresh, origin, FAQ_Q, ip).status_code for _ in range(3)]
    assert codes == [200] * 9 + [429] * 3, codes

    small = _key(admin, origin, daily_budget=2)
    for n in range(2):
        t = _token(server, small["key"], origin).json()["token"]
        assert _chat(server, t, origin, FAQ_Q).status_code == 200, n
    t = _token(server, small["key"], origin).json()["token"]
    spent = _chat(server, t, origin, "退货期限是多久？")
    assert spent.status_code == 429 and spent.json()["budget_exhausted"]
    assert "今日" in spent.json()["error"]  # in the customer's language
    assert _chat(server, _token(server, made["key"], origin).json()["token"], origin, FAQ_Q).status_code == 200


def test_widget_conversation_history_feedback_and_handoff_over_http(server, admin):
    origin = "https://history.example.com"
    made = _key(admin, origin)
    first = _token(server, made["key"], origin).json()
    streamed = _chat(server, first["token"], origin, FAQ_Q, stream=True)
    kinds = [k for k, _ in sse_events(streamed)]
    assert kinds[-1] == "done", kinds
    # A reloaded page presents its earlier token for a new one in the same conversation and reads it back.
    again = _token(server, made["key"], origin, first["token"]).json()
    assert again["session_id"] == first["session_id"]
    auth = {"Origin": origin, "Authorization": f"Bearer {again['token']}"}
    history = httpx.get(f"{server.api}/widget/history", headers=auth).json()
    assert [t["question"] for t in history["turns"]] == [FAQ_Q] and history["turns"][0]["canned"]
    rated = httpx.post(f"{server.api}/widget/feedback", json={"rating": "up"}, headers=auth)
    assert rated.status_code == 201
    handed = httpx.post(f"{server.api}/widget/handoff", json={"contact": "li@example.com"}, headers=auth)
    assert handed.status_code == 201 and handed.json()["turns"] == 1
    turns = admin.get(f"/conversations/{first['session_id']}").json()["turns"]
    assert turns[0]["feedback"]["rating"] == 1


# -- the browser ------------------------------------------------------------------------------


def _styles(page) -> dict:
    return page.evaluate("""([sel, props]) => Object.fromEntries(sel.map(s => {
        const cs = getComputedStyle(document.querySelector(s));
        return [s, Object.fromEntries(props.map(p => [p, cs.getPropertyValue(p)]))];
    }))""", [HOST_ELEMENTS, PROPS])


def _context(browser, width=1280, height=860, locale="en-US"):
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale,
                                  is_mobile=width < 500, has_touch=width < 500)
    context.set_default_timeout(30_000)
    return context


def _wait_answer(page, timeout: float = 240) -> list[str]:
    """Every distinct text the last bot message showed until it was finished; returns them."""
    bubble = page.locator(".msg.bot").last
    seen: list[str] = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = bubble.locator(".body").inner_text().strip()
        if text and (not seen or seen[-1] != text):
            seen.append(text)
        if bubble.get_attribute("aria-busy") is None and page.locator(".msg.bot").count() > 1:
            break
        time.sleep(0.05)
    return seen


@pytest.mark.browser
def test_widget_on_a_hostile_page_streams_an_answer_with_sources(server, sites, admin, browser, screenshots):
    from playwright.sync_api import expect

    context = _context(browser)
    page = context.new_page()
    page.goto(sites["allowed"] + "/plain")
    before = _styles(page)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(sites["allowed"] + "/")
    launcher = page.get_by_role("button", name="Open support chat")
    expect(launcher).to_be_visible()
    box = launcher.bounding_box()
    assert box["width"] >= 40 and box["height"] >= 40, box
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(15, 118, 110)"  # data-color
    assert page.locator("#helpdesk-widget").evaluate("e => !!e.shadowRoot")

    launcher.click()
    message = page.get_by_label("Message")
    expect(message).to_be_focused()
    log = page.get_by_role("log")
    expect(log).to_be_visible()
    question = "How long does delivery to Belgium take?"
    message.fill(question)
    message.press("Enter")
    seen = _wait_answer(page)
    answer = page.locator(".msg.bot").last
    assert len(seen) >= 2, f"the answer did not stream: {seen}"
    expect(answer.locator(".sources summary").first).to_have_text(re.compile(r"^\[\d\] \S"))
    assert seen[-1] and "went wrong" not in seen[-1], seen
    assert _styles(page) == before, "the widget changed the host page's styles"
    outside = [u for u in requested if not u.startswith((sites["allowed"], server.url))]
    assert not outside, f"the widget loaded something from elsewhere: {outside}"
    page.screenshot(path=str(screenshots / "widget-desktop.png"))

    answer.get_by_role("button", name="Helpful", exact=True).click()
    expect(answer).to_contain_text("Thanks for the feedback")
    page.get_by_role("button", name="Talk to a human").click()
    page.get_by_label("Your e-mail or phone (optional)").fill("ana@example.com")
    page.get_by_role("button", name="Send to support").click()
    expect(log).to_contain_text("request #")

    # The conversation survives a reload; Escape closes the panel and gives focus back.
    page.reload()
    expect(page.get_by_role("log")).to_contain_text(question)
    expect(page.get_by_role("log").locator(".sources").first).to_be_visible()
    page.get_by_label("Message").press("Escape")
    expect(page.get_by_role("log")).to_be_hidden()
    expect(page.get_by_role("button", name="Open support chat")).to_be_focused()
    context.close()

    sid = next(c["session_id"] for c in admin.get("/conversations").json()["conversations"]
               if c["last_question"] == question)
    turns = admin.get(f"/conversations/{sid}").json()["turns"]
    assert turns[0]["feedback"]["rating"] == 1 and turns[0]["sources"]
    assert any(h["contact"] == "ana@example.com" for h in admin.get("/handoffs").json()["handoffs"])


@pytest.mark.browser
def test_widget_on_a_phone_is_full_screen_and_speaks_chinese(server, sites, browser, screenshots):
    from playwright.sync_api import expect

    context = _context(browser, 390, 844, locale="zh-CN")
    page = context.new_page()
    page.goto(sites["allowed"] + "/zh")
    page.get_by_role("button", name="打开客服聊天").click()
    message = page.get_by_label("消息")
    expect(message).to_have_attribute("placeholder", "请输入您的问题…")
    panel = page.get_by_role("dialog")
    box = panel.bounding_box()
    assert box["width"] == 390 and box["height"] == 844, box
    message.fill("可以开发票吗？")
    message.press("Enter")
    _wait_answer(page, 120)
    expect(page.locator(".msg.bot").last).to_contain_text("发票")
    expect(page.locator(".msg.bot").last).to_contain_text("来自常见问题")
    page.screenshot(path=str(screenshots / "widget-phone.png"))
    context.close()


@pytest.mark.browser
def test_a_website_the_key_does_not_allow_gets_no_answer(server, sites, browser):
    from playwright.sync_api import expect

    context = _context(browser)
    page = context.new_page()
    page.goto(sites["foreign"] + "/")
    page.get_by_role("button", name="Open support chat").click()
    page.get_by_label("Message").fill(FAQ_Q)
    page.get_by_label("Message").press("Enter")
    reply = page.locator(".msg.bot").last
    expect(reply).to_have_class("msg bot error")
    expect(reply).not_to_contain_text("30 days")
    assert page.locator(".sources").count() == 0
    context.close()


def _faq_reply(admin, browser, sites, question: str, answer: str):
    """Ask the widget a question whose FAQ answer is ``answer`` (word for word, no model call)."""
    from playwright.sync_api import expect

    entry = admin.post("/faq", json={"question": question, "answer": answer})
    assert entry.status_code == 201
    context = _context(browser)
    page = context.new_page()
    page.goto(sites["allowed"] + "/")
    page.get_by_role("button", name="Open support chat").click()
    page.get_by_label("Message").fill(question)
    page.get_by_label("Message").press("Enter")
    reply = page.locator(".msg.bot").last
    expect(reply.locator(".note")).to_be_visible()  # the FAQ note: the answer is complete
    return context, page, reply, entry.json()["id"]


@pytest.mark.browser
def test_an_answer_containing_html_is_shown_as_text(server, sites, admin, browser):
    from playwright.sync_api import expect

    # Raw HTML outside code is stripped at ingestion; inside code it reaches the widget, which must
    # show it as text.
    html = ('<img src=x onerror="window.__pwned=5"> `<img src=x onerror="window.__pwned=1">` **Sencha** is green.\n\n'
            "[Click me](javascript:window.__pwned=3) or ![pixel](http://127.0.0.1:9/p.png) "
            "[data](data:text/html;base64,PHNjcmlwdD4=)\n\n```html\n<script>window.__pwned=2</script>\n"
            "<a href=\"javascript:window.__pwned=4\">raw link</a>\n```")
    context, page, reply, entry = _faq_reply(admin, browser, sites, "What is the house tea?", html)
    expect(reply).to_contain_text('<img src=x onerror="window.__pwned=1">')
    expect(reply).to_contain_text("<script>window.__pwned=2</script>")
    expect(reply).to_contain_text('<a href="javascript:window.__pwned=4">raw link</a>')
    expect(reply).not_to_contain_text("__pwned=5")
    expect(reply.locator("strong")).to_have_text("Sencha")  # the safe Markdown subset still works
    expect(reply).to_contain_text("Click me or pixel data")  # unsafe links and images: their text only
    assert reply.locator("img, script, a, iframe").count() == 0
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None
    context.close()
    admin.delete(f"/faq/{entry}")


@pytest.mark.browser
def test_a_markdown_answer_is_rendered(server, sites, admin, browser):
    from playwright.sync_api import expect

    answer = (
        "To return an item:\n\n1. Sign in to **My account**.\n2. Choose the order\n"
        "   - tea: *sealed* only\n   - teaware: unused\n3. Click `Request a return`.\n\n"
        "| Plan | Seats |\n|---|---|\n| Team | 10 \\| 20 |\n\n"
        "```bash\ncurl -X POST <url> | jq '.id'\n```\n\n"
        "Mail [support](mailto:help@example.com) or read [the policy](https://example.com/returns)."
    )
    context, page, reply, entry = _faq_reply(admin, browser, sites, "How do I send a kettle back?", answer)
    body = reply.locator(".body")
    expect(body.locator("p").first).to_have_text("To return an item:")
    items = body.locator("ol > li")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_have_text("Sign in to My account.")
    expect(items.nth(0).locator("strong")).to_have_text("My account")
    expect(items.nth(1).locator("ul > li")).to_have_text(["tea: sealed only", "teaware: unused"])
    expect(items.nth(1).locator("em")).to_have_text("sealed")
    expect(items.nth(2).locator("code")).to_have_text("Request a return")
    expect(body.locator("table th")).to_have_text(["Plan", "Seats"])
    expect(body.locator("table td")).to_have_text(["Team", "10 | 20"])
    expect(body.locator("pre code")).to_have_text("curl -X POST <url> | jq '.id'")
    links = body.locator("a")
    expect(links).to_have_count(2)
    assert [links.nth(i).get_attribute("href") for i in range(2)] == [
        "mailto:help@example.com", "https://example.com/returns"]
    assert all("noopener" in (links.nth(i).get_attribute("rel") or "") for i in range(2))
    context.close()
    admin.delete(f"/faq/{entry}")


@pytest.mark.browser
def test_admin_creates_and_revokes_a_site_key_in_the_console(server, admin, browser, screenshots):
    from playwright.sync_api import expect

    password = re.search(r"password (\S+)\n", server.log_text()).group(1)
    context = _context(browser)
    page = context.new_page()
    admin_login(page, server, password)
    page.get_by_role("tab", name="Website widget").click()
    page.locator("#key-name textarea, #key-name input").first.fill("Tea shop blog")
    page.locator("#key-origins textarea, #key-origins input").first.fill("https://blog.example.com")
    page.locator("#create-key").click()
    expect(page.locator("#key-status")).to_contain_text("Created site key")
    snippet = page.locator("#key-snippet")
    expect(snippet).to_contain_text(f'src="{server.url}/widget.js"')
    key = re.search(r"pk_[\w-]+", snippet.inner_text()).group(0)
    made = next(k for k in admin.get("/site-keys").json()["site_keys"] if k["key"] == key)
    assert made["origins"] == ["https://blog.example.com"] and made["daily_budget"] is None
    expect(page.locator("#site-keys")).to_contain_text("Tea shop blog")
    page.screenshot(path=str(screenshots / "admin-site-key.png"), full_page=True)

    page.locator("#site-keys [role=gridcell]").filter(has_text=made["id"]).first.click()
    expect(page.locator("#chosen-key textarea, #chosen-key input").first).to_have_value(made["id"])
    page.locator("#revoke-key").click()
    expect(page.locator("#key-status")).to_contain_text("Revoked")
    expect(page.locator("#site-keys")).not_to_contain_text("Tea shop blog")
    context.close()
    assert key not in {k["key"] for k in admin.get("/site-keys").json()["site_keys"]}
    assert _token(server, key, "https://blog.example.com").status_code == 403
