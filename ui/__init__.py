"""Thin shells over one Bot: Gradio chat and admin, the HTTP API (``helpdesk serve``)."""

from __future__ import annotations

__all__ = ["create_app", "serve", "Service"]


def __getattr__(name: str):
    # Lazy: importing ``ui`` must not import Gradio and FastAPI (the server extra).
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "serve":
        from .server import serve

        return serve
    if name == "Service":
        from .service import Service

        return Service
    raise AttributeError(name)
