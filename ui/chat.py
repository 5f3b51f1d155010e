"""The customer chat at ``/``: streamed answers with their sources, feedback, and a way to a person.

The conversation lives in a per-browser ``gr.State`` (messages, session id, which message answers
which turn), so the Chatbot component only displays it; the session id never leaves the server.
Page labels follow the browser's language; texts inside the conversation follow the language of
the question. Messages, feedback and hand-offs meet the same length checks and rate limits as the
API: a message is checked before it is kept in the state, so an oversized one costs nothing.
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from bot.texts import text
from knowledge.errors import HelpdeskError, InputError
from knowledge.lang import detect_language

from .deps import client_of
from .errors import chat_message, is_fault
from .gate import RateLimited
from .safe_markdown import safe_markdown, source_markdown
from .texts import i18n

__all__ = ["chat_page", "CHAT_CSS"]

log = logging.getLogger("helpdesk.ui.chat")

CHAT_CSS = "#helpdesk-chat { max-width: 860px; margin: 0 auto; }"
CHAT = "chat"  # the owner of conversations started on this page


def _fresh() -> dict[str, Any]:
    return {"messages": [], "session": None, "turns": 0, "answers": {}, "lang": None, "feedback": None,
            "last_event": 0}


def _live_message(event: dict[str, Any], lang: str) -> dict[str, Any] | None:
    """What a person's event shows in the chat (None for events the page shows otherwise)."""
    name = safe_markdown(event["name"])
    if event["kind"] == "agent_message":
        return {"role": "assistant", "content": f"**{name}**\n\n{safe_markdown(event['text'])}"}
    if event["kind"] in ("agent_joined", "agent_left"):
        return {"role": "assistant", "content": f"*{text(event['kind'], lang, name=name)}*"}
    if event["kind"] == "closed":
        return {"role": "assistant", "content": f"*{text('live_closed', lang, name=name)}*"}
    return None


def _browser_lang(request: gr.Request | None) -> str:
    accept = (request.headers.get("accept-language", "") if request is not None else "").lower()
    return "zh" if accept.startswith("zh") else "en"


def _sources_messages(sources: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """One collapsible message per cited source: title and location as its header, the quote inside."""
    out = []
    label = text("source", lang)
    for s in sources:
        where = f" · {s['location']}" if s.get("location") else ""
        title = f"{label} [{s['n']}] {s.get('title') or s['source']}{where}"
        quote = "\n".join("> " + line for line in safe_markdown((s.get("text") or "").strip()).splitlines())
        out.append({"role": "assistant", "content": f"{quote}\n\n{source_markdown(s['source'])}",
                    "metadata": {"title": title, "status": "done"}})
    return out


def _note(state: dict[str, Any], note: str) -> list[dict[str, Any]]:
    state["messages"] = state["messages"] + [{"role": "assistant", "content": note}]
    return state["messages"]


def chat_page(service) -> gr.Blocks:
    """The Gradio Blocks of the customer chat over ``service``."""
    s = service.settings.server
    t = i18n()
    default_title = s.title == "Help center"

    def ask(message: str, state: dict[str, Any], request: gr.Request):
        """Put the customer's message in the chat and clear the box; the answer follows."""
        message = (message or "").strip() if isinstance(message, str) else ""
        state = dict(state or _fresh())
        if not message:
            return "", state["messages"], state
        try:  # a refused message is neither kept nor shown back: only the reason is
            service.check_message(message)
            service.limiter.check(client_of(request))
        except (InputError, RateLimited) as exc:
            return "", _note(state, chat_message(exc, detect_language(message[:500]))), state
        state["messages"] = state["messages"] + [{"role": "user", "content": safe_markdown(message)}]
        state["pending"] = message
        return "", state["messages"], state

    def respond(state: dict[str, Any], request: gr.Request):
        """Stream the answer to the pending message, then its sources."""
        question = state.pop("pending", None)
        if not question:
            yield state["messages"], state
            return
        lang = detect_language(question)
        state["lang"] = lang
        messages = state["messages"]
        reply = {"role": "assistant", "content": "…"}
        messages.append(reply)
        index = len(messages) - 1
        yield messages, state
        try:
            state["session"] = service.open_session(state.get("session"), CHAT)
            if service.live.customer_message(state["session"], question):  # a person has it: no answer
                messages.pop()
                yield messages, state
                return
            placeholder = True  # "…" or the queue position, replaced by the first words
            written = ""  # the answer as written; the chat shows it through safe_markdown
            for event in service.answer_stream(question, state["session"]):
                if event.kind == "queued":
                    reply["content"], placeholder = text("waiting", lang, ahead=event.data), True
                elif event.kind == "token":
                    written = ("" if placeholder else written) + event.data
                    reply["content"], placeholder = safe_markdown(written), False
                elif event.kind in ("replace", "error"):
                    written = event.data
                    reply["content"] = safe_markdown(written)
                elif event.kind == "sources":
                    messages.extend(_sources_messages(event.data, lang))
                elif event.kind == "done":
                    answer = event.data
                    state["session"] = answer.session_id
                    if not answer.error:
                        turn = {"turn": state["turns"], "question": question}
                        state["answers"].update({str(i): turn for i in range(index, len(messages))})
                        state["turns"] += 1
                yield messages, state
        except HelpdeskError as exc:  # Busy and RateLimited too
            if is_fault(exc):
                log.exception("answer failed")
            reply["content"] = chat_message(exc, lang)
        yield messages, state

    def pick_example(state: dict[str, Any], evt: gr.SelectData, request: gr.Request):
        value = evt.value if isinstance(evt.value, dict) else {"text": str(evt.value)}
        return ask(value.get("text", ""), state, request)

    def rate(state: dict[str, Any], evt: gr.LikeData, request: gr.Request):
        """Thumbs up or down on an answer; a thumbs down opens the comment box."""
        index = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        turn = state["answers"].get(str(index))
        lang = state.get("lang") or _browser_lang(request)
        liked = evt.liked
        if turn is None or state.get("session") is None or liked in (None, ""):
            return gr.update(), state
        up = liked is True or (isinstance(liked, str) and liked.lower() == "like")
        try:
            state["feedback"] = service.feedback(state["session"], "up" if up else "down", "", turn["turn"],
                                              owner=CHAT, client=client_of(request))
        except RateLimited as exc:
            gr.Warning(text("rate_limited", lang, seconds=exc.retry_after))
            return gr.update(), state
        except HelpdeskError as exc:
            log.warning("feedback not recorded: %s", exc)
            return gr.update(), state
        gr.Info(text("thanks_up" if up else "thanks_down", lang))
        return gr.update(visible=not up), state

    def comment(note: str, state: dict[str, Any], request: gr.Request):
        lang = state.get("lang") or _browser_lang(request)
        if state.get("feedback") and isinstance(note, str) and note.strip():
            try:
                service.comment(state["feedback"], note[:2000], client=client_of(request))
                gr.Info(text("comment_saved", lang))
            except RateLimited as exc:
                gr.Warning(text("rate_limited", lang, seconds=exc.retry_after))
            except HelpdeskError as exc:
                gr.Warning(str(exc))
        return "", gr.update(visible=False), state

    def human(contact: str, state: dict[str, Any], request: gr.Request):
        """Record a hand-off with the transcript (and POST it to the webhook if configured)."""
        lang = state.get("lang") or _browser_lang(request)
        if not state.get("session") or not state.get("turns"):
            note = text("handoff_empty", lang)
        else:
            contact = (contact if isinstance(contact, str) else "")[:500]
            try:
                done = service.handoff(state["session"], contact, owner=CHAT, client=client_of(request))
                shown = text("handoff_contact", lang, contact=contact.strip()) if contact.strip() else ""
                note = text("handoff_done", lang, id=done["id"], contact=shown) + "\n\n" + done["notice"]
                state["last_event"] = max([e["id"] for e in service.storage.live.events(
                    state["session"], state["last_event"])], default=state["last_event"])
                state["live"] = True
            except HelpdeskError as exc:
                if is_fault(exc):
                    log.exception("hand-off failed: %s", exc)
                note = chat_message(exc, lang)
        state["messages"] = state["messages"] + [{"role": "assistant", "content": note}]
        return state["messages"], state, gr.Timer(active=bool(state.get("live")))

    def follow(state: dict[str, Any], request: gr.Request):
        """While a person may write, show their new messages (the timer stops when they leave)."""
        if not state or not state.get("live") or not state.get("session"):
            return gr.update(), state, gr.Timer(active=False)
        lang = state.get("lang") or _browser_lang(request)
        events = service.storage.live.events(state["session"], state["last_event"])
        if not events:
            return gr.update(), state, gr.Timer(active=True)
        state = dict(state)
        for event in events:
            state["last_event"] = event["id"]
            shown = _live_message(event, lang)
            if shown is not None:
                state["messages"] = state["messages"] + [shown]
            if event["kind"] in ("agent_left", "closed"):
                state["live"] = False
        return state["messages"], state, gr.Timer(active=state["live"])

    with gr.Blocks(title=s.title, analytics_enabled=False) as page:
        with gr.Column(elem_id="helpdesk-chat"):
            gr.Markdown(f"## {t('title') if default_title else s.title}")
            gr.Markdown(t("intro") if default_title else "")
            state = gr.State(_fresh)
            chatbot = gr.Chatbot(
                label=t("chat_label"), height=560, elem_id="chatbot", buttons=["copy"],
                feedback_options=("Like", "Dislike"), examples=[{"text": q} for q in s.examples],
                layout="bubble", group_consecutive_messages=True,
            )
            box = gr.Textbox(placeholder=t("placeholder"), show_label=False, elem_id="question",
                             submit_btn=True, max_length=service.settings.max_question_chars, autofocus=True)
            with gr.Row(visible=False) as comment_row:
                note = gr.Textbox(placeholder=t("comment"), show_label=False, scale=4, elem_id="comment")
                note_send = gr.Button(t("comment_send"), scale=1, size="sm")
            with gr.Row():
                contact = gr.Textbox(placeholder=t("contact"), show_label=False, scale=3, elem_id="contact")
                to_human = gr.Button(t("human"), scale=1, elem_id="human", variant="secondary")
            live = gr.Timer(1.0, active=False)  # a person's messages, polled while they may write

        # The answer event needs no concurrency limit of Gradio's own: service.gate admits answers
        # for the chat and the API together.
        box.submit(ask, [box, state], [box, chatbot, state], queue=False).then(
            respond, [state], [chatbot, state], concurrency_limit=None, show_progress="hidden")
        chatbot.example_select(pick_example, [state], [box, chatbot, state], queue=False).then(
            respond, [state], [chatbot, state], concurrency_limit=None, show_progress="hidden")
        chatbot.like(rate, [state], [comment_row, state], queue=False)
        chatbot.clear(_fresh, None, [state], queue=False)  # the trash icon starts a new conversation
        note_send.click(comment, [note, state], [note, comment_row, state], queue=False)
        note.submit(comment, [note, state], [note, comment_row, state], queue=False)
        to_human.click(human, [contact, state], [chatbot, state, live], concurrency_limit=None)
        live.tick(follow, [state], [chatbot, state, live], queue=False, show_progress="hidden")
    page.queue(max_size=None, default_concurrency_limit=None)
    return page
