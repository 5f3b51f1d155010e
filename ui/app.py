"""The app factory: one FastAPI app with the API at /api/v1, the admin console at /admin and the
customer chat at /, all over one Service. Errors of the one exception tree become JSON through
``ui.errors``; every route is a module-level handler that gets the Service from ``app.state``.

    >>> app = create_app(Service.from_settings(Settings()))   # serve it with uvicorn
"""

from __future__ import annotations

import json
import os
import re

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from . import (api, api_bots, api_keys, api_sources, api_users, errors, inbox_api, insights, live_events,
               metrics, openai_api, privacy, widget)
from .auth import LoginClient
from .logs import RequestLog
from .widget import WidgetCors

__all__ = ["create_app"]


def create_app(service) -> FastAPI:
    """The whole server as one ASGI app (nothing is loaded here: ``service.load()`` does that)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    from .admin import admin_page
    from .console_texts import console_i18n
    from .admin_staff import ConsoleLanguage
    from .staff import ConsoleSessions
    from .chat import CHAT_CSS, chat_page
    from .texts import i18n

    s = service.settings.server
    assets = _docs_assets()
    app = FastAPI(title="helpdesk API", version="1", redoc_url=None, openapi_url="/api/v1/openapi.json",
                  docs_url=None if assets else "/api/v1/docs",
                  description="Answers from your own knowledge, feedback, hand-offs, and admin endpoints.")
    app.state.service = service
    if assets:
        _offline_docs(app, assets)
    errors.install(app)
    app.include_router(widget.router)  # before the API's catch-all
    app.include_router(privacy.router)  # before the API's /conversations/{session_id}
    app.include_router(metrics.router)
    app.include_router(insights.router)
    app.include_router(api_sources.router)
    app.include_router(api_keys.router)
    app.include_router(openai_api.router)
    app.include_router(api_users.router)
    app.include_router(inbox_api.router)
    app.include_router(live_events.router)
    app.include_router(api_bots.router)
    app.include_router(api.router)
    app.add_api_route("/admin", _admin_root, include_in_schema=False)

    upload_limit = int(s.upload_max_mb * 2**20) * s.upload_max_files + 2**20
    app.add_middleware(BodyLimit, default=max(2**20, service.settings.max_question_chars * 8),
                       uploads=upload_limit, upload_paths=("/api/v1/documents", "/admin/gradio_api/upload"))
    app.add_middleware(WidgetCors, keys=service.site_keys)
    app.add_middleware(LoginClient)
    app.add_middleware(ConsoleLanguage)  # the user's own console language, before Gradio's scripts run
    app.add_middleware(RequestLog, count=service.metrics.responded)  # outermost: every response counts
    gr.mount_gradio_app(
        app, admin_page(service), path="/admin", auth=service.staff.login, ssr_mode=False, footer_links=[],
        auth_message="helpdesk console: sign in with your staff account.",
        max_file_size=int(s.upload_max_mb * 2**20), mcp_server=False, i18n=console_i18n(),
    )
    console = next(r.app for r in app.routes if getattr(r, "path", None) == "/admin" and hasattr(r.app, "tokens"))
    console.tokens = ConsoleSessions(service.staff, s.session_hours * 3600)  # sign-ins that expire
    gr.mount_gradio_app(
        app, chat_page(service), path="/", ssr_mode=False, footer_links=[], i18n=i18n(), css=CHAT_CSS,
        max_file_size=1, mcp_server=False,  # the chat takes no files
    )
    return app


def _admin_root() -> RedirectResponse:
    return RedirectResponse("/admin/")


def _docs_assets():
    """Swagger UI files shipped in a package (fastapi-offline), so the docs work without internet."""
    try:
        from importlib.resources import files

        folder = files("fastapi_offline") / "static"
    except ImportError:  # not installed: FastAPI's default page, which loads Swagger UI from a CDN
        return None
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


def _offline_docs(app: FastAPI, assets) -> None:
    from fastapi.staticfiles import StaticFiles

    app.mount("/api/v1/docs-static", StaticFiles(directory=str(assets)), name="docs-static")
    app.add_api_route("/api/v1/docs", _docs, include_in_schema=False)


def _docs():
    """Swagger UI from the files mounted at /api/v1/docs-static (no CDN)."""
    from fastapi.openapi.docs import get_swagger_ui_html

    return get_swagger_ui_html(openapi_url="/api/v1/openapi.json", title="helpdesk API",
                               swagger_js_url="/api/v1/docs-static/swagger-ui-bundle.js",
                               swagger_css_url="/api/v1/docs-static/swagger-ui.css",
                               swagger_favicon_url="/api/v1/docs-static/favicon.png")


class _TooLarge(Exception):
    pass


_BOT_UPLOAD = re.compile(r"/api/v1/bots/[^/]+/documents")  # a bot's uploads (ui/api_bots.py)


class BodyLimit:
    """Refuses requests whose body is over the limit (413), before reading all of it: every route,
    the API's and the Gradio pages' alike; only the admin's upload routes get the larger limit."""

    def __init__(self, app, *, default: int, uploads: int, upload_paths: tuple[str, ...] = ()):
        self.app, self.default, self.uploads, self.upload_paths = app, default, uploads, upload_paths

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"].rstrip("/")
        upload = scope["method"] == "POST" and (path in self.upload_paths or _BOT_UPLOAD.fullmatch(path) is not None)
        limit = self.uploads if upload else self.default
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return await _too_large(send, limit, scope["path"])
        received, started, over, replaced = 0, False, False, False

        async def counted_receive():
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise _TooLarge()
            return message

        async def tracked_send(message):
            nonlocal started, replaced
            if replaced:
                return
            if over and not started:  # the app caught _TooLarge itself (FastAPI's body parsing does)
                started = replaced = True
                await _too_large(send, limit, scope["path"])
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if replaced:
                return
            if started:
                raise
            await _too_large(send, limit, scope["path"])


async def _too_large(send, limit: int, path: str) -> None:
    message = f"the request is larger than the limit of {limit / 2**20:.3g} MB"
    error = openai_api.error_body(413, message) if path.startswith("/v1/") else {"error": message}
    body = json.dumps(error).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
