"""Staff accounts on a real ``helpdesk serve``: the ``helpdesk users`` commands against its
database, personal tokens and roles on the API, the audit log, hostile input, and the console in
a real headless Chromium (an agent sees no knowledge tab; a removed agent is signed out)."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from tests.ui.conftest import API_KEY, ROOT, helpdesk_server
from tests.ui.helpers import admin_login

pytestmark = [pytest.mark.integration]

ADMIN = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory, chat_model):
    with helpdesk_server(tmp_path_factory.mktemp("staff") / "data", chat_model,
                         {"HELPDESK_ADMIN_PASSWORD": "bootstrap-pass-1"}) as s:
        yield s


def users(server, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """``helpdesk users ...`` on the server's data dir, as a real subprocess."""
    return subprocess.run([sys.executable, "-c", "from ui.cli import main; main()", "--data-dir",
                           str(server.data_dir), "users", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_cli_adds_lists_and_removes_accounts_and_refuses_bad_input(server):
    added = users(server, "add", "Lin", "--role", "agent")
    assert added.returncode == 0, added.stderr
    assert "added agent lin" in added.stdout and "password: " in added.stdout  # generated, shown once
    chosen = users(server, "add", "mei", "--role", "admin", "--password-stdin", stdin="a long enough pw\n")
    assert chosen.returncode == 0 and "password:" not in chosen.stdout
    listed = users(server, "list", "--json").stdout
    assert '"name": "lin"' in listed and '"role": "admin"' in listed and "password" not in listed
    for args, stdin, why in [
        (("add", "lin", "--role", "agent"), None, "exists already"),
        (("add", "no spaces", "--role", "agent"), None, "invalid user name"),
        (("add", "x" * 65, "--role", "agent"), None, "invalid user name"),
        (("add", "admin", "--role", "agent"), None, "bootstrap admin"),
        (("add", "tiny", "--role", "agent", "--password-stdin"), "short\n", "10-1024 characters"),
        (("add", "huge", "--role", "agent", "--password-stdin"), "p" * 1025 + "\n", "10-1024 characters"),
        (("remove", "nobody"), None, "no user 'nobody'"),
        (("token", "nobody"), None, "no user 'nobody'"),
    ]:
        out = users(server, *args, stdin=stdin)
        assert out.returncode == 2 and why in out.stderr, (args, out.stderr)
    unknown_role = users(server, "add", "zed", "--role", "boss")
    assert unknown_role.returncode == 2 and "'boss' is not one of" in unknown_role.stderr
    assert users(server, "remove", "mei").returncode == 0
    assert '"mei"' not in users(server, "list", "--json").stdout


def test_agent_token_reaches_conversations_but_not_knowledge_keys_users_or_audit(server, api):
    api.post("/users", headers=ADMIN, json={"name": "ana", "role": "agent", "password": "ana-password-1"})
    token = users(server, "token", "ana").stdout.strip()
    assert token.startswith("hds_")
    agent = bearer(token)
    for method, path in [("GET", "/conversations"), ("GET", "/handoffs"), ("GET", "/unanswered"), ("GET", "/faq")]:
        assert api.request(method, path, headers=agent).status_code == 200, path
    for method, path, body in [
        ("GET", "/documents", None), ("DELETE", "/documents/returns.md", None), ("PUT", "/faq/1", {"question": "q", "answer": "a"}),
        ("DELETE", "/faq/1", None), ("GET", "/site-keys", None),
        ("POST", "/site-keys", {"name": "x", "origins": ["https://x.example.com"]}), ("GET", "/users", None),
        ("POST", "/users", {"name": "evil", "role": "admin"}), ("DELETE", "/users/ana", None),
        ("POST", "/users/ana/token", None), ("GET", "/audit", None), ("GET", "/sources", None),
        ("GET", "/insights", None),
    ]:
        r = api.request(method, path, headers=agent, json=body)
        assert r.status_code == 403 and "needs an admin" in r.json()["error"], (method, path, r.text)
    assert "evil" not in [u["name"] for u in api.get("/users", headers=ADMIN).json()["users"]]
    # An agent may keep a reply as an FAQ entry; the audit log names them.
    added = api.post("/faq", headers=agent, json={"question": "Do you ship to Mars?", "answer": "Not yet."})
    assert added.status_code == 201, added.text
    entry = api.get("/audit", headers=ADMIN, params={"action": "faq.add"}).json()["entries"][0]
    assert entry["actor"] == "ana" and entry["target"] == f"#{added.json()['id']}"


def test_wrong_revoked_and_removed_tokens_are_refused_at_once(server, api):
    made = api.post("/users", headers=ADMIN, json={"name": "bo", "role": "admin"})
    assert made.status_code == 201 and len(made.json()["password"]) >= 10
    first = api.post("/users/bo/token", headers=ADMIN).json()["token"]
    assert api.get("/users", headers=bearer(first)).status_code == 200  # an admin's personal token
    second = api.post("/users/bo/token", headers=ADMIN).json()["token"]
    assert api.get("/users", headers=bearer(first)).status_code == 401  # the old one stopped at once
    for wrong in ["hds_" + "A" * 43, second + "x", "x" * 5000, "Basic Ym86cHc=", API_KEY + "x"]:
        assert api.get("/audit", headers=bearer(wrong)).status_code == 401, wrong[:20]
    assert api.get("/audit").status_code == 401
    assert api.delete("/users/bo", headers=ADMIN).status_code == 200
    assert api.get("/users", headers=bearer(second)).status_code == 401  # removed: refused at once


def test_users_api_refuses_hostile_input(server, api):
    for body, status, why in [
        ({"name": "../etc", "role": "agent"}, 400, "invalid user name"),
        ({"name": "ok", "role": "root"}, 400, "admin' or 'agent"),
        ({"name": "ok", "role": "agent", "password": "p" * 1500}, 400, "10-1024"),
        ({"name": "ok", "role": "agent", "password": "line\nbreak-pw"}, 400, "control characters"),
        ({"name": "<script>", "role": "agent"}, 400, "invalid user name"),
        ({"name": "ok", "role": "agent", "extra": 1}, 400, "extra"),
    ]:
        r = api.post("/users", headers=ADMIN, json=body)
        assert r.status_code == status and why in r.text, (body, r.text)
    assert api.delete("/users/nobody", headers=ADMIN).status_code == 404
    assert api.get("/audit", headers=ADMIN, params={"limit": 0}).status_code == 400


def test_audit_log_records_each_kind_of_action(server, api):
    key = api.post("/site-keys", headers=ADMIN, json={"name": "shop", "origins": ["https://shop.example.com"]}).json()
    assert api.delete(f"/site-keys/{key['id']}", headers=ADMIN).status_code == 200
    upload = api.post("/documents", headers=ADMIN, files={"files": ("hours.md", b"# Hours\n\nWe open at nine.", "text/markdown")})
    assert upload.status_code == 200, upload.text
    assert api.delete("/documents/hours.md", headers=ADMIN).status_code == 200
    faq = api.post("/faq", headers=ADMIN, json={"question": "Gift wrap?", "answer": "Yes, free."}).json()["id"]
    assert api.put(f"/faq/{faq}", headers=ADMIN, json={"question": "Gift wrap?", "answer": "Yes."}).status_code == 200
    assert api.delete(f"/faq/{faq}", headers=ADMIN).status_code == 200
    api.post("/users", headers=ADMIN, json={"name": "cy", "role": "agent"})
    api.post("/users/cy/password", headers=ADMIN, json={})
    api.delete("/users/cy", headers=ADMIN)
    entries = api.get("/audit", headers=ADMIN, params={"limit": 1000}).json()["entries"]
    seen = {(e["actor"], e["action"], e["target"]) for e in entries}
    for expected in [("admin", "site-key.create", key["id"]), ("admin", "site-key.revoke", key["id"]),
                     ("admin", "document.upload", "hours.md"), ("admin", "document.delete", "hours.md"),
                     ("admin", "faq.add", f"#{faq}"), ("admin", "faq.change", f"#{faq}"),
                     ("admin", "faq.delete", f"#{faq}"), ("admin", "user.add", "cy"),
                     ("admin", "user.password", "cy"), ("admin", "user.remove", "cy")]:
        assert expected in seen, expected
    assert all(e["at"].endswith("Z") for e in entries)
    family = api.get("/audit", headers=ADMIN, params={"action": "user."}).json()["entries"]
    assert family and all(e["action"].startswith("user.") for e in family)


@pytest.mark.browser
def test_agent_signs_in_sees_no_knowledge_tab_and_is_refused_admin_actions(server, api, browser, screenshots):
    api.post("/users", headers=ADMIN, json={"name": "dee", "role": "agent", "password": "dee-password-1"})
    context = browser.new_context(viewport={"width": 1500, "height": 900}, locale="en-US")
    page = context.new_page()
    try:
        admin_login(page, server, "dee-password-1", user="dee")
        expect = _expect()
        expect(page.locator("#signed-in")).to_contain_text("dee")
        expect(page.get_by_role("tab", name="Conversations")).to_be_visible()
        for hidden in ("Documents", "FAQ", "Website widget", "Users", "Audit"):
            expect(page.get_by_role("tab", name=hidden, exact=True)).to_have_count(0)
        page.screenshot(path=str(screenshots / "console-agent.png"), full_page=True)
        # The hidden tabs' actions are refused on the server too (a crafted call from the page).
        refused = page.evaluate("""async () => {
            const cfg = await (await fetch('/admin/config')).json();
            const dep = cfg.dependencies.find(d => d.api_name && d.api_name.includes('create'));
            const r = await fetch('/admin/gradio_api/call/' + dep.api_name, {method: 'POST',
                headers: {'Content-Type': 'application/json'}, body: JSON.stringify({data: ['evil', 'https://evil.example.com', 0, 'default']})});
            const {event_id} = await r.json();
            return await (await fetch('/admin/gradio_api/call/' + dep.api_name + '/' + event_id)).text();
        }""")
        assert "error" in refused and "needs an admin" in refused, refused
        assert not [k for k in api.get("/site-keys", headers=ADMIN).json()["site_keys"] if k["name"] == "evil"]
        entries = api.get("/audit", headers=ADMIN, params={"actor": "dee", "action": "sign-in"}).json()["entries"]
        assert entries and entries[0]["target"] == "dee"
        # Removing the account ends the session at once.
        assert api.delete("/users/dee", headers=ADMIN).status_code == 200
        page.reload()
        expect(page.get_by_label("username")).to_be_visible()
    finally:
        context.close()


@pytest.mark.browser
def test_the_bootstrap_admin_sees_every_tab_and_a_chinese_console_by_choice(server, browser):
    context = browser.new_context(viewport={"width": 1500, "height": 900}, locale="en-US")
    page = context.new_page()
    try:
        admin_login(page, server, "bootstrap-pass-1")
        expect = _expect()
        expect(page.locator("#signed-in")).to_contain_text("admin")
        for tab in ("Documents", "Users", "Audit"):
            expect(page.get_by_role("tab", name=tab, exact=True)).to_be_visible()
    finally:
        context.close()
    api = httpx.Client(base_url=server.api, headers=ADMIN, timeout=60)
    api.post("/users", json={"name": "zhang", "role": "admin", "password": "zhang-password-1"})
    context = browser.new_context(viewport={"width": 1500, "height": 900}, locale="en-US")
    page = context.new_page()
    try:
        admin_login(page, server, "zhang-password-1", user="zhang")
        expect(page.locator("#signed-in")).to_contain_text("zhang")
        page.locator("#my-language input").click()
        page.get_by_role("option", name="中文").click()
        expect(page.get_by_role("tab", name="用户", exact=True)).to_be_visible(timeout=60_000)  # after one reload
        expect(page.locator("#signed-in")).to_contain_text("当前用户")
        # The older tabs follow too: labels, buttons, table headers, and (with an English browser)
        # the messages handlers write, in the user's own language.
        expect(page.locator("#upload-button")).to_have_text("上传并导入")
        expect(page.get_by_label("选中的文档")).to_be_visible()
        expect(page.locator("#documents")).to_contain_text("文本块")  # a header, set with the rows
        expect(page.locator("#documents")).not_to_contain_text("ingested at")
        expect(page.get_by_role("tab", name="API 密钥", exact=True)).to_be_visible()
        page.get_by_role("tab", name="数据源", exact=True).click()
        expect(page.locator("#add-source")).to_have_text("添加数据源")
        page.locator("#sync-source").click()
        expect(page.locator("#source-status")).to_contain_text("请先选择一个数据源")
        page.get_by_role("tab", name="网站插件", exact=True).click()
        expect(page.locator("#look-theme")).to_contain_text("深色")
        expect(page.locator("#create-key")).to_have_text("创建站点密钥")
        # The Inbox: labels, buttons, table headers and the messages its handlers write.
        page.get_by_role("tab", name="收件箱", exact=True).click()
        expect(page.locator("#inbox-claim")).to_have_text("认领")
        expect(page.locator("#inbox-release")).to_have_text("释放给机器人助手")
        expect(page.locator("#inbox-faq")).to_have_text("把这条回复保存为常见问题")
        expect(page.get_by_label("回复客户")).to_be_visible()
        expect(page.locator("#inbox-table")).to_contain_text("已等待")
        expect(page.locator("#inbox-table")).not_to_contain_text("messages")
        page.locator("#inbox-claim").click()
        expect(page.locator("#inbox-status")).to_contain_text("请先选择一个会话")
        page.get_by_role("tab", name="用户", exact=True).click()
        expect(page.locator("#users")).to_contain_text("角色")
        expect(page.locator("#users")).to_contain_text("管理员")  # zhang's role, a cell
        expect(page.locator("#user-role")).to_contain_text("客服")
    finally:
        context.close()
        api.close()


def _expect():
    from playwright.sync_api import expect

    return expect
