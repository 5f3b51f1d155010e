"""The admin console's "Sources" tab: follow a website or folder, see each one's last sync and
next run, sync one now, stop following one.

Called inside the console's Blocks, within a ``gr.Tab``; it lays out the tab and wires its events.
"""

from __future__ import annotations

import functools

import gradio as gr

from knowledge.errors import HelpdeskError

from .console_texts import console_i18n, console_table, console_text, headers

__all__ = ["sources_tab"]

# Table columns as keys of the console's catalogue (ui/console_texts.py).
SOURCE_COLUMNS = ["col_id", "col_kind", "col_location", "col_every", "col_last_sync", "col_status", "col_outcome",
                  "col_next_run"]


def sources_tab(service):
    """Lay out the tab; returns its table and the function that gives the table's rows."""
    sync = service.sources
    t, say = console_i18n(), functools.partial(console_text, service)

    def rows():
        try:
            return console_table(service, SOURCE_COLUMNS, [
                [s["id"], s["kind"], s["location"], s["every"], s["last_sync"] or say("never"),
                 say("src_running") if s["running"] else (s["last_status"] or say("src_waiting")), s["last_message"],
                 s["next_run"]] for s in sync.list()])
        except HelpdeskError as exc:
            gr.Warning(str(exc))
            return []

    def add(location: str, every: str):
        try:
            made = sync.add(location or "", (every or "").strip() or "6h")
        except HelpdeskError as exc:
            return f"⚠️ {exc}", rows()
        return say("src_following", location=made["location"], id=made["id"], every=made["every"]), rows()

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        return str(row[0]) if row else ""

    def chosen_id(text: str) -> int | None:
        text = (text or "").strip()
        return int(text) if text.isdigit() else None

    def sync_now(chosen: str):
        source_id = chosen_id(chosen)
        if source_id is None:
            return say("src_choose"), gr.update()
        try:
            service.require_bot()
            sync.sync_soon(source_id)
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update()
        return say("src_syncing", id=source_id), rows()

    def remove(chosen: str):
        source_id = chosen_id(chosen)
        if source_id is None:
            return say("src_choose"), gr.update()
        try:
            gone = sync.remove(source_id)
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update()
        return say("src_removed", location=gone["location"]), rows()

    gr.Markdown(t("src_intro"))
    table = gr.Dataframe(headers=headers(SOURCE_COLUMNS), label=t("src_table"),
                         interactive=False, wrap=True, elem_id="sources")
    with gr.Row():
        location = gr.Textbox(label=t("src_location"), elem_id="source-location", scale=4)
        every = gr.Textbox(label=t("src_every"), value="6h", elem_id="source-every", scale=1)
    add_btn = gr.Button(t("src_add"), variant="primary", elem_id="add-source")
    status = gr.Markdown(elem_id="source-status")
    with gr.Row():
        chosen = gr.Textbox(label=t("src_chosen"), elem_id="chosen-source", scale=3)
        sync_btn = gr.Button(t("src_sync"), elem_id="sync-source", scale=1)
        remove_btn = gr.Button(t("remove"), variant="stop", elem_id="remove-source", scale=1)
        refresh_btn = gr.Button(t("refresh"), size="sm", elem_id="refresh-sources", scale=0)
    add_btn.click(add, [location, every], [status, table], concurrency_limit=1, concurrency_id="sources")
    table.select(pick, None, [chosen])
    sync_btn.click(sync_now, [chosen], [status, table], concurrency_limit=1, concurrency_id="sources")
    remove_btn.click(remove, [chosen], [status, table], concurrency_limit=1, concurrency_id="sources")
    refresh_btn.click(rows, None, [table])
    return table, rows
