"""The admin console's "API keys" tab: make and revoke keys of the OpenAI-compatible API (/v1).

Called inside the console's Blocks, within a ``gr.Tab``, like ``admin_keys.py`` (the widget's site
keys, which are another thing: public, per website). A new key is shown once, then only its prefix.
"""

from __future__ import annotations

import gradio as gr

from knowledge.errors import HelpdeskError

from .openai_api import bot_names

__all__ = ["api_keys_tab"]

COLUMNS = ["id", "name", "bot", "starts with", "created (UTC)", "last used (UTC)"]


def api_keys_tab(service):
    """Lay out the tab; returns its table and the function that gives the table's rows."""
    keys, bots = service.storage.api_keys, bot_names(service.settings)

    def rows():
        return [[k["id"], k["name"], k["bot"], k["prefix"] + "…", k["created_at"], k["last_used_at"] or "never"]
                for k in keys.list()]

    def create(name: str, bot: str):
        try:
            made = keys.create(name or "", bot or bots[0], bots)
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), gr.update()
        note = (f"Created API key **{made['id']}** for bot `{made['bot']}`. Copy it now: it is not shown again. "
                "Use it as the OpenAI API key, with the base URL `https://<this server>/v1` and the model "
                f"`{made['bot']}`.")
        return note, made["key"], rows()

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
        return f"Revoked **{key_id.strip()}**: requests with it are refused from now on.", rows()

    gr.Markdown("API keys let chat front ends, automation tools and SDKs that speak the OpenAI chat API use "
                "the bot (`POST /v1/chat/completions`, the model is the bot's name). Each key may use one bot.")
    table = gr.Dataframe(headers=COLUMNS, label="Active API keys (click a row to choose it)", interactive=False,
                         wrap=True, elem_id="api-keys")
    with gr.Row():
        name = gr.Textbox(label="Name (what uses the key)", elem_id="api-key-name", scale=3)
        bot = gr.Dropdown(bots, value=bots[0], label="Bot", elem_id="api-key-bot", scale=1)
    create_btn = gr.Button("Create API key", variant="primary", elem_id="create-api-key")
    status = gr.Markdown(elem_id="api-key-status")
    secret = gr.Textbox(label="The new key (shown once)", interactive=False, buttons=["copy"],
                        elem_id="api-key-secret")
    with gr.Row():
        chosen = gr.Textbox(label="Chosen key id", elem_id="chosen-api-key", scale=3)
        revoke_btn = gr.Button("Revoke", variant="stop", elem_id="revoke-api-key", scale=1)
    create_btn.click(create, [name, bot], [status, secret, table], concurrency_limit=1, concurrency_id="keys")
    table.select(pick, None, [chosen])
    revoke_btn.click(revoke, [chosen], [status, table], concurrency_limit=1, concurrency_id="keys")
    return table, rows
