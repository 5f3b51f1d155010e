"""The admin console's "Bots" tab: add and remove bots, and for the bot chosen at the top of the tab,
its documents (upload, list, delete), FAQ entries and conversations.

Called inside the console's Blocks, within a ``gr.Tab``. The other tabs are the default bot's;
this one works through the same KnowledgeAdmin and stores, for any bot (``ui/bots.py``).
"""

from __future__ import annotations

import gradio as gr

from knowledge.errors import HelpdeskError

__all__ = ["bots_tab"]

BOT_COLUMNS = ["name", "display name", "created (UTC)"]
DOC_COLUMNS = ["source", "title", "chunks", "ingested at (UTC)"]
FAQ_COLUMNS = ["#", "question", "answer"]
TALK_COLUMNS = ["session", "last (UTC)", "turns", "refused", "last question"]


def bots_tab(service):
    """Lay out the tab; returns its table of bots and the function that gives its rows."""
    bots = service.bots

    def rows():
        return [[service.settings.bot_name, "(the default bot: the other tabs)", ""]] + [
            [b["name"], b["display_name"], b["created_at"]] for b in bots.store.list()]

    def of(bot: str):
        """The chosen bot's documents, FAQ entries and conversations (empty tables for none)."""
        if not bot:
            return [], [], []
        try:
            name = bots.resolve(bot)
            docs = [[d["source"], d["title"], d["chunks"], d["ingested_at"]] for d in bots.admin(name).documents()]
            faq = [[e["id"], e["question"], e["answer"]] for e in service.storage.faq.entries(name)]
            talks = [[c["session_id"], c["last_at"], c["turns"], c["refused"], c["last_question"]]
                     for c in service.storage.feedback.conversations(200, 0, name)]
        except HelpdeskError as exc:
            gr.Warning(str(exc))
            return [], [], []
        return docs, faq, talks

    def add(name: str, display: str, request: gr.Request):
        try:
            made = bots.add((name or "").strip(), display or "")
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), gr.update()
        service.audit.record(request.username or "admin", "bot.add", made["name"],
                             {"display_name": made["display_name"]})
        return (f"Added bot **{made['name']}**: choose it above and upload its documents.", rows(),
                gr.update(choices=bots.names(), value=made["name"]))

    def remove(bot: str, delete_knowledge: bool, request: gr.Request):
        try:
            gone = bots.remove(bot or "", delete_knowledge)
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), gr.update()
        service.audit.record(request.username or "admin", "bot.remove", gone["name"],
                             {"documents_deleted": gone["documents_deleted"]})
        return (f"Removed bot **{gone['name']}** ({gone['documents_deleted']} documents deleted).", rows(),
                gr.update(choices=bots.names(), value=service.settings.bot_name))

    def upload(bot: str, files, request: gr.Request):
        if not bot or not files:
            return "Choose a bot and one or more files first."
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
        return f"Saved FAQ entry #{eid} of **{bot}**."

    def delete_doc(bot: str, source: str, request: gr.Request):
        try:
            info = bots.admin(bot or "").delete((source or "").strip(), actor=request.username or "admin")
        except HelpdeskError as exc:
            return f"⚠️ {exc}"
        return f"Deleted **{info['source']}** from **{bot}**."

    gr.Markdown("Each bot has its own knowledge base, FAQ entries, persona, conversations and keys "
                "(`helpdesk bots`, docs/bots.md). The other tabs show the default bot; choose a bot here "
                "to manage its knowledge.")
    table = gr.Dataframe(headers=BOT_COLUMNS, label="Bots", interactive=False, wrap=True, elem_id="bots")
    with gr.Row():
        new_name = gr.Textbox(label="New bot's name (a-z, 0-9, - and _)", elem_id="bot-name", scale=2)
        new_display = gr.Textbox(label="Display name", elem_id="bot-display-name", scale=2)
        add_btn = gr.Button("Add bot", variant="primary", elem_id="add-bot", scale=1)
    chosen = gr.Dropdown(bots.names(), value=service.settings.bot_name, label="Bot", elem_id="bot-chosen",
                         allow_custom_value=True)
    status = gr.Markdown(elem_id="bot-status")
    files = gr.File(label="Upload files into the chosen bot", file_count="multiple", elem_id="bot-upload")
    upload_btn = gr.Button("Upload and ingest", elem_id="bot-upload-button")
    docs = gr.Dataframe(headers=DOC_COLUMNS, label="The bot's documents", interactive=False, wrap=True,
                        elem_id="bot-documents")
    with gr.Row():
        doc = gr.Textbox(label="Document to delete (source)", scale=3)
        delete_btn = gr.Button("Delete document", variant="stop", scale=1)
    faq = gr.Dataframe(headers=FAQ_COLUMNS, label="The bot's FAQ entries", interactive=False, wrap=True,
                       elem_id="bot-faq")
    with gr.Row():
        question = gr.Textbox(label="FAQ question", scale=2)
        answer = gr.Textbox(label="Answer (returned word for word)", scale=3)
        faq_btn = gr.Button("Add FAQ entry", scale=1)
    talks = gr.Dataframe(headers=TALK_COLUMNS, label="The bot's conversations", interactive=False, wrap=True,
                         elem_id="bot-conversations")
    with gr.Row():
        delete_knowledge = gr.Checkbox(label="Also delete its knowledge base", value=False)
        remove_btn = gr.Button("Remove the chosen bot", variant="stop", elem_id="remove-bot")
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
