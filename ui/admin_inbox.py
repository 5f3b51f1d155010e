"""The console's "Inbox" tab: conversations waiting for a person or with one, the transcript (the
bot's cited sources, the hand-off reason), a reply box, claim / release / close, and "save this
reply as an FAQ answer" for the customer's question (in the FAQ of the conversation's bot).

A timer refreshes the list and the open conversation every second, so a customer's new message
shows without reloading; each refresh also records the signed-in staff member as present, which
makes a person "available" to customers (``ui/livechat.py``). Called inside the console's Blocks,
within a ``gr.Tab``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import gradio as gr

from knowledge.errors import HelpdeskError, NotFound

from .console_texts import CONSOLE_TEXTS, console_i18n, console_table, console_text, headers
from .safe_markdown import safe_markdown, source_markdown
from .storage import DEFAULT_BOT

__all__ = ["inbox_tab", "INBOX_COLUMNS"]

# Table columns as keys of the console's catalogue (ui/console_texts.py).
INBOX_COLUMNS = ["col_session", "col_bot", "col_state", "col_reason", "col_waiting", "col_agent", "col_contact",
                 "col_messages", "col_from"]
REFRESH_S = 1.0
_KEYS = set(CONSOLE_TEXTS["en"])  # a state or reason the catalogue does not name is shown as it is


def _waited(seconds: float, say: Callable[..., str]) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return (say("inbox_waited_h", h=minutes // 60, m=minutes % 60) if minutes >= 60
            else say("inbox_waited_m", m=minutes, s=secs))


def _messages(items: list[dict[str, Any]], say: Callable[..., str]) -> list[dict[str, Any]]:
    """The transcript as Chatbot messages: the customer on the right, the bot and people on the left,
    each cited source as a collapsible note under the bot's answer (notes in the staff's language)."""
    out: list[dict[str, Any]] = []
    for item in items:
        body = safe_markdown(item["text"] or "")
        if item["author"] == "customer":
            out.append({"role": "user", "content": body})
        elif item["kind"] == "agent_message":
            out.append({"role": "assistant", "content": f"**{safe_markdown(item['name'])}**\n\n{body}"})
        elif item["kind"] in ("agent_joined", "agent_left", "closed"):
            key = {"agent_joined": "inbox_joined", "agent_left": "inbox_left", "closed": "inbox_closed"}[item["kind"]]
            out.append({"role": "assistant", "content": say(key, name=safe_markdown(item["name"]))})
        else:  # the bot's answer or notice
            note = say("inbox_refused") if item.get("refused") else ""
            out.append({"role": "assistant", "content": (body or "…") + note})
            for s in item.get("sources") or []:
                where = f" · {s['location']}" if s.get("location") else ""
                out.append({"role": "assistant", "content": f"> {safe_markdown(s.get('text') or '')}\n\n"
                                                            f"{source_markdown(s['source'])}",
                            "metadata": {"title": f"[{s['n']}] {s.get('title') or s['source']}{where}",
                                         "status": "done"}})
    return out


def inbox_tab(service):
    """Lay out the tab; returns its table and the function that gives the table's rows."""
    live = service.live
    t, say = console_i18n(), functools.partial(console_text, service)

    def state(name: str) -> str:
        return say(f"inbox_state_{name}") if f"inbox_state_{name}" in _KEYS else name

    def staff_name(request: gr.Request | None, session_id: str = "") -> str:
        """The signed-in staff member (``ui/staff.py``'s console session): the name customers see;
        NotFound for ``session_id`` of a bot they are not limited to (the one place this tab checks it)."""
        account = service.staff.console(getattr(request, "username", None))
        if account is None:
            raise gr.Error(say("inbox_signed_out"))
        if session_id and account["bots"] and (
                service.storage.conversations.session_bot(session_id) or DEFAULT_BOT) not in account["bots"]:
            raise NotFound(f"no conversation {session_id!r}")
        return account["name"]

    def rows(request: gr.Request | None = None):
        """The table's rows: the signed-in member's bots' conversations (none without a session)."""
        account = service.staff.console(getattr(request, "username", None))
        return console_table(service, INBOX_COLUMNS, [
            [c["session_id"], service.bots.public_name(c["bot"]), state(c["state"]), c["reason"],
             _waited(c["waiting_s"], say), c["claimed_by"], c["contact"], c["messages"], c["owner"]]
            for c in (live.inbox(bots=tuple(account["bots"])) if account else [])])

    def header(talk: dict[str, Any]) -> str:
        who = say("inbox_by", name=safe_markdown(talk["claimed_by"])) if talk["claimed_by"] else ""
        contact = say("inbox_contact", contact=talk["contact"]) if talk["contact"] else ""
        reason = (say(f"inbox_reason_{talk['reason']}") if f"inbox_reason_{talk['reason']}" in _KEYS
                  else talk["reason"] or "-")
        return say("inbox_about", state=state(talk["state"]), who=who, reason=reason, contact=contact)

    def show(session_id: str, request: gr.Request | None = None):
        if not session_id:
            return say("inbox_choose"), []
        try:
            staff_name(request, session_id)
            talk = live.conversation(session_id)
        except HelpdeskError as exc:
            return f"⚠️ {exc}", []
        return header(talk), _messages(talk["items"], say)

    def refresh(session_id: str, last: str, request: gr.Request):
        """The list and the open conversation, sent to the page only when they changed."""
        if account := service.staff.console(getattr(request, "username", None)):
            live.seen(account["name"])  # a signed-in staff member watching the inbox is available
        table_rows = rows(request)
        about_text, messages = show(session_id, request)
        now = repr((table_rows, about_text, len(messages), messages[-1:] if messages else None))
        if now == last:
            return gr.update(), gr.update(), gr.update(), last
        return table_rows, about_text, messages, now

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        return row[0] if row else ""

    def move(action: str):
        def run(session_id: str, request: gr.Request):
            if not session_id:
                return say("inbox_choose_first"), gr.update(), gr.update(), gr.update()
            try:
                getattr(live, action)(session_id, staff_name(request, session_id))
            except HelpdeskError as exc:
                return f"⚠️ {exc}", rows(request), *show(session_id, request)
            return say(f"inbox_done_{action}"), rows(request), *show(session_id, request)
        return run

    def send(session_id: str, reply: str, request: gr.Request):
        if not session_id:
            return say("inbox_choose_first"), reply, gr.update(), gr.update()
        try:
            live.reply(session_id, staff_name(request, session_id), reply or "")
        except HelpdeskError as exc:
            return f"⚠️ {exc}", reply, *show(session_id, request)
        return say("inbox_sent"), "", *show(session_id, request)

    def save_faq(session_id: str, reply: str, request: gr.Request):
        if not session_id:
            return say("inbox_choose_first")
        try:
            items = live.conversation(session_id)["items"] if staff_name(request, session_id) else []
            asked = [i["text"] for i in items if i["kind"] == "question"]  # what the bot was asked
            question = asked[-1] if asked else next((i["text"] for i in reversed(items)
                                                     if i["author"] == "customer"), "")
            answer = (reply or "").strip() or next(
                (i["text"] for i in reversed(items) if i["kind"] == "agent_message"), "")
            bot = service.storage.conversations.session_bot(session_id) or DEFAULT_BOT  # that bot's FAQ
            entry = service.bots.admin(bot).save_faq(question, answer, actor=staff_name(request))
        except HelpdeskError as exc:
            return f"⚠️ {exc}"
        return say("inbox_saved", id=entry, question=safe_markdown(question[:80]))

    gr.Markdown(t("inbox_intro"))
    table = gr.Dataframe(headers=headers(INBOX_COLUMNS), label=t("inbox_table"),
                         interactive=False, wrap=True, elem_id="inbox-table")
    chosen = gr.Textbox(label=t("inbox_chosen"), elem_id="inbox-session", interactive=True)
    about = gr.Markdown(elem_id="inbox-about")
    transcript = gr.Chatbot(label=t("inbox_transcript"), height=420, elem_id="inbox-transcript", layout="bubble")
    with gr.Row():
        claim_btn = gr.Button(t("inbox_claim"), variant="primary", elem_id="inbox-claim")
        release_btn = gr.Button(t("inbox_release"), elem_id="inbox-release")
        close_btn = gr.Button(t("inbox_close"), variant="stop", elem_id="inbox-close")
    reply = gr.Textbox(label=t("inbox_reply"), lines=2, elem_id="inbox-reply", max_length=4000)
    with gr.Row():
        send_btn = gr.Button(t("inbox_send"), variant="primary", elem_id="inbox-send")
        faq_btn = gr.Button(t("inbox_faq"), elem_id="inbox-faq")
    status = gr.Markdown(elem_id="inbox-status")
    timer = gr.Timer(REFRESH_S)
    shown = gr.State("")

    timer.tick(refresh, [chosen, shown], [table, about, transcript, shown], queue=False, show_progress="hidden")
    table.select(pick, None, [chosen]).then(show, [chosen], [about, transcript])
    for button, action in ((claim_btn, "claim"), (release_btn, "release"), (close_btn, "close")):
        button.click(move(action), [chosen], [status, table, about, transcript])
    send_btn.click(send, [chosen, reply], [status, reply, about, transcript])
    reply.submit(send, [chosen, reply], [status, reply, about, transcript])
    faq_btn.click(save_faq, [chosen, reply], [status])
    return table, rows
