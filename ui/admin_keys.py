"""The admin console's "Website widget" tab: create and revoke site keys, copy the snippet, rotate
the identity secret for signed-in customers, and set how the widget looks on the key's websites.

Called inside the console's Blocks, within a ``gr.Tab``; it lays out the tab and wires its events.
"""

from __future__ import annotations

import functools

import gradio as gr

from knowledge.errors import HelpdeskError

from .admin_staff import console_actor
from .console_texts import console_i18n, console_table, console_text, headers
from .widget_appearance import DEFAULT, clean_appearance

__all__ = ["site_keys_tab", "snippet"]

# Table columns as keys of the console's catalogue (ui/console_texts.py).
KEY_COLUMNS = ["col_id", "col_name", "col_site_key", "col_origins", "col_budget", "col_identity", "col_theme",
               "col_created", "col_bot"]


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
    t, say = console_i18n(), functools.partial(console_text, service)

    def rows():
        return console_table(service, KEY_COLUMNS, [
            [k["id"], k["name"], k["key"], " ".join(k["origins"]),
             say("key_default_budget") if k["daily_budget"] is None else k["daily_budget"],
             say("yes") if k["identity"] else say("key_no_identity"), k["appearance"].get("theme", DEFAULT["theme"]),
             k["created_at"], service.bots.public_name(k["bot"])]
            for k in keys.list()])

    def create(name: str, origins: str, budget, bot: str, request: gr.Request):
        try:
            made = keys.create(name or "", (origins or "").replace(",", " ").split(),
                               int(budget) if budget else None,  # 0 or empty: the server's default
                               service.bots.resolve(bot or service.settings.bot_name))
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), gr.update()
        service.audit.record(console_actor(service), "site-key.create", made["id"],
                             {"name": made["name"], "origins": made["origins"]})
        note = " ".join((say("key_created", id=made["id"], origins=", ".join(made["origins"])),
                         say("key_secret", secret=made["identity_secret"]), say("key_paste")))
        return note, snippet(_base_url(request), made["key"]), rows()

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        key = keys.get(row[0]) if row else None
        look = {**DEFAULT, **(key["appearance"] if key else {})}
        return (row[0] if row else "", look["avatar"], look["launcher_label"].get("en", ""),
                look["launcher_label"].get("zh", ""), look["theme"], look["color"], look["offset_x"],
                look["offset_y"], look["z_index"])

    def rotate(key_id: str):
        if not (key_id or "").strip():
            return say("choose_key"), gr.update()
        try:
            made = keys.rotate_secret(key_id.strip())
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update()
        return (say("key_rotated", id=made["id"]) + " " + say("key_secret", secret=made["identity_secret"])), rows()

    def save_look(key_id: str, avatar, label_en, label_zh, theme, color, off_x, off_y, z):
        if not (key_id or "").strip():
            return say("choose_key"), gr.update()
        try:
            look = clean_appearance({
                "avatar": avatar or "", "launcher_label": {"en": label_en or "", "zh": label_zh or ""},
                "theme": theme or "light", "color": color or "",
                **{name: int(v) if isinstance(v, (int, float)) and float(v).is_integer() else v
                   for name, v in (("offset_x", off_x), ("offset_y", off_y), ("z_index", z))}})
            keys.set_appearance(key_id.strip(), look)
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update()
        return say("key_look_saved", id=key_id.strip()), rows()

    def revoke(key_id: str):
        if not (key_id or "").strip():
            return say("choose_key"), gr.update()
        try:
            keys.revoke(key_id.strip())
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update()
        service.audit.record(console_actor(service), "site-key.revoke", key_id.strip())
        return say("key_revoked", id=key_id.strip()), rows()

    gr.Markdown(t("key_intro"))
    table = gr.Dataframe(headers=headers(KEY_COLUMNS), label=t("key_table"),
                         interactive=False, wrap=True, elem_id="site-keys")
    with gr.Row():
        name = gr.Textbox(label=t("key_name"), elem_id="key-name", scale=2)
        origins = gr.Textbox(label=t("key_origins"), elem_id="key-origins", scale=3)
        budget = gr.Number(label=t("key_budget"), value=0, minimum=0, precision=0, scale=1)
        bot = gr.Dropdown(service.bots.names(), value=service.settings.bot_name, label=t("key_bot"),
                          allow_custom_value=True, elem_id="key-bot", scale=1)
    create_btn = gr.Button(t("key_create"), variant="primary", elem_id="create-key")
    status = gr.Markdown(elem_id="key-status")
    code = gr.Code(label=t("key_snippet"), language="html", interactive=False, elem_id="key-snippet")
    with gr.Row():
        chosen = gr.Textbox(label=t("chosen_key"), elem_id="chosen-key", scale=3)
        rotate_btn = gr.Button(t("key_rotate"), elem_id="rotate-secret", scale=1)
        revoke_btn = gr.Button(t("revoke"), variant="stop", elem_id="revoke-key", scale=1)
    gr.Markdown(t("look_intro"))
    with gr.Row():
        avatar = gr.Textbox(label=t("look_avatar"), elem_id="look-avatar", scale=3)
        color = gr.Textbox(label=t("look_color"), elem_id="look-color", scale=1)
        theme = gr.Radio([(t(f"look_{v}"), v) for v in ("light", "dark", "auto")], value="light",
                         label=t("look_theme"), elem_id="look-theme", scale=2)
    with gr.Row():
        label_en = gr.Textbox(label=t("look_label_en"), elem_id="look-label-en", max_length=40)
        label_zh = gr.Textbox(label=t("look_label_zh"), elem_id="look-label-zh", max_length=40)
        off_x = gr.Number(label=t("look_x"), value=DEFAULT["offset_x"], precision=0, elem_id="look-x")
        off_y = gr.Number(label=t("look_y"), value=DEFAULT["offset_y"], precision=0, elem_id="look-y")
        z_index = gr.Number(label=t("look_z"), value=DEFAULT["z_index"], precision=0, elem_id="look-z")
    look_btn = gr.Button(t("look_save"), elem_id="save-look")
    look = [avatar, label_en, label_zh, theme, color, off_x, off_y, z_index]
    create_btn.click(create, [name, origins, budget, bot], [status, code, table], concurrency_limit=1,
                     concurrency_id="keys")
    table.select(pick, None, [chosen, *look])
    rotate_btn.click(rotate, [chosen], [status, table], concurrency_limit=1, concurrency_id="keys")
    look_btn.click(save_look, [chosen, *look], [status, table], concurrency_limit=1, concurrency_id="keys")
    revoke_btn.click(revoke, [chosen], [status, table], concurrency_limit=1, concurrency_id="keys")
    return table, rows
