"""What the routers' handlers receive through ``Depends``: the Service, the client's address, the
admin API key check, and the error shape their OpenAPI entries name."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .service import Service

__all__ = ["service_of", "ServiceDep", "client_of", "require_admin", "ERR"]

ERR: dict[str, Any] = {"model": dict[str, str]}  # an error response in OpenAPI: {"error": "..."}

_bearer = HTTPBearer(auto_error=False, description="The admin API key (HELPDESK_ADMIN_API_KEY).")


def service_of(request: Request) -> Service:
    """The Service the app serves (``create_app`` keeps it on ``app.state``)."""
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(service_of)]


def client_of(request: Any) -> str:
    """The client's address (the proxy's X-Forwarded-For when it comes from a trusted proxy)."""
    return request.client.host if request.client else "unknown"


def require_admin(service: ServiceDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    """Lets a request through only with the admin API key (401 otherwise)."""
    given = f"Bearer {credentials.credentials}" if credentials else None
    if not service.auth.api_key_ok(given):
        why = ("a valid admin API key is required (Authorization: Bearer <key>)" if service.auth.api_enabled
               else "the admin API is off: set HELPDESK_ADMIN_API_KEY to turn it on")
        raise HTTPException(401, why, headers={"WWW-Authenticate": "Bearer"})
