"""The admin console at ``/admin`` (login required): documents, test questions, FAQ entries,
unanswered questions, conversations, hand-offs and the website widget's site keys.

The loop it exists for: a question the bot refused, or an answer that got a thumbs down, shows up
under "Unanswered"; one click turns it into an FAQ entry, which the bot then answers word for word.
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from knowledge.errors import HelpdeskError
from knowledge.loaders import SUPPORTED_SUFFIXES

from .admin_keys import site_keys_tab

__all__ = ["admin_page"]

log = logging.getLogger("helpdesk.ui.admin")

DOC_COLUMNS = ["source", "title", "chunks", "FAQ entries", "size", "ingested at (UTC)", "id"]
UPLOAD_COLUMNS = ["file", "stored as", "status", "chunks", "message"]
HIT_COLUMNS = ["relevance", "used", "source", "location", "text"]
FAQ_COLUMNS = ["#", "question", "answer", "updated (UTC)"]
GAP_COLUMNS = ["question", "why", "times", "last asked (UTC)", "bot's answer", "comment"]
TALK_COLUMNS = ["session", "started (UTC)", "last (UTC)", "turns", "refused", "👍", "👎", "hand-offs",
                "last question"]
HANDOFF_COLUMNS = ["#", "when (UTC)", "session", "contact", "message", "turns", "webhook"]


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.1f} KB"


def admin_page(desk) -> gr.Blocks:
    """The Gradio Blocks of the admin console over ``desk``."""
    lib, rec = desk.library, desk.records

    def doc_rows():
        try:
            return [[d["source"], d["title"], d["chunks"], d["faq"], _size(d["bytes"]), d["ingested_at"], d["id"]]
                    for d in lib.documents()]
        except HelpdeskError as exc:
            gr.Warning(str(exc))
            return []

    def faq_rows():
        return [[e["id"], e["question"], e["answer"], e["updated_at"]] for e in rec.faq()]

    def gap_rows():
        return [[g["question"], g["reason"], g["count"], g["last_at"], g["answer"], g["comment"]]
                for g in rec.unanswered()]

    def talk_rows():
        return [[c["session_id"], c["started_at"], c["last_at"], c["turns"], c["refused"],
                 c["feedback"]["up"], c["feedback"]["down"], c["handoffs"], c["last_question"]]
                for c in rec.conversations(200)]

    def handoff_rows():
        return [[h["id"], h["created_at"], h["session_id"], h["contact"], h["message"], h["turns"],
                 h["webhook"] + (f" ({h['webhook_error']})" if h["webhook_error"] else "")]
                for h in rec.handoffs()]

    def refresh_all():
        return doc_rows(), faq_rows(), gap_rows(), talk_rows(), handoff_rows(), key_rows()

    # -- documents ---------------------------------------------------------------------------

    def upload(files):
        if not files:
            gr.Warning("Choose one or more files first.")
            yield gr.update(), "", doc_rows()
            return
        paths = [f if isinstance(f, str) else getattr(f, "name", str(f)) for f in files]
        handles = [open(p, "rb") for p in paths]
        try:
            names = [p.replace("\\", "/").rsplit("/", 1)[-1] for p in paths]
            rows: list[dict[str, Any]] = []
            for rows in lib.upload(list(zip(names, handles))):
                done = sum(r["status"] not in ("waiting", "ingesting") for r in rows)
                yield ([[r["file"], r["source"], r["status"] + ("…" if r["status"] == "ingesting" else ""),
                         r["chunks"], r["error"]] for r in rows],
                       f"Processed {done} of {len(rows)} files.", gr.update())
            failed = sum(r["status"] == "failed" for r in rows)
            summary = f"Done: {len(rows) - failed} ingested, {failed} failed." if rows else ""
            yield gr.update(), summary, doc_rows()
        except HelpdeskError as exc:
            yield gr.update(), f"⚠️ {exc}", doc_rows()
        finally:
            for h in handles:
                h.close()

    def pick_doc(evt: gr.SelectData):
        row = evt.row_value or []
        return row[0] if row else ""

    def delete(source: str):
        if not (source or "").strip():
            return "Choose a document first (click its row).", gr.update(), gr.update()
        try:
            info = lib.delete(source.strip())
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), gr.update()
        return f"Deleted **{info['source']}** ({info['chunks']} chunks).", doc_rows(), ""

    def reingest(source: str):
        if not (source or "").strip():
            return "Choose a document first (click its row).", gr.update()
        try:
            d = lib.reingest(source.strip())
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update()
        if d["status"] == "failed":
            return f"⚠️ {d['error']}", doc_rows()
        note = " (already up to date)" if d["status"] == "unchanged" else ""
        return f"Re-ingested **{d['source']}**: {d['status']}{note}, {d['chunks']} chunks.", doc_rows()

    # -- testing -----------------------------------------------------------------------------

    def test(question: str):
        try:
            result = lib.test(question or "")
        except HelpdeskError as exc:
            return [], f"⚠️ {exc}"
        hits = [[h["relevance"], "yes" if h["used"] else "no", h["source"], h["location"], h["text"]]
                for h in result["hits"]]
        a = result["answer"]
        flags = [f for f, on in (("refused", a.get("refused")), ("FAQ answer", a.get("canned")),
                                 ("model error", result["error"])) if on]
        cited = ", ".join(f"[{s['n']}] {s['source']}" for s in a.get("sources", [])) or "none"
        timings = ", ".join(f"{k} {v:.0f} ms" for k, v in a.get("timings_ms", {}).items())
        md = (f"**Answer**{' (' + ', '.join(flags) + ')' if flags else ''}:\n\n{a.get('answer', '')}\n\n"
              f"Cited: {cited}  \nChunks with a relevance under {result['min_score']:.2f} are not used.  \n{timings}")
        return hits, md

    # -- FAQ and unanswered ------------------------------------------------------------------

    def pick_faq(evt: gr.SelectData):
        row = evt.row_value or []
        return (row[0], row[1], row[2]) if row else (None, "", "")

    def save_faq(entry_id, question: str, answer: str):
        try:
            eid = lib.save_faq(question or "", answer or "", int(entry_id) if entry_id else None)
        except HelpdeskError as exc:
            return f"⚠️ {exc}", entry_id, gr.update(), gr.update()
        return f"Saved FAQ entry #{eid}; the bot now answers it word for word.", eid, faq_rows(), gap_rows()

    def delete_faq(entry_id):
        if not entry_id:
            return "Choose an entry first (click its row).", gr.update(), None, "", ""
        try:
            lib.delete_faq(int(entry_id))
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), entry_id, gr.update(), gr.update()
        return f"Deleted FAQ entry #{int(entry_id)}.", faq_rows(), None, "", ""

    def pick_gap(evt: gr.SelectData):
        row = evt.row_value or []
        return row[0] if row else ""

    def add_gap(question: str, answer: str):
        try:
            eid = lib.save_faq(question or "", answer or "")
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), gr.update(), gr.update(), gr.update()
        return f"Added FAQ entry #{eid}.", gap_rows(), faq_rows(), "", ""

    # -- conversations -----------------------------------------------------------------------

    def pick_talk(evt: gr.SelectData):
        """The chosen conversation as plain text: customers wrote it, so nothing in it is rendered
        (a Markdown image would load from the customer's server, a link would look like ours)."""
        row = evt.row_value or []
        if not row:
            return ""
        lines = [f"Conversation {row[0]}", ""]
        for i, t in enumerate(rec.transcript(row[0]), 1):
            mark = ""
            if t["feedback"]:
                mark = " 👍" if t["feedback"]["rating"] > 0 else " 👎"
                if t["feedback"]["comment"]:
                    mark += f" “{t['feedback']['comment']}”"
            flags = " (refused)" if t["refused"] else (" (FAQ)" if t["canned"] else "")
            cited = ", ".join(f"{s['source']}" for s in t["sources"])
            lines += [f"{i}. Customer ({t['at']}): {t['question']}", f"   Bot{flags}{mark}: {t['answer']}"]
            lines += [f"   sources: {cited}"] if cited else []
            lines.append("")
        return "\n".join(lines)

    with gr.Blocks(title="helpdesk admin", analytics_enabled=False) as page:
        with gr.Row():
            gr.Markdown("# helpdesk admin")
            gr.Button("Log out", link="/admin/logout", size="sm", scale=0)
        with gr.Tabs():
            with gr.Tab("Documents", id="documents"):
                files = gr.File(label="Upload files", file_count="multiple", elem_id="upload-files",
                                file_types=sorted(SUPPORTED_SUFFIXES))
                upload_btn = gr.Button("Upload and ingest", variant="primary", elem_id="upload-button")
                upload_status = gr.Markdown(elem_id="upload-status")
                upload_table = gr.Dataframe(headers=UPLOAD_COLUMNS, label="Upload results", interactive=False,
                                            wrap=True, elem_id="upload-results")
                docs = gr.Dataframe(headers=DOC_COLUMNS, label="Documents (click a row to choose it)",
                                    interactive=False, wrap=True, elem_id="documents",
                                    column_widths=["20%", "24%", "9%", "9%", "9%", "17%", "12%"])
                with gr.Row():
                    chosen = gr.Textbox(label="Chosen document", elem_id="chosen-document", scale=3)
                    delete_btn = gr.Button("Delete", variant="stop", elem_id="delete-button", scale=1)
                    reingest_btn = gr.Button("Re-ingest", elem_id="reingest-button", scale=1)
                    refresh_btn = gr.Button("Refresh", scale=1)
                doc_status = gr.Markdown(elem_id="document-status")
            with gr.Tab("Test a question", id="test"):
                tq = gr.Textbox(label="Question", elem_id="test-question")
                test_btn = gr.Button("Test", variant="primary")
                test_answer = gr.Markdown(elem_id="test-answer")
                test_hits = gr.Dataframe(headers=HIT_COLUMNS, label="Retrieved chunks", interactive=False,
                                         wrap=True, elem_id="test-hits")
            with gr.Tab("FAQ", id="faq"):
                faq_table = gr.Dataframe(headers=FAQ_COLUMNS, label="FAQ entries (click a row to edit it)",
                                         interactive=False, wrap=True)
                faq_id = gr.Number(label="Entry #", precision=0, interactive=False)
                faq_q = gr.Textbox(label="Question")
                faq_a = gr.Textbox(label="Answer (returned word for word)", lines=3)
                with gr.Row():
                    faq_save = gr.Button("Save", variant="primary")
                    faq_new = gr.Button("New entry")
                    faq_del = gr.Button("Delete entry", variant="stop")
                faq_status = gr.Markdown()
            with gr.Tab("Unanswered", id="unanswered"):
                gr.Markdown("Questions the bot could not answer, and answers customers disliked. "
                            "Click one, write the answer, and add it as an FAQ entry.")
                gaps = gr.Dataframe(headers=GAP_COLUMNS, interactive=False, wrap=True, elem_id="gaps",
                                    column_widths=["30%", "12%", "8%", "16%", "22%", "12%"])
                gap_q = gr.Textbox(label="Question", elem_id="gap-question")
                gap_a = gr.Textbox(label="Answer", lines=3, elem_id="gap-answer")
                gap_add = gr.Button("Add as FAQ entry", variant="primary")
                gap_status = gr.Markdown()
            with gr.Tab("Conversations", id="conversations"):
                talks = gr.Dataframe(headers=TALK_COLUMNS, label="Conversations (click one to read it)",
                                     interactive=False, wrap=True, elem_id="conversations")
                transcript = gr.Textbox(label="Conversation (as the customer wrote it, nothing rendered)",
                                        interactive=False, lines=12, max_lines=40, elem_id="transcript")
            with gr.Tab("Hand-offs", id="handoffs"):
                handoff_table = gr.Dataframe(headers=HANDOFF_COLUMNS, interactive=False, wrap=True,
                                             elem_id="handoffs")
            with gr.Tab("Website widget", id="widget"):
                keys_table, key_rows = site_keys_tab(desk)
        reload_all = gr.Button("Reload everything", size="sm")

        tables = [docs, faq_table, gaps, talks, handoff_table, keys_table]
        # Refreshes and site-key changes run one after another in arrival order: a slow first
        # refresh must not land after a key was created and show the table without it.
        page.load(refresh_all, outputs=tables, concurrency_limit=1, concurrency_id="keys")
        reload_all.click(refresh_all, outputs=tables, concurrency_limit=1, concurrency_id="keys")
        upload_btn.click(upload, [files], [upload_table, upload_status, docs], concurrency_limit=1)
        docs.select(pick_doc, None, [chosen])
        delete_btn.click(delete, [chosen], [doc_status, docs, chosen], concurrency_limit=1)
        reingest_btn.click(reingest, [chosen], [doc_status, docs], concurrency_limit=1)
        refresh_btn.click(doc_rows, outputs=[docs])
        test_btn.click(test, [tq], [test_hits, test_answer], concurrency_limit=None)
        tq.submit(test, [tq], [test_hits, test_answer], concurrency_limit=None)
        faq_table.select(pick_faq, None, [faq_id, faq_q, faq_a])
        faq_save.click(save_faq, [faq_id, faq_q, faq_a], [faq_status, faq_id, faq_table, gaps], concurrency_limit=1)
        faq_new.click(lambda: (None, "", ""), outputs=[faq_id, faq_q, faq_a])
        faq_del.click(delete_faq, [faq_id], [faq_status, faq_table, faq_id, faq_q, faq_a], concurrency_limit=1)
        gaps.select(pick_gap, None, [gap_q])
        gap_add.click(add_gap, [gap_q, gap_a], [gap_status, gaps, faq_table, gap_q, gap_a], concurrency_limit=1)
        talks.select(pick_talk, None, [transcript])
    page.queue(default_concurrency_limit=4)
    return page
