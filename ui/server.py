"""``helpdesk serve``: one process with the chat, the admin console and the API.

The port opens at once and ``/api/v1/health`` answers 503 while models and store load on a
thread; a fresh knowledge base gets the bundled demo help center, so the first run shows a
working bot. A load failure stops the server with the reason.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable

from bot.settings import Settings
from knowledge.errors import HelpdeskError

from .app import create_app
from .logs import configure_logging
from .service import Service

__all__ = ["serve"]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, *,
          reset_admin_password: bool = False, announce: Callable[[str], None] = _stderr) -> None:
    """Run the server until interrupted; raises HelpdeskError when models or store fail to load."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import uvicorn

    as_json = configure_logging(settings)
    # httpx logs every request's full URL at INFO: the hand-off webhook's may carry a secret.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    service = Service.from_settings(settings)
    password = service.auth.ensure_password(reset=reset_admin_password)
    app = create_app(service)
    config = uvicorn.Config(app, host=host, port=port, proxy_headers=True,
                            forwarded_allow_ips=settings.server.forwarded_allow_ips,
                            timeout_graceful_shutdown=5, log_level="info", access_log=False,
                            # JSON: uvicorn's own lines go through the root logger's JSON handler too
                            # (its access log stays off: RequestLog writes one without query strings).
                            **({"log_config": None} if as_json else {}))
    server = uvicorn.Server(config)
    base = f"http://{host}:{port}"
    announce(f"helpdesk: chat {base}/  admin {base}/admin  API {base}/api/v1/docs")
    user = settings.server.admin_user
    if password:
        announce(f"helpdesk: admin console login: user '{user}', password {password}\n"
                 "helpdesk: this password is shown only now (it is stored hashed); set "
                 "HELPDESK_ADMIN_PASSWORD to choose one, or restart with --reset-admin-password")
    elif not settings.admin_password:
        announce(f"helpdesk: admin console login: user '{user}' with the password printed on first start")
    if not settings.admin_api_key:
        announce("helpdesk: the admin API is off (set HELPDESK_ADMIN_API_KEY to turn it on)")

    def load() -> None:
        try:
            service.load()
            service.sources.schedule()
            service.scheduler.start()
            announce(f"helpdesk: ready at {base}/")
        except Exception as exc:  # the reason is kept in service.error and raised below
            announce(f"helpdesk: loading failed: {exc}")
            server.should_exit = True

    threading.Thread(target=load, name="load", daemon=True).start()
    try:
        server.run()
    finally:
        service.scheduler.stop()
    if service.state == "failed":
        raise HelpdeskError(f"the server could not start: {service.error}")
