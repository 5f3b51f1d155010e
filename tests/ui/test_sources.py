"""Sources on a real ``helpdesk serve``: the admin API (with hostile input), "sync now" on the
server's scheduler, the console's Sources tab and citations that link to the live page, in the web
chat and in the widget, all in a real Chromium. The help center is a real website on 127.0.0.1
(tests/websites.py); the server may crawl it because the test sets HELPDESK_SYNC__ALLOW_PRIVATE."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.ui.conftest import API_KEY, helpdesk_server
from tests.ui.helpers import admin_login, static_site
from tests.websites import Website

pytestmark = [pytest.mark.integration]

ADMIN = {"Authorization": f"Bearer {API_KEY}"}
PASSWORD = "sources-test-password"
QUESTION = "Within how many days can I return a kettle?"


@pytest.fixture(scope="module")
def site():
    site = Website()
    site.page("/help/", "<main><h1>Help</h1><a href='returns'>Returns</a></main>", title="Help")
    site.page("/help/returns", "<main><h1>Returns</h1><p>You can return a kettle within 45 days of delivery "
                               "for a full refund.</p></main>", title="Returns")
    with site.served() as root:
        yield site, root


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A folder the server may follow."""
    folder = tmp_path_factory.mktemp("kb")
    (folder / "care.md").write_text("# Care\n\nDescale the kettle every month.\n", "utf-8")
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory, chat_model, site):
    env = {"HELPDESK_SYNC__ALLOW_PRIVATE": "true", "HELPDESK_SYNC__DELAY_SECONDS": "0",
           "HELPDESK_SERVER__DEMO_KB": "false", "HELPDESK_ADMIN_PASSWORD": PASSWORD,
           "HELPDESK_SERVER__RATE_LIMIT_PER_MINUTE": "1000"}
    with helpdesk_server(tmp_path_factory.mktemp("sources") / "data", chat_model, env) as s:
        yield s


@pytest.fixture(scope="module")
def admin(server):
    with httpx.Client(base_url=server.api, headers=ADMIN, timeout=120) as client:
        yield client


def _sync_now(admin, source_id: int, timeout: float = 180) -> dict:
    """Ask for a sync and wait for it: the job is due "now" until a replica has run it."""
    asked = admin.post(f"/sources/{source_id}/sync")
    assert asked.status_code == 202 and asked.json()["status"] == "queued", asked.text
    deadline = time.time() + timeout
    while time.time() < deadline:
        source = next(s for s in admin.get("/sources").json()["sources"] if s["id"] == source_id)
        if source["next_run"] != "now" and not source["running"]:
            return source
        time.sleep(0.3)
    raise TimeoutError(f"source {source_id} did not sync within {timeout:.0f} s")


@pytest.fixture(scope="module")
def followed(server, admin, site):
    """The help center as a source of the server, synced once."""
    _, root = site
    made = admin.post("/sources", json={"location": f"{root}/help/", "every": "1h"})
    assert made.status_code == 201, made.text
    source = made.json()["source"]
    assert source["kind"] == "site" and source["every"] == "1h"
    done = _sync_now(admin, source["id"])
    assert done["last_status"] == "ok" and done["last_message"].startswith("2 added"), done
    return done


def test_sources_api_adds_syncs_lists_and_removes(server, admin, followed, site, folder):
    web, root = site
    docs = httpx.get(f"{server.api}/documents", headers=ADMIN, timeout=60).json()["documents"]
    assert {d["source"] for d in docs} == {f"{root}/help/", f"{root}/help/returns"}
    listed = admin.get("/sources").json()["sources"]
    assert [s["location"] for s in listed] == [f"{root}/help/"]
    assert listed[0]["next_run"] > listed[0]["last_sync"]  # due again in an hour

    web.page("/help/", "<main><h1>Help</h1><a href='returns'>Returns</a><p>Open every day.</p></main>",
             title="Help")
    again = _sync_now(admin, followed["id"])
    assert again["last_message"] == "0 added, 1 updated, 0 removed, 1 unchanged, 0 failed"

    extra = admin.post("/sources", json={"location": str(folder), "every": "1d"})
    assert extra.status_code == 201 and extra.json()["source"]["kind"] == "folder"
    removed = admin.delete(f"/sources/{extra.json()['source']['id']}")
    assert removed.json() == {"id": extra.json()["source"]["id"], "status": "removed"}
    assert [s["id"] for s in admin.get("/sources").json()["sources"]] == [followed["id"]]


@pytest.mark.parametrize("body, status, why", [
    ({"location": "not a url"}, 400, "no such folder"),
    ({"location": "ftp://example.com/help/"}, 400, "only http and https"),
    ({"location": "file:///etc/passwd"}, 400, "only http and https"),
    ({"location": "http://0.0.0.0/"}, 400, "never crawled"),
    ({"location": "http://240.0.0.1/"}, 400, "never crawled"),
    ({"location": "https://example.com/", "every": "soon"}, 400, "'soon'"),
    ({"location": "https://example.com/", "every": "10s"}, 400, "interval"),
    ({"location": "a\x00b"}, 400, "NUL"),
    ({"location": "https://example.com/" + "a" * 3000}, 400, "location"),
    ({"location": ["https://example.com/"]}, 400, "location"),
    ({"location": "https://example.com/", "state": {"x": 1}}, 400, "state"),
    ({}, 400, "location"),
])
def test_hostile_sources_are_refused_naming_the_problem(admin, followed, body, status, why):
    r = admin.post("/sources", json=body)
    assert r.status_code == status and why in r.json()["error"], r.text
    assert len(admin.get("/sources").json()["sources"]) == 1


def test_sources_api_needs_the_key_refuses_huge_bodies_and_unknown_ids(server, admin, followed):
    assert httpx.get(f"{server.api}/sources", timeout=30).status_code == 401
    wrong = {"Authorization": "Bearer wrong"}
    assert httpx.post(f"{server.api}/sources/{followed['id']}/sync", headers=wrong, timeout=30).status_code == 401
    assert httpx.delete(f"{server.api}/sources/{followed['id']}", headers=wrong, timeout=30).status_code == 401
    huge = admin.post("/sources", content=b'{"location": "' + b"a" * (8 * 2**20) + b'"}',
                      headers={"Content-Type": "application/json"})
    assert huge.status_code == 413
    for method, path in [("DELETE", "/sources/999"), ("POST", "/sources/999/sync"), ("DELETE", "/sources/0")]:
        r = admin.request(method, path)
        assert r.status_code == 404 and "no source" in r.json()["error"], (path, r.text)
    for method, path in [("DELETE", "/sources/abc"), ("POST", "/sources/1.5/sync"),
                         ("DELETE", "/sources/99999999999999999999999")]:
        assert admin.request(method, path).status_code in (400, 404), path
    assert [s["id"] for s in admin.get("/sources").json()["sources"]] == [followed["id"]]


@pytest.mark.browser
def test_console_sources_tab_and_citations_that_link_to_the_live_page(server, admin, followed, site, folder,
                                                                      browser, screenshots):
    from playwright.sync_api import expect

    _, root = site
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  extra_http_headers={"X-Forwarded-For": "10.9.0.1"})
    context.set_default_timeout(30_000)
    page = context.new_page()
    admin_login(page, server, PASSWORD)
    page.get_by_role("tab", name="Sources").click()
    table = page.locator("#sources")
    expect(table).to_contain_text(f"{root}/help/")
    expect(table).to_contain_text("ok")
    page.locator("#source-location textarea").fill("gopher://example.com/")
    page.get_by_role("button", name="Add source").click()
    expect(page.locator("#source-status")).to_contain_text("only http and https")
    page.locator("#source-location textarea").fill(str(folder))
    page.locator("#source-every textarea").fill("2d")
    page.get_by_role("button", name="Add source").click()
    expect(page.locator("#source-status")).to_contain_text("Following")
    expect(table).to_contain_text(str(folder))
    page.locator("[role=gridcell]:visible").filter(has_text=f"{root}/help/").first.click()
    expect(page.locator("#chosen-source textarea")).to_have_value(str(followed["id"]))
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#source-status")).to_contain_text(f"Syncing source {followed['id']}")
    page.screenshot(path=str(screenshots / "admin-sources.png"), full_page=True)
    folder = next(s for s in admin.get("/sources").json()["sources"] if s["kind"] == "folder")
    assert folder["every"] == "2d"
    admin.delete(f"/sources/{folder['id']}")

    # The web chat: the cited page's address is a link that opens the live page in a new tab.
    page.goto(server.url + "/")
    page.locator("#question textarea").fill(QUESTION)
    page.locator("#question textarea").press("Enter")
    title = page.locator("#chatbot .thought .title").first
    expect(title).to_be_visible(timeout=240_000)
    title.click()
    link = page.locator(f'#chatbot .thought a[href="{root}/help/returns"]').first
    expect(link).to_be_visible()
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    page.screenshot(path=str(screenshots / "chat-source-link.png"), full_page=True)

    context.close()

    # The widget on a customer's website: the same link, built with DOM nodes. (No extra headers:
    # the widget's cross-origin requests send only what a visitor's browser sends.)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    pages: dict[str, str] = {}
    with static_site(pages) as origin:
        made = httpx.post(f"{server.api}/site-keys", headers=ADMIN, timeout=60,
                          json={"name": "shop", "origins": [origin]})
        assert made.status_code == 201, made.text
        pages["/"] = (f"<!doctype html><html><body><h1>Shop</h1><script src='{server.url}/widget.js' "
                      f"data-site-key='{made.json()['key']}' defer></script></body></html>")
        page.goto(origin + "/")
        page.get_by_role("button", name="Open support chat").click()
        page.get_by_label("Message").fill(QUESTION)
        page.get_by_label("Message").press("Enter")
        widget_link = page.locator(f'.sources a.page[href="{root}/help/returns"]').first
        expect(widget_link).to_be_attached(timeout=240_000)
        page.locator(".sources summary").first.click()
        expect(widget_link).to_be_visible()
        assert widget_link.get_attribute("target") == "_blank"
        assert widget_link.get_attribute("rel") == "noopener noreferrer"
        page.screenshot(path=str(screenshots / "widget-source-link.png"), full_page=True)
    context.close()
