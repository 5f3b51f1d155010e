"""The admin API for staff accounts and the audit log: ``GET/POST /api/v1/users``,
``DELETE /api/v1/users/{name}``, ``POST /api/v1/users/{name}/token|password``, ``GET /api/v1/audit``.
Admins only (an agent's token gets 403); the work is ``ui/staff.py``'s, which audits each change."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from .deps import ERR, ServiceDep, StaffDep, require_admin

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_admin)], tags=["admin"],
                   responses={400: ERR, 401: ERR, 403: ERR, 404: ERR})


class UserRequest(BaseModel):
    """A new staff account; without ``password`` one is generated and returned once."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., max_length=200, description="1-64 of a-z 0-9 . _ @ -")
    role: Literal["admin", "agent"]
    password: str | None = Field(None, max_length=2000)
    bots: list[str] = Field(default_factory=list, max_length=200,
                            description="The bots the account works for (empty: every bot).")


class PasswordRequest(BaseModel):
    """A new password; without one, one is generated and returned once."""

    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(None, max_length=2000)


@router.get("/users")
def list_users(service: ServiceDep) -> dict[str, Any]:
    """Every staff account (never a secret) and the bootstrap admin's name."""
    return {"users": service.storage.users.list(), "bootstrap_admin": service.auth.user}


@router.post("/users", status_code=201)
def add_user(body: UserRequest, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Add an account; the generated password, if any, is in the answer and nowhere else."""
    account, generated = service.staff.add(body.name, body.role, body.password, actor=staff.name,
                                           bots=body.bots)
    return {"user": account, **({"password": generated} if generated else {})}


@router.delete("/users/{name}")
def remove_user(name: str, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Remove an account: its token and console sessions stop working at once."""
    service.staff.remove(name, actor=staff.name)
    return {"name": name, "status": "removed"}


@router.post("/users/{name}/token", status_code=201)
def new_token(name: str, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """A new personal API token (shown once; the previous one stops working)."""
    return {"name": name, "token": service.staff.issue_token(name, actor=staff.name)}


@router.post("/users/{name}/password")
def reset_password(name: str, body: PasswordRequest, service: ServiceDep, staff: StaffDep) -> dict[str, Any]:
    """Set a new password (generated and returned once when none is given)."""
    generated = service.staff.reset_password(name, body.password, actor=staff.name)
    return {"name": name, "status": "changed", **({"password": generated} if generated else {})}


@router.get("/audit")
def audit(service: ServiceDep, actor: str | None = Query(None, max_length=64),
          action: str | None = Query(None, max_length=40), limit: int = Query(100, ge=1, le=1000),
          before_id: int | None = Query(None, ge=1)) -> dict[str, Any]:
    """Audit entries, newest first: ``{"id", "at", "actor", "action", "target", "detail"}``;
    ``action`` ending in ``.`` takes a family (``user.``); ``before_id`` pages back."""
    return {"entries": service.audit.entries(actor=actor, action=action, limit=limit, before_id=before_id)}
