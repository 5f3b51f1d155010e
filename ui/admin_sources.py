"""The admin console's "Sources" tab: follow a website or folder, see each one's last sync and
next run, sync one now, stop following one.

Called inside the console's Blocks, within a ``gr.Tab``; it lays out the tab and wires its events.
"""

from __future__ import annotations

import gradio as gr

from knowledge.errors import HelpdeskError

__all__ = ["sources_tab"]

SOURCE_COLUMNS = ["id", "kind", "location", "every", "last sync (UTC)", "status", "outcome", "next run (UTC)"]


def sources_tab(service):
    """Lay out the tab; returns its table and the function that gives the table's rows."""
    sync = service.sources

    def rows():
        try:
            return [[s["id"], s["kind"], s["location"], s["every"], s["last_sync"] or "never",
                     "running" if s["running"] else (s["last_status"] or "waiting"), s["last_message"],
                     s["next_run"]] for s in sync.list()]
        except HelpdeskError as exc:
            gr.Warning(str(exc))
            return []

    def add(location: str, every: str):
        try:
            made = sync.add(location or "", (every or "").strip() or "6h")
        except HelpdeskError as exc:
            return f"⚠️ {exc}", rows()
        return (f"Following **{made['location']}** (source {made['id']}), every {made['every']}; "
                "the first sync starts within a minute."), rows()

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        return str(row[0]) if row else ""

    def chosen_id(text: str) -> int | None:
        text = (text or "").strip()
        return int(text) if text.isdigit() else None

    def sync_now(chosen: str):
        source_id = chosen_id(chosen)
        if source_id is None:
            return "Choose a source first (click its row).", gr.update()
        try:
            service.require_bot()
            sync.sync_soon(source_id)
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update()
        return f"Syncing source {source_id} now; press Refresh to see how it went.", rows()

    def remove(chosen: str):
        source_id = chosen_id(chosen)
        if source_id is None:
            return "Choose a source first (click its row).", gr.update()
        try:
            gone = sync.remove(source_id)
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update()
        return (f"Stopped following **{gone['location']}**; its documents stay (delete them under "
                "Documents)."), rows()

    gr.Markdown("Websites and folders the bot keeps in step with: changed pages are ingested again, "
                "pages that are gone (404, or dropped from the sitemap) are removed. Give a help "
                "center's address (`https://help.example.com/`), its `sitemap.xml`, or a folder on "
                "this server.")
    table = gr.Dataframe(headers=SOURCE_COLUMNS, label="Sources (click a row to choose it)",
                         interactive=False, wrap=True, elem_id="sources")
    with gr.Row():
        location = gr.Textbox(label="Website URL or folder", elem_id="source-location", scale=4)
        every = gr.Textbox(label="Sync every (30m, 6h, 1d)", value="6h", elem_id="source-every", scale=1)
    add_btn = gr.Button("Add source", variant="primary", elem_id="add-source")
    status = gr.Markdown(elem_id="source-status")
    with gr.Row():
        chosen = gr.Textbox(label="Chosen source id", elem_id="chosen-source", scale=3)
        sync_btn = gr.Button("Sync now", elem_id="sync-source", scale=1)
        remove_btn = gr.Button("Remove", variant="stop", elem_id="remove-source", scale=1)
        refresh_btn = gr.Button("Refresh", size="sm", elem_id="refresh-sources", scale=0)
    add_btn.click(add, [location, every], [status, table], concurrency_limit=1, concurrency_id="sources")
    table.select(pick, None, [chosen])
    sync_btn.click(sync_now, [chosen], [status, table], concurrency_limit=1, concurrency_id="sources")
    remove_btn.click(remove, [chosen], [status, table], concurrency_limit=1, concurrency_id="sources")
    refresh_btn.click(rows, None, [table])
    return table, rows
