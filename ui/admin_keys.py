"""The admin console's "Website widget" tab: create and revoke site keys, copy the snippet.

Called inside the console's Blocks, within a ``gr.Tab``; it lays out the tab and wires its events.
"""

from __future__ import annotations

import gradio as gr

from knowledge.errors import HelpdeskError

__all__ = ["site_keys_tab", "snippet"]

KEY_COLUMNS = ["id", "name", "site key", "allowed origins", "daily budget", "created (UTC)"]


def snippet(base_url: str, key: str) -> str:
    """The script tag a website pastes, with every option spelled out at its default."""
    return (f'<script src="{base_url.rstrip("/")}/widget.js" data-site-key="{key}"\n'
            '        data-title="Help center" data-color="#2563eb" data-position="right"\n'
            '        data-lang="auto" data-open="false" defer></script>')


def _base_url(request: gr.Request | None) -> str:
    if request is None:
        return "https://support.example.com"
    headers = request.headers
    host = headers.get("x-forwarded-host") or headers.get("host") or "localhost"
    inner = getattr(request, "request", None)
    proto = headers.get("x-forwarded-proto") or (inner.url.scheme if inner is not None else "http")
    return f"{proto}://{host}"


def site_keys_tab(service):
    """Lay out the tab; returns its table and the function that gives the table's rows."""
    keys = service.site_keys

    def rows():
        return [[k["id"], k["name"], k["key"], " ".join(k["origins"]),
                 "server default" if k["daily_budget"] is None else k["daily_budget"], k["created_at"]]
                for k in keys.list()]

    def create(name: str, origins: str, budget, request: gr.Request):
        try:
            made = keys.create(name or "", (origins or "").replace(",", " ").split(),
                               int(budget) if budget else None)  # 0 or empty: the server's default
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), gr.update()
        note = (f"Created site key **{made['id']}** for {', '.join(made['origins'])}. "
                "Paste this snippet into the website's pages, before `</body>`:")
        return note, snippet(_base_url(request), made["key"]), rows()

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        return row[0] if row else ""

    def revoke(key_id: str):
        if not (key_id or "").strip():
            return "Choose a key first (click its row).", gr.update()
        try:
            keys.revoke(key_id.strip())
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update()
        return f"Revoked **{key_id.strip()}**: widgets using it stop working now.", rows()

    gr.Markdown("Each website that embeds the chat gets a public site key, usable only from the origins "
                "you list (for example `https://www.example.com`). A key can only chat: it never reads "
                "or changes knowledge.")
    table = gr.Dataframe(headers=KEY_COLUMNS, label="Active site keys (click a row to choose it)",
                         interactive=False, wrap=True, elem_id="site-keys")
    with gr.Row():
        name = gr.Textbox(label="Website name", elem_id="key-name", scale=2)
        origins = gr.Textbox(label="Allowed origins (space or comma separated)", elem_id="key-origins", scale=3)
        budget = gr.Number(label="Messages a day (0: the server's default)", value=0, minimum=0,
                           precision=0, scale=1)
    create_btn = gr.Button("Create site key", variant="primary", elem_id="create-key")
    status = gr.Markdown(elem_id="key-status")
    code = gr.Code(label="Snippet", language="html", interactive=False, elem_id="key-snippet")
    with gr.Row():
        chosen = gr.Textbox(label="Chosen key id", elem_id="chosen-key", scale=3)
        revoke_btn = gr.Button("Revoke", variant="stop", elem_id="revoke-key", scale=1)
    create_btn.click(create, [name, origins, budget], [status, code, table], concurrency_limit=1,
                     concurrency_id="keys")
    table.select(pick, None, [chosen])
    revoke_btn.click(revoke, [chosen], [status, table], concurrency_limit=1, concurrency_id="keys")
    return table, rows
