"""What the routers' handlers receive through ``Depends``: the Service, the client's address, the
staff member a request acts for (admin or agent), and the error shape their OpenAPI entries name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .service import Service

__all__ = ["service_of", "ServiceDep", "client_of", "Staff", "require_staff", "StaffDep", "require_admin", "ERR"]

ERR: dict[str, Any] = {"model": dict[str, str]}  # an error response in OpenAPI: {"error": "..."}

_bearer = HTTPBearer(auto_error=False, description="The admin API key (HELPDESK_ADMIN_API_KEY).")


def service_of(request: Request) -> Service:
    """The Service the app serves (``create_app`` keeps it on ``app.state``)."""
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(service_of)]


def client_of(request: Any) -> str:
    """The client's address (the proxy's X-Forwarded-For when it comes from a trusted proxy)."""
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class Staff:
    """Who a staff request acts for: ``admin`` does everything, ``agent`` answers conversations."""

    name: str
    role: Literal["admin", "agent"]


def require_staff(service: ServiceDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Staff:
    """The staff member behind the request's bearer token (401 without a valid one)."""
    given = f"Bearer {credentials.credentials}" if credentials else None
    if not service.auth.api_key_ok(given):
        why = ("a valid admin API key is required (Authorization: Bearer <key>)" if service.auth.api_enabled
               else "the admin API is off: set HELPDESK_ADMIN_API_KEY to turn it on")
        raise HTTPException(401, why, headers={"WWW-Authenticate": "Bearer"})
    return Staff(name=service.auth.user, role="admin")


StaffDep = Annotated[Staff, Depends(require_staff)]


def require_admin(staff: StaffDep) -> Staff:
    """Lets a request through only for an admin (401 without credentials, 403 for an agent)."""
    if staff.role != "admin":
        raise HTTPException(403, "this needs an admin; agents may use the inbox and conversations")
    return staff
