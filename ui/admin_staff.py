"""The console's staff parts: the header (who is signed in, their language, sign out), which tabs
a role sees, the server-side refusal of admin actions for agents, and the "Users" and "Audit" tabs.

Roles are enforced where the work happens, not only by hiding tabs: every event handler wired
inside :func:`admin_only` refuses a console user who is not an admin (``gr.Error``), whatever the
browser sends. The console's language is the user's own setting when they chose one, else the
browser's: a cookie the header sets makes the page's script report that language to Gradio's
translations (``HEAD``, put first in the console page's ``<head>`` by :class:`ConsoleLanguage`, since
Gradio adds its own ``head`` only after its translations started), and texts written by handlers
follow ``console_lang`` (``ui/console_texts.py``, which also holds these parts' texts).
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr
from gradio.context import LocalContext

from knowledge.errors import HelpdeskError

from .console_texts import STAFF_TEXTS, console_lang, console_table, console_text, headers

__all__ = ["HEAD", "ConsoleLanguage", "admin_only", "console_actor", "header", "whoami", "users_tab", "audit_tab"]

# Table columns as keys of the console's catalogue (ui/console_texts.py).
USER_COLUMNS = ["col_name", "col_role", "col_language", "col_token", "col_disabled", "col_created", "col_signed_in"]
AUDIT_COLUMNS = ["col_num", "col_when", "col_who", "col_action", "col_target", "col_detail"]

_COOKIE = "helpdesk_lang"
# Runs before Gradio's scripts: the language the user chose (kept in a cookie by the header) is the
# one Gradio's translations see as the browser's.
HEAD = (f"<script>(function(){{var m=document.cookie.match(/(?:^|; ){_COOKIE}=(en|zh)/);if(m){{"
        "var l=m[1]==='zh'?'zh-CN':'en';"  # Gradio knows zh-CN, not zh
        "Object.defineProperty(navigator,'language',{get:function(){return l}});"
        "Object.defineProperty(navigator,'languages',{get:function(){return [l]}});}})();</script>")
# After the header learns the user's language: keep it in the cookie and reload once if it changed.
_APPLY_LANG = (f"(lang) => {{ const m = document.cookie.match(/(?:^|; ){_COOKIE}=(en|zh)/); const cur = m ? m[1] : '';"
               " if (lang === cur || sessionStorage.getItem('helpdesk_lang_reload') === lang) return lang;"
               " sessionStorage.setItem('helpdesk_lang_reload', lang);"
               f" document.cookie = lang ? '{_COOKIE}=' + lang + '; path=/admin; SameSite=Lax; max-age=31536000'"
               f" : '{_COOKIE}=; path=/admin; max-age=0'; location.reload(); return lang; }}")


class ConsoleLanguage:
    """ASGI middleware that puts ``HEAD`` first in the console page's ``<head>`` (``GET /admin/``)."""

    def __init__(self, app, path: str = "/admin/"):
        self.app, self.path = app, path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != self.path:
            return await self.app(scope, receive, send)
        start: dict = {}
        body = bytearray()

        async def buffered(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                return await send(message)
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            html = bytes(body)
            if any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers):
                html = html.replace(b"<head>", b"<head>" + HEAD.encode(), 1)
            await send({**start, "headers": [*headers, (b"content-length", str(len(html)).encode())]})
            await send({"type": "http.response.body", "body": html})

        await self.app(scope, receive, buffered)


def _request() -> gr.Request | None:
    return LocalContext.request.get(None)


def console_actor(service) -> str:
    """The name of the console user whose event is being handled, for the audit log."""
    account = service.staff.console(getattr(_request(), "username", None))
    return account["name"] if account else "unknown"


def _refuse_agents(service, fn):
    """``fn`` that first refuses anyone but an admin (kept a generator when ``fn`` is one)."""

    def check() -> None:
        request = _request()
        if service.staff.role(getattr(request, "username", None)) != "admin":
            raise gr.Error(console_text(service, "refused"))

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen(*args, **kwargs):
            check()
            yield from fn(*args, **kwargs)
        return gen
    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def coro(*args, **kwargs):
            check()
            return await fn(*args, **kwargs)
        return coro

    @functools.wraps(fn)
    def plain(*args, **kwargs):
        check()
        return fn(*args, **kwargs)
    return plain


@contextmanager
def admin_only(page: gr.Blocks, service) -> Iterator[None]:
    """Every event handler wired inside refuses console users who are not admins."""
    before = set(page.fns)
    yield
    for fn_id in set(page.fns) - before:
        block_fn = page.fns[fn_id]
        if block_fn.fn is not None:
            block_fn.fn = _refuse_agents(service, block_fn.fn)


def header(service, t) -> tuple[gr.Markdown, gr.Dropdown, gr.Textbox]:
    """Who is signed in, their language, and the sign-out link; returns the name line, the
    language choice and the hidden language to apply (the page fills them on load: :func:`whoami`)."""
    with gr.Row(equal_height=True):
        gr.Markdown(t("console_title"))
        who = gr.Markdown(elem_id="signed-in")
        language = gr.Dropdown(choices=[(t("lang_browser"), ""), ("English", "en"), ("中文", "zh")], value="",
                               label=t("my_language"), elem_id="my-language", scale=0, min_width=160)
        gr.Button(t("sign_out"), link="/admin/logout", size="sm", scale=0, elem_id="sign-out")
    apply = gr.Textbox(visible=False)

    def choose(lang: str, request: gr.Request):
        account = service.staff.console(request.username)
        if account and not service.auth.is_bootstrap(request.username):
            service.staff.set_language(account["name"], lang or "", actor=account["name"])
        return lang or ""

    language.input(choose, [language], [apply]).then(None, [apply], [apply], js=_APPLY_LANG)
    return who, language, apply


def whoami(service, request: gr.Request | None) -> tuple[str, str, str]:
    """The header's line, the user's language choice and the language to apply, for the page load."""
    account = service.staff.console(getattr(request, "username", None)) or {"name": "?", "role": "agent",
                                                                             "language": ""}
    lang = console_lang(service, request)
    line = STAFF_TEXTS[lang]["signed_in"].format(name=account["name"], role=STAFF_TEXTS[lang][account["role"]])
    return line, account["language"], account["language"]


def users_tab(service, t):
    """Lay out the "Users" tab; returns its table and the function that gives the table's rows."""
    staff = service.staff
    say = functools.partial(console_text, service)

    def rows():
        return console_table(service, USER_COLUMNS, [
            [u["name"], say(u["role"]), u["language"] or say("user_browser"), say("yes") if u["has_token"] else "",
             say("yes") if u["disabled"] else "", u["created_at"], u["signed_in_at"]]
            for u in service.storage.users.list()])

    def actor() -> str:
        return console_actor(service)

    def add(name: str, role: str, password: str):
        try:
            account, generated = staff.add(name or "", role, password or None, actor=actor())
        except HelpdeskError as exc:
            return f"⚠️ {exc}", "", gr.update(), gr.update()
        note = say("user_added", name=account["name"], role=say(account["role"]))
        if generated:
            note += " " + say("user_secret")
        return note, generated or "", rows(), ""

    def act(kind: str):
        def run(name: str):
            name = (name or "").strip()
            if not name:
                return say("choose_user"), "", gr.update()
            try:
                secret = ""
                if kind == "remove":
                    staff.remove(name, actor=actor())
                    return say("user_removed", name=name), "", rows()
                if kind == "reset":
                    secret = staff.reset_password(name, actor=actor()) or ""
                elif kind == "token":
                    secret = staff.issue_token(name, actor=actor())
                else:
                    staff.set_disabled(name, kind == "disable", actor=actor())
            except HelpdeskError as exc:
                return f"⚠️ {exc}", "", gr.update()
            note = say("user_done", name=name) + (" " + say("user_secret") if secret else "")
            return note, secret, rows()
        return run

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        return row[0] if row else ""

    gr.Markdown(t("users_intro"))
    table = gr.Dataframe(headers=headers(USER_COLUMNS), interactive=False, wrap=True, elem_id="users")
    with gr.Row():
        name = gr.Textbox(label=t("user_name"), elem_id="user-name", scale=2)
        role = gr.Radio([(t("agent"), "agent"), (t("admin"), "admin")], value="agent", label=t("user_role"),
                        elem_id="user-role", scale=1)
        password = gr.Textbox(label=t("user_password"), type="password", elem_id="user-password", scale=2)
    add_btn = gr.Button(t("user_add"), variant="primary", elem_id="user-add")
    status = gr.Markdown(elem_id="user-status")
    secret = gr.Textbox(label="", interactive=False, buttons=["copy"], elem_id="user-secret")
    with gr.Row():
        chosen = gr.Textbox(label=t("user_chosen"), elem_id="user-chosen", scale=2)
        buttons = {kind: gr.Button(t(key), variant="stop" if kind == "remove" else "secondary", scale=1,
                                   elem_id=f"user-{kind}")
                   for kind, key in (("token", "user_token"), ("reset", "user_reset"), ("disable", "user_disable"),
                                     ("enable", "user_enable"), ("remove", "user_remove"))}
    add_btn.click(add, [name, role, password], [status, secret, table, password], concurrency_limit=1)
    table.select(pick, None, [chosen])
    for kind, button in buttons.items():
        button.click(act(kind), [chosen], [status, secret, table], concurrency_limit=1)
    return table, rows


def audit_tab(service, t):
    """Lay out the "Audit" tab; returns its table and the function that gives the table's rows."""

    def rows(who: str = "", action: str = ""):
        return console_table(service, AUDIT_COLUMNS, [
            [e["id"], e["at"], e["actor"], e["action"], e["target"],
             json.dumps(e["detail"], ensure_ascii=False) if e["detail"] else ""]
            for e in service.audit.entries(actor=(who or "").strip().lower() or None,
                                           action=(action or "").strip() or None, limit=500)])

    with gr.Row():
        who = gr.Textbox(label=t("audit_actor"), elem_id="audit-actor", scale=2)
        action = gr.Textbox(label=t("audit_action"), elem_id="audit-action", scale=2)
        show = gr.Button(t("audit_show"), scale=1, elem_id="audit-show")
    table = gr.Dataframe(headers=headers(AUDIT_COLUMNS), interactive=False, wrap=True, elem_id="audit")
    show.click(rows, [who, action], [table])
    who.submit(rows, [who, action], [table])
    action.submit(rows, [who, action], [table])
    return table, rows
