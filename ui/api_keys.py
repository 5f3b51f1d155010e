"""The admin API for API keys of the OpenAI-compatible API: ``GET/POST /api/v1/api-keys``,
``DELETE /api/v1/api-keys/{id}`` (bearer ``HELPDESK_ADMIN_API_KEY``). A new key's secret is in the
answer to its POST only; the store keeps its hash (``ui/storage/api_keys.py``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from .deps import ERR, ServiceDep, require_admin
from .inputs import SafeText
from .openai_api import bot_names

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/api-keys", dependencies=[Depends(require_admin)], tags=["admin"],
                   responses={400: ERR, 401: ERR, 404: ERR})


class ApiKeyRequest(BaseModel):
    """A new API key: a name to recognise it by, and the bot it may use."""

    model_config = ConfigDict(extra="forbid")

    name: SafeText = Field(..., max_length=200, description="What uses the key, e.g. 'CRM integration'.")
    bot: str | None = Field(None, max_length=64, description="The bot (model) it may use; the default bot if unset.")


@router.get("")
def list_keys(service: ServiceDep, include_revoked: bool = Query(False)) -> dict[str, Any]:
    """API keys, newest first, with their bot, prefix and last use (never the secret)."""
    return {"api_keys": service.storage.api_keys.list(include_revoked)}


@router.post("", status_code=201)
def create_key(body: ApiKeyRequest, service: ServiceDep) -> dict[str, Any]:
    """Make a key; ``api_key.key`` is the secret, shown this once."""
    bots = bot_names(service.settings, service.storage.bots)
    return {"api_key": service.storage.api_keys.create(body.name, body.bot or bots[0], bots)}


@router.delete("/{key_id}")
def revoke_key(key_id: str, service: ServiceDep) -> dict[str, Any]:
    """Revoke a key: requests with it get 401 from now on."""
    return {"api_key": service.storage.api_keys.revoke(key_id), "status": "revoked"}
