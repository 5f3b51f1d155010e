"""The admin console's "Website widget" tab: create and revoke site keys, copy the snippet, rotate
the identity secret for signed-in customers, and set how the widget looks on the key's websites.

Called inside the console's Blocks, within a ``gr.Tab``; it lays out the tab and wires its events.
"""

from __future__ import annotations

import gradio as gr

from knowledge.errors import HelpdeskError

from .admin_staff import console_actor
from .widget_appearance import DEFAULT, clean_appearance

__all__ = ["site_keys_tab", "snippet"]

KEY_COLUMNS = ["id", "name", "site key", "allowed origins", "daily budget", "signed-in customers", "theme",
               "created (UTC)"]
_SECRET_NOTE = ("Identity secret (shown once; keep it on the website's server): `{secret}`. "
                "See docs/widget.md, \"Signed-in customers\".")


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
                 "server default" if k["daily_budget"] is None else k["daily_budget"],
                 "yes" if k["identity"] else "no (rotate a secret in)", k["appearance"].get("theme", DEFAULT["theme"]),
                 k["created_at"]]
                for k in keys.list()]

    def create(name: str, origins: str, budget, request: gr.Request):
        try:
            made = keys.create(name or "", (origins or "").replace(",", " ").split(),
                               int(budget) if budget else None)  # 0 or empty: the server's default
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update(), gr.update()
        service.audit.record(console_actor(service), "site-key.create", made["id"],
                             {"name": made["name"], "origins": made["origins"]})
        note = (f"Created site key **{made['id']}** for {', '.join(made['origins'])}. "
                + _SECRET_NOTE.format(secret=made["identity_secret"])
                + " Paste this snippet into the website's pages, before `</body>`:")
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
            return "Choose a key first (click its row).", gr.update()
        try:
            made = keys.rotate_secret(key_id.strip())
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update()
        return (f"New identity secret for **{made['id']}** (the old one no longer verifies). "
                + _SECRET_NOTE.format(secret=made["identity_secret"])), rows()

    def save_look(key_id: str, avatar, label_en, label_zh, theme, color, off_x, off_y, z):
        if not (key_id or "").strip():
            return "Choose a key first (click its row).", gr.update()
        try:
            look = clean_appearance({
                "avatar": avatar or "", "launcher_label": {"en": label_en or "", "zh": label_zh or ""},
                "theme": theme or "light", "color": color or "",
                **{name: int(v) if isinstance(v, (int, float)) and float(v).is_integer() else v
                   for name, v in (("offset_x", off_x), ("offset_y", off_y), ("z_index", z))}})
            keys.set_appearance(key_id.strip(), look)
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update()
        return f"Saved the widget's appearance for **{key_id.strip()}**: websites show it on their next page load.", rows()

    def revoke(key_id: str):
        if not (key_id or "").strip():
            return "Choose a key first (click its row).", gr.update()
        try:
            keys.revoke(key_id.strip())
        except HelpdeskError as exc:
            return f"⚠️ {exc}", gr.update()
        service.audit.record(console_actor(service), "site-key.revoke", key_id.strip())
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
        rotate_btn = gr.Button("Rotate identity secret", elem_id="rotate-secret", scale=1)
        revoke_btn = gr.Button("Revoke", variant="stop", elem_id="revoke-key", scale=1)
    gr.Markdown("**Appearance** of the chosen key's widget (a page's `data-*` attributes still override it).")
    with gr.Row():
        avatar = gr.Textbox(label="Avatar: https:// image address or data:image/png;base64,… (48 KB)",
                            elem_id="look-avatar", scale=3)
        color = gr.Textbox(label="Colour (#rrggbb)", elem_id="look-color", scale=1)
        theme = gr.Radio(["light", "dark", "auto"], value="light", label="Theme (auto follows the visitor's system)",
                         elem_id="look-theme", scale=2)
    with gr.Row():
        label_en = gr.Textbox(label="Launcher label (English)", elem_id="look-label-en", max_length=40)
        label_zh = gr.Textbox(label="Launcher label (Chinese)", elem_id="look-label-zh", max_length=40)
        off_x = gr.Number(label="Offset from the side (px)", value=DEFAULT["offset_x"], precision=0,
                          elem_id="look-x")
        off_y = gr.Number(label="Offset from the bottom (px)", value=DEFAULT["offset_y"], precision=0,
                          elem_id="look-y")
        z_index = gr.Number(label="z-index", value=DEFAULT["z_index"], precision=0, elem_id="look-z")
    look_btn = gr.Button("Save appearance", elem_id="save-look")
    look = [avatar, label_en, label_zh, theme, color, off_x, off_y, z_index]
    create_btn.click(create, [name, origins, budget], [status, code, table], concurrency_limit=1,
                     concurrency_id="keys")
    table.select(pick, None, [chosen, *look])
    rotate_btn.click(rotate, [chosen], [status, table], concurrency_limit=1, concurrency_id="keys")
    look_btn.click(save_look, [chosen, *look], [status, table], concurrency_limit=1, concurrency_id="keys")
    revoke_btn.click(revoke, [chosen], [status, table], concurrency_limit=1, concurrency_id="keys")
    return table, rows
