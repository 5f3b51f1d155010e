"""The agents' inbox over HTTP: ``/api/v1/inbox`` and the moves on one conversation.

For staff (``StaffDep``: admins and agents). Each request also records that its staff member is
present, which is what makes a person "available" to customers (``LiveChat.available``).
Moves that do not fit the conversation's state answer 409 (``WrongState``). A staff member limited
to some bots sees and moves only their conversations (404 for another bot's).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from bot.conversation import check_session_id
from knowledge.errors import NotFound

from .deps import ERR, ServiceDep, Staff, StaffDep
from .inputs import SafeText
from .storage import DEFAULT_BOT

__all__ = ["router"]


def present(service: ServiceDep, staff: StaffDep) -> Staff:
    """The staff member behind the request, recorded as present (available to customers)."""
    service.live.seen(staff.name)
    return staff


Agent = Annotated[Staff, Depends(present)]


class AgentMessage(BaseModel):
    """A person's message to the customer."""

    text: SafeText = Field(..., min_length=1, max_length=4000)


router = APIRouter(prefix="/api/v1/inbox", tags=["inbox"], responses={400: ERR, 401: ERR, 404: ERR, 409: ERR})


def _known(service, staff: Staff, session_id: str) -> str:
    """The conversation's id, 404 when there is none or when it belongs to a bot the staff member
    is not limited to (the one place the inbox's moves check it)."""
    check_session_id(session_id)
    if (service.storage.conversations.session_owner(session_id) is None
            or not staff.sees(service.storage.conversations.session_bot(session_id) or DEFAULT_BOT)):
        raise NotFound(f"no conversation {session_id!r}")
    return session_id


@router.get("")
def inbox(service: ServiceDep, staff: Agent) -> dict[str, Any]:
    """Waiting and active conversations, the longest waiting first, and whether someone is available."""
    return {"conversations": service.live.inbox(bots=staff.bots), "available": service.live.available()}


@router.get("/{session_id}")
def conversation(session_id: str, service: ServiceDep, staff: Agent,
                 after: int = Query(0, ge=0, description="Only events after this id (the last_event seen).")) -> dict[str, Any]:
    """The conversation: state, hand-off reason and contact, the bot's turns with their sources, live events."""
    return service.live.conversation(_known(service, staff, session_id), after)


@router.post("/{session_id}/claim")
def claim(session_id: str, service: ServiceDep, staff: Agent) -> dict[str, Any]:
    """Take a waiting conversation: the customer sees "<name> joined"."""
    return service.live.claim(_known(service, staff, session_id), staff.name)


@router.post("/{session_id}/messages", status_code=201)
def message(session_id: str, body: AgentMessage, service: ServiceDep, staff: Agent) -> dict[str, Any]:
    """Write to the customer of a conversation you claimed."""
    return service.live.reply(_known(service, staff, session_id), staff.name, body.text)


@router.post("/{session_id}/release")
def release(session_id: str, service: ServiceDep, staff: Agent) -> dict[str, Any]:
    """Give the conversation back to the assistant, which answers the customer's next message."""
    return service.live.release(_known(service, staff, session_id), staff.name)


@router.post("/{session_id}/close")
def close(session_id: str, service: ServiceDep, staff: Agent) -> dict[str, Any]:
    """End the conversation."""
    return service.live.close(_known(service, staff, session_id), staff.name)
