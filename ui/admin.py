"""The admin console at ``/admin`` (login required): documents, test questions, FAQ entries,
unanswered questions, conversations, the inbox of live hand-offs (``ui/admin_inbox.py``),
hand-offs, the website widget's site keys, insights (``ui/admin_insights.py``) and the websites
and folders kept in step (``ui/admin_sources.py``).

The loop it exists for: a question the bot refused, or an answer that got a thumbs down, shows up
under "Unanswered"; one click turns it into an FAQ entry, which the bot then answers word for word.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, NamedTuple

import gradio as gr

from knowledge.errors import HelpdeskError
from knowledge.loaders import SUPPORTED_SUFFIXES

from .admin_api_keys import api_keys_tab
from .admin_bots import bots_tab
from .admin_inbox import inbox_tab
from .admin_insights import insights_tab
from .admin_keys import site_keys_tab
from .admin_sources import sources_tab
from .admin_staff import _APPLY_LANG, admin_only, audit_tab, console_actor, header, users_tab, whoami
from .console_texts import console_i18n, console_table, console_text, headers
from .storage import DEFAULT_BOT

__all__ = ["admin_page", "Tab"]

log = logging.getLogger("helpdesk.ui.admin")

# Table columns as keys of the console's catalogue (ui/console_texts.py).
DOC_COLUMNS = ["col_source", "col_title", "col_chunks", "col_faq", "col_size", "col_ingested", "col_id"]
UPLOAD_COLUMNS = ["col_file", "col_stored", "col_status", "col_chunks", "col_message"]
HIT_COLUMNS = ["col_relevance", "col_used", "col_source", "col_location", "col_text"]
FAQ_COLUMNS = ["col_num", "col_question", "col_answer", "col_updated"]
GAP_COLUMNS = ["col_question", "col_why", "col_times", "col_last_asked", "col_bot_answer", "col_comment"]
TALK_COLUMNS = ["col_session", "col_started", "col_last", "col_turns", "col_refused", "col_up", "col_down",
                "col_handoffs", "col_last_question"]
HANDOFF_COLUMNS = ["col_num", "col_when", "col_session", "col_contact", "col_message", "col_turns", "col_webhook"]


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.1f} KB"


class Tab(NamedTuple):
    """What the page needs of a tab: its table, the function that gives the table's rows, and the
    event after which another tab's table changes too (None when no other tab depends on it)."""

    table: gr.Dataframe
    rows: Callable[[], Any]
    changed: Any = None


def admin_page(service) -> gr.Blocks:
    """The Gradio Blocks of the admin console over ``service``: one function lays out each tab.
    Tabs for admins only are hidden from agents, and their actions refused (``ui/admin_staff.py``)."""
    t = console_i18n()
    with gr.Blocks(title="helpdesk admin", analytics_enabled=False) as page:
        who, language, apply_lang = header(service, t)
        with gr.Tabs():
            with gr.Tab(t("tab_documents"), id="documents", visible=False) as docs_tab, admin_only(page, service):
                docs = documents_tab(service.knowledge_admin, service)
            with gr.Tab(t("tab_test"), id="test", visible=False) as testing_tab, admin_only(page, service):
                test_tab(service.knowledge_admin, service)
            with gr.Tab(t("tab_faq"), id="faq", visible=False) as faqs_tab, admin_only(page, service):
                faq = faq_tab(service.knowledge_admin, service.storage.faq, service)
            with gr.Tab(t("tab_unanswered"), id="unanswered"):
                gaps = unanswered_tab(service.knowledge_admin, service.storage.feedback, service)
            with gr.Tab(t("tab_conversations"), id="conversations"):
                talks = conversations_tab(service.storage.feedback, service)
            with gr.Tab(t("tab_inbox"), id="inbox"):
                inbox = Tab(*inbox_tab(service))
            with gr.Tab(t("tab_handoffs"), id="handoffs"):
                handoffs = handoffs_tab(service.storage.handoffs, service)
            with gr.Tab(t("tab_widget"), id="widget", visible=False) as widget_tab, admin_only(page, service):
                keys = Tab(*site_keys_tab(service))
            with gr.Tab(t("tab_insights"), id="insights", visible=False) as insights, admin_only(page, service):
                insights_tab(service, insights)
            with gr.Tab(t("tab_sources"), id="sources", visible=False) as sources_tab_, admin_only(page, service):
                sources = Tab(*sources_tab(service))
            with gr.Tab(t("tab_api_keys"), id="api-keys", visible=False) as api_keys_tab_, admin_only(page, service):
                api_keys = Tab(*api_keys_tab(service))
            with gr.Tab(t("tab_users"), id="users", visible=False) as users_tab_, admin_only(page, service):
                users = Tab(*users_tab(service, t))
            with gr.Tab(t("tab_audit"), id="audit", visible=False) as audit_tab_, admin_only(page, service):
                audit = Tab(*audit_tab(service, t))
            with gr.Tab(t("tab_bots"), id="bots", visible=False) as bots_tab_, admin_only(page, service):
                bots = Tab(*bots_tab(service))
        reload_all = gr.Button(t("reload"), size="sm")
        admin_tabs = [docs_tab, testing_tab, faqs_tab, widget_tab, insights, sources_tab_, users_tab_, audit_tab_,
                      api_keys_tab_, bots_tab_]

        # The loop the console exists for: a saved FAQ entry leaves "Unanswered", an answered gap joins the FAQ.
        faq.changed.then(gaps.rows, outputs=[gaps.table])
        gaps.changed.then(faq.rows, outputs=[faq.table])
        every = [docs, faq, gaps, talks, inbox, handoffs, keys, sources, api_keys, users, audit, bots]
        for_admins = {id(tab) for tab in (docs, faq, keys, sources, api_keys, users, audit, bots)}

        def refresh_all(request: gr.Request):
            admin = service.staff.role(request.username) == "admin"
            return tuple((tab.rows(request) if tab in (inbox, talks, handoffs) else tab.rows())
                         if admin or id(tab) not in for_admins else [] for tab in every)  # those: the member's bots' only

        def signed_in(request: gr.Request):
            admin = service.staff.role(request.username) == "admin"
            return (*whoami(service, request), *(gr.update(visible=admin) for _ in admin_tabs))

        tables = [tab.table for tab in every]
        # Refreshes and site-key changes run one after another in arrival order: a slow first
        # refresh must not land after a key was created and show the table without it.
        page.load(signed_in, outputs=[who, language, apply_lang, *admin_tabs]).then(
            None, [apply_lang], [apply_lang], js=_APPLY_LANG)
        page.load(refresh_all, outputs=tables, concurrency_limit=1, concurrency_id="keys")
        reload_all.click(refresh_all, outputs=tables, concurrency_limit=1, concurrency_id="keys")
    page.queue(default_concurrency_limit=4)
    return page


def documents_tab(lib, service) -> Tab:
    """Upload, list, delete and re-ingest documents."""
    t, say = console_i18n(), functools.partial(console_text, service)

    def rows():
        try:
            return console_table(service, DOC_COLUMNS, [[d["source"], d["title"], d["chunks"], d["faq"],
                                                          _size(d["bytes"]), d["ingested_at"], d["id"]]
                                                         for d in lib.documents()])
        except HelpdeskError as exc:
            gr.Warning(str(exc))
            return []

    def upload(files):
        if not files:
            gr.Warning(say("doc_choose_files"))
            yield gr.update(), "", rows()
            return
        paths = [f if isinstance(f, str) else getattr(f, "name", str(f)) for f in files]
        handles = [open(p, "rb") for p in paths]
        try:
            names = [p.replace("\\", "/").rsplit("/", 1)[-1] for p in paths]
            done_rows: list[dict[str, Any]] = []
            for done_rows in lib.upload(list(zip(names, handles)), actor=console_actor(service)):
                done = sum(r["status"] not in ("waiting", "ingesting") for r in done_rows)
                yield (console_table(service, UPLOAD_COLUMNS,
                                     [[r["file"], r["source"], r["status"] + ("…" if r["status"] == "ingesting" else ""),
                                       r["chunks"], r["error"]] for r in done_rows]),
                       say("doc_progress", done=done, total=len(done_rows)), gr.update())
            failed = sum(r["status"] == "failed" for r in done_rows)
            summary = say("doc_done", ok=len(done_rows) - failed, failed=failed) if done_rows else ""
            yield gr.update(), summary, rows()
        except HelpdeskError as exc:
            yield gr.update(), f"⚠️ {exc}", rows()
        finally:
            for h in handles:
                h.close()

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        return row[0] if row else ""

    def delete(source: str):
        if not (source or "").strip():
            return say("doc_choose"), gr.update(), gr.update()
        try:
            info = lib.delete(source.strip(), actor=console_actor(service))
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), gr.update()
        return say("doc_deleted", source=info["source"], chunks=info["chunks"]), rows(), ""

    def reingest(source: str):
        if not (source or "").strip():
            return say("doc_choose"), gr.update()
        try:
            d = lib.reingest(source.strip(), actor=console_actor(service))
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update()
        if d["status"] == "failed":
            return f"⚠️ {d['error']}", rows()
        note = say("doc_up_to_date") if d["status"] == "unchanged" else ""
        return say("doc_reingested", source=d["source"], status=d["status"], note=note, chunks=d["chunks"]), rows()

    files = gr.File(label=t("doc_files"), file_count="multiple", elem_id="upload-files",
                    file_types=sorted(SUPPORTED_SUFFIXES))
    upload_btn = gr.Button(t("doc_upload"), variant="primary", elem_id="upload-button")
    upload_status = gr.Markdown(elem_id="upload-status")
    upload_table = gr.Dataframe(headers=headers(UPLOAD_COLUMNS), label=t("doc_results"), interactive=False,
                                wrap=True, elem_id="upload-results")
    docs = gr.Dataframe(headers=headers(DOC_COLUMNS), label=t("doc_table"),
                        interactive=False, wrap=True, elem_id="documents",
                        column_widths=["20%", "24%", "9%", "9%", "9%", "17%", "12%"])
    with gr.Row():
        chosen = gr.Textbox(label=t("doc_chosen"), elem_id="chosen-document", scale=3)
        delete_btn = gr.Button(t("delete"), variant="stop", elem_id="delete-button", scale=1)
        reingest_btn = gr.Button(t("doc_reingest"), elem_id="reingest-button", scale=1)
        refresh_btn = gr.Button(t("refresh"), scale=1)
    status = gr.Markdown(elem_id="document-status")
    upload_btn.click(upload, [files], [upload_table, upload_status, docs], concurrency_limit=1)
    docs.select(pick, None, [chosen])
    delete_btn.click(delete, [chosen], [status, docs, chosen], concurrency_limit=1)
    reingest_btn.click(reingest, [chosen], [status, docs], concurrency_limit=1)
    refresh_btn.click(rows, outputs=[docs])
    return Tab(docs, rows)


def test_tab(lib, service) -> None:
    """Ask a question as a customer would and see the chunks it retrieves, with their scores."""
    t, say = console_i18n(), functools.partial(console_text, service)

    def test(question: str):
        try:
            result = lib.test(question or "")
        except HelpdeskError as exc:
            return [], f"⚠️ {exc}"
        hits = [[h["relevance"], say("yes") if h["used"] else say("no"), h["source"], h["location"], h["text"]]
                for h in result["hits"]]
        a = result["answer"]
        flags = [say(f) for f, on in (("test_refused", a.get("refused")), ("test_canned", a.get("canned")),
                                      ("test_error", result["error"])) if on]
        cited = ", ".join(f"[{s['n']}] {s['source']}" for s in a.get("sources", [])) or say("none")
        timings = ", ".join(f"{k} {v:.0f} ms" for k, v in a.get("timings_ms", {}).items())
        floor = say("test_min", min=f"{result['min_score']:.2f}")
        md = (f"**{say('answer')}**{' (' + ', '.join(flags) + ')' if flags else ''}:\n\n{a.get('answer', '')}\n\n"
              f"{say('test_cited')}: {cited}  \n{floor}  \n{timings}")
        return console_table(service, HIT_COLUMNS, hits), md

    question = gr.Textbox(label=t("question"), elem_id="test-question")
    test_btn = gr.Button(t("test_run"), variant="primary")
    answer = gr.Markdown(elem_id="test-answer")
    hits = gr.Dataframe(headers=headers(HIT_COLUMNS), label=t("test_hits"), interactive=False,
                        wrap=True, elem_id="test-hits")
    test_btn.click(test, [question], [hits, answer], concurrency_limit=None)
    question.submit(test, [question], [hits, answer], concurrency_limit=None)


def faq_tab(lib, faq, service) -> Tab:
    """Add, change and delete FAQ entries; ``changed`` is the event of a saved entry."""
    t = console_i18n()

    def rows():
        return console_table(service, FAQ_COLUMNS,
                             [[e["id"], e["question"], e["answer"], e["updated_at"]] for e in faq.entries()])

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        return (row[0], row[1], row[2]) if row else (None, "", "")

    def save(entry_id, question: str, answer: str):
        try:
            eid = lib.save_faq(question or "", answer or "", int(entry_id) if entry_id else None,
                               actor=console_actor(service))
        except HelpdeskError as exc:
            return f"⚠️ {exc}", entry_id, gr.update()
        return console_text(service, "faq_saved", id=eid), eid, rows()

    def delete(entry_id):
        if not entry_id:
            return console_text(service, "faq_choose"), gr.update(), None, "", ""
        try:
            lib.delete_faq(int(entry_id), actor=console_actor(service))
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), entry_id, gr.update(), gr.update()
        return console_text(service, "faq_deleted", id=int(entry_id)), rows(), None, "", ""

    table = gr.Dataframe(headers=headers(FAQ_COLUMNS), label=t("faq_table"), interactive=False, wrap=True)
    entry = gr.Number(label=t("faq_entry"), precision=0, interactive=False)
    question = gr.Textbox(label=t("question"))
    answer = gr.Textbox(label=t("faq_answer"), lines=3)
    with gr.Row():
        save_btn = gr.Button(t("save"), variant="primary")
        new_btn = gr.Button(t("faq_new"))
        delete_btn = gr.Button(t("faq_delete"), variant="stop")
    status = gr.Markdown()
    table.select(pick, None, [entry, question, answer])
    saved = save_btn.click(save, [entry, question, answer], [status, entry, table], concurrency_limit=1)
    new_btn.click(lambda: (None, "", ""), outputs=[entry, question, answer])
    delete_btn.click(delete, [entry], [status, table, entry, question, answer], concurrency_limit=1)
    return Tab(table, rows, saved)


def unanswered_tab(lib, feedback, service) -> Tab:
    """Refused and disliked questions, each one click from an FAQ entry; ``changed`` is the event of an added entry."""

    t = console_i18n()

    def rows():
        return console_table(service, GAP_COLUMNS, [[g["question"], g["reason"], g["count"], g["last_at"],
                                                      g["answer"], g["comment"]] for g in feedback.unanswered()])

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        return row[0] if row else ""

    def add(question: str, answer: str):
        try:
            eid = lib.save_faq(question or "", answer or "", actor=console_actor(service))
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), gr.update(), gr.update()
        return console_text(service, "gap_added", id=eid), rows(), "", ""

    gr.Markdown(t("gap_intro"))
    table = gr.Dataframe(headers=headers(GAP_COLUMNS), interactive=False, wrap=True, elem_id="gaps",
                         column_widths=["30%", "12%", "8%", "16%", "22%", "12%"])
    question = gr.Textbox(label=t("question"), elem_id="gap-question")
    answer = gr.Textbox(label=t("answer"), lines=3, elem_id="gap-answer")
    add_btn = gr.Button(t("gap_add"), variant="primary")
    status = gr.Markdown()
    table.select(pick, None, [question])
    added = add_btn.click(add, [question, answer], [status, table, question, answer], concurrency_limit=1)
    return Tab(table, rows, added)


def conversations_tab(feedback, service) -> Tab:
    """Conversations, latest first; a click shows one as plain text."""
    t, say = console_i18n(), functools.partial(console_text, service)

    def rows(request: gr.Request | None = None):
        return console_table(service, TALK_COLUMNS,
                             [[c["session_id"], c["started_at"], c["last_at"], c["turns"], c["refused"],
                               c["feedback"]["up"], c["feedback"]["down"], c["handoffs"], c["last_question"]]
                              for c in feedback.conversations(200, bot=member_bots(service, request))])

    def pick(evt: gr.SelectData, request: gr.Request):
        """The chosen conversation as plain text: customers wrote it, so nothing in it is rendered
        (a Markdown image would load from the customer's server, a link would look like ours)."""
        row = evt.row_value or []
        if not row or not sees_conversation(service, request, str(row[0])):
            return ""
        lines = [say("talk_title", id=row[0]), ""]
        for i, t in enumerate(feedback.transcript(row[0]), 1):
            mark = ""
            if t["feedback"]:
                mark = " 👍" if t["feedback"]["rating"] > 0 else " 👎"
                if t["feedback"]["comment"]:
                    mark += f" “{t['feedback']['comment']}”"
            flags = say("talk_refused") if t["refused"] else (say("talk_faq") if t["canned"] else "")
            cited = ", ".join(f"{s['source']}" for s in t["sources"])
            lines += [say("talk_customer", n=i, at=t["at"], question=t["question"]),
                      say("talk_bot", flags=flags, mark=mark, answer=t["answer"])]
            lines += [say("talk_sources", cited=cited)] if cited else []
            lines.append("")
        return "\n".join(lines)

    table = gr.Dataframe(headers=headers(TALK_COLUMNS), label=t("talk_table"),
                         interactive=False, wrap=True, elem_id="conversations")
    transcript = gr.Textbox(label=t("talk_transcript"),
                            interactive=False, lines=12, max_lines=40, elem_id="transcript")
    table.select(pick, None, [transcript])
    return Tab(table, rows)


def handoffs_tab(handoffs, service) -> Tab:
    """The latest hand-offs and whether the webhook took them."""

    def rows(request: gr.Request | None = None):
        return console_table(service, HANDOFF_COLUMNS,
                             [[h["id"], h["created_at"], h["session_id"], h["contact"], h["message"], h["turns"],
                               h["webhook"] + (f" ({h['webhook_error']})" if h["webhook_error"] else "")]
                              for h in handoffs.latest(bot=member_bots(service, request))])

    table = gr.Dataframe(headers=headers(HANDOFF_COLUMNS), interactive=False, wrap=True, elem_id="handoffs")
    return Tab(table, rows)


def member_bots(service, request) -> tuple[str, ...] | None:
    """The bots the signed-in staff member is limited to; None (every bot) for an unlimited one
    or when no one is signed in (an admin's own refresh)."""
    account = service.staff.console(getattr(request, "username", None))
    return tuple(account["bots"]) if account and account["bots"] else None


def sees_conversation(service, request, session_id: str) -> bool:
    """Whether the signed-in staff member may read ``session_id`` (a limited agent: their bots' only)."""
    bots = member_bots(service, request)
    return bots is None or (service.storage.conversations.session_bot(session_id) or DEFAULT_BOT) in bots
