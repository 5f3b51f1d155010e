"""The admin console's "Bots" tab: add and remove bots, and for the bot chosen at the top of the tab,
its documents (upload, list, delete), FAQ entries and conversations.

Called inside the console's Blocks, within a ``gr.Tab``. The other tabs are the default bot's;
this one works through the same KnowledgeAdmin and stores, for any bot (``ui/bots.py``).
"""

from __future__ import annotations

import functools

import gradio as gr

from knowledge.errors import HelpdeskError

from .console_texts import console_i18n, console_table, console_text, headers

__all__ = ["bots_tab"]

# Table columns as keys of the console's catalogue (ui/console_texts.py).
BOT_COLUMNS = ["col_name", "col_display_name", "col_created"]
DOC_COLUMNS = ["col_source", "col_title", "col_chunks", "col_ingested"]
FAQ_COLUMNS = ["col_num", "col_question", "col_answer"]
TALK_COLUMNS = ["col_session", "col_last", "col_turns", "col_refused", "col_last_question"]


def bots_tab(service):
    """Lay out the tab; returns its table of bots and the function that gives its rows."""
    bots = service.bots
    t, say = console_i18n(), functools.partial(console_text, service)

    def rows():
        return console_table(service, BOT_COLUMNS, [[service.settings.bot_name, say("bot_default"), ""]] + [
            [b["name"], b["display_name"], b["created_at"]] for b in bots.store.list()])

    def tables(docs=(), faq=(), talks=()):
        return (console_table(service, DOC_COLUMNS, list(docs)), console_table(service, FAQ_COLUMNS, list(faq)),
                console_table(service, TALK_COLUMNS, list(talks)))

    def of(bot: str):
        """The chosen bot's documents, FAQ entries and conversations (empty tables for none)."""
        if not bot:
            return tables()
        try:
            name = bots.resolve(bot)
            docs = [[d["source"], d["title"], d["chunks"], d["ingested_at"]] for d in bots.admin(name).documents()]
            faq = [[e["id"], e["question"], e["answer"]] for e in service.storage.faq.entries(name)]
            talks = [[c["session_id"], c["last_at"], c["turns"], c["refused"], c["last_question"]]
                     for c in service.storage.feedback.conversations(200, 0, name)]
        except HelpdeskError as exc:
            gr.Warning(str(exc))
            return tables()
        return tables(docs, faq, talks)

    def add(name: str, display: str, request: gr.Request):
        try:
            made = bots.add((name or "").strip(), display or "")
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), gr.update()
        service.audit.record(request.username or "admin", "bot.add", made["name"],
                             {"display_name": made["display_name"]})
        return (say("bot_added", name=made["name"]), rows(),
                gr.update(choices=bots.names(), value=made["name"]))

    def remove(bot: str, delete_knowledge: bool, request: gr.Request):
        try:
            gone = bots.remove(bot or "", delete_knowledge)
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), gr.update()
        service.audit.record(request.username or "admin", "bot.remove", gone["name"],
                             {"documents_deleted": gone["documents_deleted"]})
        return (say("bot_removed", name=gone["name"], count=gone["documents_deleted"]), rows(),
                gr.update(choices=bots.names(), value=service.settings.bot_name))

    def upload(bot: str, files, request: gr.Request):
        if not bot or not files:
            return say("bot_choose_files")
        paths = [f if isinstance(f, str) else getattr(f, "name", str(f)) for f in files]
        handles = [open(p, "rb") for p in paths]
        try:
            names_ = [p.replace("\\", "/").rsplit("/", 1)[-1] for p in paths]
            done = []
            for done in bots.admin(bot).upload(list(zip(names_, handles)), actor=request.username or "admin"):
                pass
        except HelpdeskError as exc:
            return f"⚠️ {exc}"
        finally:
            for h in handles:
                h.close()
        return "; ".join(f"{r['file']}: {r['status']}" + (f" ({r['error']})" if r["error"] else "") for r in done)

    def save_faq(bot: str, question: str, answer: str, request: gr.Request):
        try:
            eid = bots.admin(bot or "").save_faq(question or "", answer or "", actor=request.username or "admin")
        except HelpdeskError as exc:
            return f"⚠️ {exc}"
        return say("bot_faq_saved", id=eid, bot=bot)

    def delete_doc(bot: str, source: str, request: gr.Request):
        try:
            info = bots.admin(bot or "").delete((source or "").strip(), actor=request.username or "admin")
        except HelpdeskError as exc:
            return f"⚠️ {exc}"
        return say("bot_doc_deleted", source=info["source"], bot=bot)

    gr.Markdown(t("bot_intro"))
    table = gr.Dataframe(headers=headers(BOT_COLUMNS), label=t("tab_bots"), interactive=False, wrap=True,
                         elem_id="bots")
    with gr.Row():
        new_name = gr.Textbox(label=t("bot_new_name"), elem_id="bot-name", scale=2)
        new_display = gr.Textbox(label=t("bot_display"), elem_id="bot-display-name", scale=2)
        add_btn = gr.Button(t("bot_add"), variant="primary", elem_id="add-bot", scale=1)
    chosen = gr.Dropdown(bots.names(), value=service.settings.bot_name, label=t("bot_chosen"), elem_id="bot-chosen",
                         allow_custom_value=True)
    status = gr.Markdown(elem_id="bot-status")
    files = gr.File(label=t("bot_files"), file_count="multiple", elem_id="bot-upload")
    upload_btn = gr.Button(t("doc_upload"), elem_id="bot-upload-button")
    docs = gr.Dataframe(headers=headers(DOC_COLUMNS), label=t("bot_documents"), interactive=False, wrap=True,
                        elem_id="bot-documents")
    with gr.Row():
        doc = gr.Textbox(label=t("bot_doc"), scale=3)
        delete_btn = gr.Button(t("bot_delete_doc"), variant="stop", scale=1)
    faq = gr.Dataframe(headers=headers(FAQ_COLUMNS), label=t("bot_faq"), interactive=False, wrap=True,
                       elem_id="bot-faq")
    with gr.Row():
        question = gr.Textbox(label=t("bot_question"), scale=2)
        answer = gr.Textbox(label=t("faq_answer"), scale=3)
        faq_btn = gr.Button(t("bot_faq_add"), scale=1)
    talks = gr.Dataframe(headers=headers(TALK_COLUMNS), label=t("bot_talks"), interactive=False, wrap=True,
                         elem_id="bot-conversations")
    with gr.Row():
        delete_knowledge = gr.Checkbox(label=t("bot_delete_knowledge"), value=False)
        remove_btn = gr.Button(t("bot_remove"), variant="stop", elem_id="remove-bot")
    views = [docs, faq, talks]
    chosen.change(of, [chosen], views)
    add_btn.click(add, [new_name, new_display], [status, table, chosen], concurrency_limit=1)
    remove_btn.click(remove, [chosen, delete_knowledge], [status, table, chosen], concurrency_limit=1)
    upload_btn.click(upload, [chosen, files], [status], concurrency_limit=1).then(of, [chosen], views)
    faq_btn.click(save_faq, [chosen, question, answer], [status], concurrency_limit=1).then(of, [chosen], views)
    delete_btn.click(delete_doc, [chosen, doc], [status], concurrency_limit=1).then(of, [chosen], views)
    table.select(_pick, None, [chosen])
    return table, rows


def _pick(evt: gr.SelectData) -> str:
    row = evt.row_value or []
    return row[0] if row else ""
