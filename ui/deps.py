"""What the routers' handlers receive through ``Depends``: the Service, the client's address, the
staff member a request acts for (admin or agent), and the error shape their OpenAPI entries name."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .service import Service
from .staff import Staff

__all__ = ["service_of", "ServiceDep", "client_of", "Staff", "require_staff", "StaffDep", "require_admin", "ERR"]

ERR: dict[str, Any] = {"model": dict[str, str]}  # an error response in OpenAPI: {"error": "..."}

_bearer = HTTPBearer(auto_error=False, description="A staff member's personal token (`helpdesk users token NAME`) "
                                                   "or the admin API key (HELPDESK_ADMIN_API_KEY).")


def service_of(request: Request) -> Service:
    """The Service the app serves (``create_app`` keeps it on ``app.state``)."""
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(service_of)]


def client_of(request: Any) -> str:
    """The client's address (the proxy's X-Forwarded-For when it comes from a trusted proxy)."""
    return request.client.host if request.client else "unknown"


def require_staff(service: ServiceDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Staff:
    """The staff member behind the request's bearer token: a personal token's account, or the
    bootstrap admin for the admin API key (401 without a valid one)."""
    token = credentials.credentials if credentials else None
    if service.auth.api_key_ok(f"Bearer {token}" if token else None):
        return Staff(name=service.auth.user, role="admin")
    staff = service.staff.for_token(token)
    if staff is None:
        raise HTTPException(401, "a valid staff token is required (Authorization: Bearer <token>): "
                                 "`helpdesk users token NAME` makes one", headers={"WWW-Authenticate": "Bearer"})
    return staff


StaffDep = Annotated[Staff, Depends(require_staff)]


def require_admin(staff: StaffDep) -> Staff:
    """Lets a request through only for an admin (401 without credentials, 403 for an agent)."""
    if staff.role != "admin":
        raise HTTPException(403, "this needs an admin; agents may use the inbox and conversations")
    return staff
