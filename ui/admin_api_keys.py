"""The admin console's "API keys" tab: make and revoke keys of the OpenAI-compatible API (/v1).

Called inside the console's Blocks, within a ``gr.Tab``, like ``admin_keys.py`` (the widget's site
keys, which are another thing: public, per website). A new key is shown once, then only its prefix.
"""

from __future__ import annotations

import functools

import gradio as gr

from knowledge.errors import HelpdeskError

from .console_texts import console_i18n, console_table, console_text, headers
from .openai_api import bot_names

__all__ = ["api_keys_tab"]

# Table columns as keys of the console's catalogue (ui/console_texts.py).
COLUMNS = ["col_id", "col_name", "col_bot", "col_prefix", "col_created", "col_last_used"]


def api_keys_tab(service):
    """Lay out the tab; returns its table and the function that gives the table's rows."""
    keys = service.storage.api_keys
    t, say = console_i18n(), functools.partial(console_text, service)

    def rows():
        return console_table(service, COLUMNS, [[k["id"], k["name"], k["bot"], k["prefix"] + "…", k["created_at"],
                                                  k["last_used_at"] or say("never")] for k in keys.list()])

    def create(name: str, bot: str):
        bots = bot_names(service.settings, service.storage.bots)
        try:
            made = keys.create(name or "", bot or bots[0], bots)
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), gr.update()
        return say("api_created", id=made["id"], bot=made["bot"]), made["key"], rows()

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        return row[0] if row else ""

    def revoke(key_id: str):
        if not (key_id or "").strip():
            return say("choose_key"), gr.update()
        try:
            keys.revoke(key_id.strip())
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update()
        return say("api_revoked", id=key_id.strip()), rows()

    gr.Markdown(t("api_intro"))
    table = gr.Dataframe(headers=headers(COLUMNS), label=t("api_table"), interactive=False,
                         wrap=True, elem_id="api-keys")
    with gr.Row():
        name = gr.Textbox(label=t("api_name"), elem_id="api-key-name", scale=3)
        names = bot_names(service.settings, service.storage.bots)  # bots added later: allow_custom_value
        bot = gr.Dropdown(names, value=names[0], label=t("api_bot"), elem_id="api-key-bot", scale=1,
                          allow_custom_value=True)
    create_btn = gr.Button(t("api_create"), variant="primary", elem_id="create-api-key")
    status = gr.Markdown(elem_id="api-key-status")
    secret = gr.Textbox(label=t("api_secret"), interactive=False, buttons=["copy"],
                        elem_id="api-key-secret")
    with gr.Row():
        chosen = gr.Textbox(label=t("chosen_key"), elem_id="chosen-api-key", scale=3)
        revoke_btn = gr.Button(t("revoke"), variant="stop", elem_id="revoke-api-key", scale=1)
    create_btn.click(create, [name, bot], [status, secret, table], concurrency_limit=1, concurrency_id="keys")
    table.select(pick, None, [chosen])
    revoke_btn.click(revoke, [chosen], [status, table], concurrency_limit=1, concurrency_id="keys")
    return table, rows
