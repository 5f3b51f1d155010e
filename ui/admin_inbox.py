"""The console's "Inbox" tab: conversations waiting for a person or with one, the transcript (the
bot's cited sources, the hand-off reason), a reply box, claim / release / close, and "save this
reply as an FAQ answer" for the customer's question (in the FAQ of the conversation's bot).

A timer refreshes the list and the open conversation every second, so a customer's new message
shows without reloading; each refresh also records the signed-in staff member as present, which
makes a person "available" to customers (``ui/livechat.py``). Called inside the console's Blocks,
within a ``gr.Tab``.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from knowledge.errors import HelpdeskError

from .safe_markdown import safe_markdown, source_markdown
from .storage import DEFAULT_BOT

__all__ = ["inbox_tab", "INBOX_COLUMNS"]

INBOX_COLUMNS = ["session", "bot", "state", "reason", "waiting", "agent", "contact", "messages", "from"]
REFRESH_S = 1.0


def _waited(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}h {minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m {secs:02d}s"


def _messages(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The transcript as Chatbot messages: the customer on the right, the bot and people on the left,
    each cited source as a collapsible note under the bot's answer."""
    out: list[dict[str, Any]] = []
    for item in items:
        body = safe_markdown(item["text"] or "")
        if item["author"] == "customer":
            out.append({"role": "user", "content": body})
        elif item["kind"] == "agent_message":
            out.append({"role": "assistant", "content": f"**{safe_markdown(item['name'])}**\n\n{body}"})
        elif item["kind"] in ("agent_joined", "agent_left", "closed"):
            verb = {"agent_joined": "joined", "agent_left": "left (back to the assistant)",
                    "closed": "closed the conversation"}[item["kind"]]
            out.append({"role": "assistant", "content": f"*{safe_markdown(item['name'])} {verb}*"})
        else:  # the bot's answer or notice
            note = " *(refused)*" if item.get("refused") else ""
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

    def staff_name(request: gr.Request | None) -> str:
        """The signed-in staff member (``ui/staff.py``'s console session): the name customers see."""
        account = service.staff.console(getattr(request, "username", None))
        if account is None:
            raise gr.Error("Sign in again: this console session has ended.")
        return account["name"]

    def rows():
        return [[c["session_id"], service.bots.public_name(c["bot"]), c["state"], c["reason"],
                 _waited(c["waiting_s"]), c["claimed_by"], c["contact"], c["messages"], c["owner"]]
                for c in live.inbox()]

    def header(talk: dict[str, Any]) -> str:
        who = f" by **{safe_markdown(talk['claimed_by'])}**" if talk["claimed_by"] else ""
        contact = f" · contact: `{talk['contact']}`" if talk["contact"] else ""
        reason = {"asked": "asked for a person", "refused": "the bot could not answer",
                  "thumbs_down": "thumbs down on an answer"}.get(talk["reason"], talk["reason"] or "-")
        return f"**{talk['state']}**{who} · hand-off: {reason}{contact}"

    def show(session_id: str):
        if not session_id:
            return "Choose a conversation (click its row).", []
        try:
            talk = live.conversation(session_id)
        except HelpdeskError as exc:
            return f"⚠️ {exc}", []
        return header(talk), _messages(talk["items"])

    def refresh(session_id: str, last: str, request: gr.Request):
        """The list and the open conversation, sent to the page only when they changed."""
        if account := service.staff.console(getattr(request, "username", None)):
            live.seen(account["name"])  # a signed-in staff member watching the inbox is available
        table_rows = rows()
        about_text, messages = show(session_id)
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
                return "Choose a conversation first (click its row).", gr.update(), gr.update(), gr.update()
            try:
                getattr(live, action)(session_id, staff_name(request))
            except HelpdeskError as exc:
                return f"⚠️ {exc}", rows(), *show(session_id)
            return f"Done: {action}.", rows(), *show(session_id)
        return run

    def send(session_id: str, reply: str, request: gr.Request):
        if not session_id:
            return "Choose a conversation first (click its row).", reply, gr.update(), gr.update()
        try:
            live.reply(session_id, staff_name(request), reply or "")
        except HelpdeskError as exc:
            return f"⚠️ {exc}", reply, *show(session_id)
        return "Sent.", "", *show(session_id)

    def save_faq(session_id: str, reply: str, request: gr.Request):
        if not session_id:
            return "Choose a conversation first (click its row)."
        try:
            items = live.conversation(session_id)["items"]
            asked = [i["text"] for i in items if i["kind"] == "question"]  # what the bot was asked
            question = asked[-1] if asked else next((i["text"] for i in reversed(items)
                                                     if i["author"] == "customer"), "")
            answer = (reply or "").strip() or next(
                (i["text"] for i in reversed(items) if i["kind"] == "agent_message"), "")
            bot = service.storage.conversations.session_bot(session_id) or DEFAULT_BOT  # that bot's FAQ
            entry = service.bots.admin(bot).save_faq(question, answer, actor=staff_name(request))
        except HelpdeskError as exc:
            return f"⚠️ {exc}"
        return f"Saved FAQ entry #{entry}: the bot now answers “{safe_markdown(question[:80])}” with this reply."

    gr.Markdown("Conversations whose customer asked for a person, the longest waiting first. Claim one to "
                "write to the customer; release it to hand it back to the assistant.")
    table = gr.Dataframe(headers=INBOX_COLUMNS, label="Waiting and active conversations (click a row)",
                         interactive=False, wrap=True, elem_id="inbox-table")
    chosen = gr.Textbox(label="Conversation", elem_id="inbox-session", interactive=True)
    about = gr.Markdown(elem_id="inbox-about")
    transcript = gr.Chatbot(label="Transcript", height=420, elem_id="inbox-transcript", layout="bubble")
    with gr.Row():
        claim_btn = gr.Button("Claim", variant="primary", elem_id="inbox-claim")
        release_btn = gr.Button("Release to the assistant", elem_id="inbox-release")
        close_btn = gr.Button("Close", variant="stop", elem_id="inbox-close")
    reply = gr.Textbox(label="Reply to the customer", lines=2, elem_id="inbox-reply", max_length=4000)
    with gr.Row():
        send_btn = gr.Button("Send", variant="primary", elem_id="inbox-send")
        faq_btn = gr.Button("Save this reply as an FAQ answer", elem_id="inbox-faq")
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
