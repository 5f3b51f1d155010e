"""The hand-off state machine (ui/livechat.py): every move from every state, allowed or refused."""

from __future__ import annotations

import pytest

from knowledge.errors import InputError
from ui.errors import status_of
from ui.livechat import TRANSITIONS, WrongState, next_state, with_person

STATES = ("bot", "waiting", "agent", "closed")
ALLOWED = {
    ("bot", "handoff"): "waiting", ("closed", "handoff"): "waiting", ("waiting", "handoff"): "waiting",
    ("agent", "handoff"): "agent",
    ("waiting", "claim"): "agent",
    ("waiting", "release"): "bot", ("agent", "release"): "bot",
    ("bot", "close"): "closed", ("waiting", "close"): "closed", ("agent", "close"): "closed",
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_move_from_every_state(state, action):
    if (state, action) in ALLOWED:
        assert next_state(state, action) == ALLOWED[(state, action)]
    else:
        with pytest.raises(WrongState, match=f"cannot {action}"):
            next_state(state, action)


def test_a_wrong_move_is_409_and_an_input_error():
    exc = WrongState("cannot claim")
    assert isinstance(exc, InputError) and status_of(exc) == 409


def test_only_waiting_and_agent_send_messages_to_a_person():
    assert [s for s in STATES if with_person(s)] == ["waiting", "agent"]


def test_the_cycle_bot_waiting_agent_bot():
    state = "bot"
    for action in ("handoff", "claim", "release", "handoff", "claim", "close", "handoff"):
        state = next_state(state, action)
    assert state == "waiting"
