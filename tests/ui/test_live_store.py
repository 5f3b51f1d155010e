"""Live hand-off over the real database (SQLite unit, PostgreSQL integration): states move only as
the machine allows, two replicas cannot both claim, events come in order, presence is shared."""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.conversation import Turn
from bot.settings import Settings
from knowledge.errors import InputError
from tests.servers import create_database
from ui.livechat import LiveChat, WrongState
from ui.service import Service
from ui.storage import Storage, database_url

_databases = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def replicas(request, tmp_path):
    """Two Services on one database, as two replicas are."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    else:
        url = database_url(create_database(request.getfixturevalue("postgres_url"), f"live_{next(_databases)}"),
                           tmp_path)
    settings = Settings(data_dir=tmp_path, _env_file=None)
    one, two = Storage(url), Storage(url)
    yield Service(settings, one), Service(settings, two)
    one.close()
    two.close()


def _conversation(service: Service, question: str = "Do you sell gift cards?", refused: bool = True) -> str:
    sid = service.storage.conversations.start_session("api")
    service.storage.conversations.add(sid, Turn(question, question, "Sorry", refused, False, []))
    return sid


def test_a_handoff_waits_then_an_agent_on_the_other_replica_claims_replies_and_releases(replicas):
    customer, agent = replicas
    sid = _conversation(customer)
    done = customer.handoff(sid, "me@example.com", "please call", owner="api", client="10.0.0.1")
    assert (done["state"], done["reason"], done["available"]) == ("waiting", "refused", False)
    assert "e-mail" in done["notice"]
    assert customer.live.customer_message(sid, "hello?") == "waiting"
    inbox = agent.live.inbox()
    assert [(c["session_id"], c["state"], c["reason"], c["contact"]) for c in inbox] == [
        (sid, "waiting", "refused", "me@example.com")]
    assert agent.live.claim(sid, "Anna")["state"] == "agent"
    agent.live.reply(sid, "Anna", "Hi, Anna here.")
    assert customer.live.customer_message(sid, "thanks") == "agent"
    assert agent.live.release(sid, "Anna")["state"] == "bot"
    assert customer.live.customer_message(sid, "back to you, bot") is None
    kinds = [(e["kind"], e["author"], e["name"], e["text"]) for e in customer.storage.live.events(sid)]
    assert kinds == [("customer_message", "customer", "", "please call"), ("waiting", "bot", "", done["notice"]),
                     ("customer_message", "customer", "", "hello?"), ("agent_joined", "agent", "Anna", ""),
                     ("agent_message", "agent", "Anna", "Hi, Anna here."),
                     ("customer_message", "customer", "", "thanks"), ("agent_left", "agent", "Anna", "")]
    talk = agent.live.conversation(sid)
    assert [i["author"] for i in talk["items"]][:2] == ["customer", "bot"] and talk["state"] == "bot"
    assert agent.live.inbox() == []


def test_wrong_moves_are_refused_and_change_nothing(replicas):
    customer, agent = replicas
    sid = _conversation(customer, refused=False)
    for move in (agent.live.claim, agent.live.release, agent.live.close):
        with pytest.raises(WrongState):
            move(sid, "Anna")
    with pytest.raises(WrongState, match="claim the conversation"):
        agent.live.reply(sid, "Anna", "hi")
    assert customer.handoff(sid, owner="api", client="10.0.0.2")["reason"] == "asked"
    agent.live.claim(sid, "Anna")
    with pytest.raises(WrongState, match="Anna has"):
        agent.live.reply(sid, "Ben", "me too")
    with pytest.raises(WrongState, match="Anna has"):
        agent.live.release(sid, "Ben")
    with pytest.raises(InputError, match="empty"):
        agent.live.reply(sid, "Anna", "   ")
    agent.live.close(sid, "Anna")
    with pytest.raises(WrongState, match="closed"):
        agent.live.close(sid, "Anna")
    assert customer.live.customer_message(sid, "hello again") is None  # closed: the bot answers


def test_two_agents_on_two_replicas_claim_at_once_and_one_wins(replicas):
    customer, agent = replicas
    for _ in range(5):
        sid = _conversation(customer)
        customer.handoff(sid, owner="api", client="10.0.0.3")
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda pair: _try(pair[0].live.claim, sid, pair[1]),
                                    [(customer, "Anna"), (agent, "Ben")]))
        assert sorted(r == "ok" for r in results) == [False, True], results
        joined = [e for e in agent.storage.live.events(sid) if e["kind"] == "agent_joined"]
        assert len(joined) == 1


def _try(move, sid, name):
    try:
        move(sid, name)
        return "ok"
    except WrongState as exc:
        return str(exc)


def test_presence_makes_agents_available_on_every_replica(replicas, tmp_path):
    customer, agent = replicas
    assert not customer.live.available()
    agent.live.seen("Anna")
    assert customer.live.available()
    assert not customer.live.available(now=time.time() + 3600)
    sid = _conversation(customer)
    done = customer.handoff(sid, owner="api", client="10.0.0.4")
    assert done["available"] and done["notice"].startswith("A person")
    hours = LiveChat(customer.storage.live, Settings(handoff={"hours": "Mon-Fri 09:00-17:00 Europe/Amsterdam"},
                                                     _env_file=None).handoff, customer.storage.feedback)
    monday, saturday = 1796029200.0, 1796461200.0  # 2026-11-30 and 2026-12-05, 10:00 in Amsterdam
    for now in (monday, saturday):
        agent.storage.live.seen("Ben", now=now)
    assert hours.available(now=monday) and not hours.available(now=saturday)
    assert hours.reply_at(now=saturday).isoformat() == "2026-12-07T09:00:00+01:00"
    assert hours.reply_at(now=monday) is None
    with pytest.raises(InputError, match="HELPDESK_HANDOFF__HOURS"):
        LiveChat(customer.storage.live, Settings(handoff={"hours": "always"}, _env_file=None).handoff, None)


def test_a_chinese_conversation_is_told_in_chinese_and_erasure_removes_live_rows(replicas):
    customer, _ = replicas
    sid = _conversation(customer, "你们卖礼品卡吗？")
    done = customer.handoff(sid, owner="api", client="10.0.0.5")
    assert "客服" in done["notice"]
    assert customer.storage.erasure.erase(sid)
    assert customer.storage.live.events(sid) == [] and customer.storage.live.state(sid)["state"] == "bot"


def test_a_released_conversation_gives_the_bot_what_the_customer_and_the_person_said(replicas):
    customer, agent = replicas
    sid = _conversation(customer, "My kettle is broken, what now?")
    customer.handoff(sid, "", "", owner="api", client="10.0.0.1")
    customer.live.customer_message(sid, "It is the Lumen kettle, bought in March.")
    agent.live.claim(sid, "Anna")
    agent.live.reply(sid, "Anna", "That is covered by the 2-year warranty.")
    agent.live.reply(sid, "Anna", "We will send a replacement.")
    agent.live.release(sid, "Anna")
    history = customer.storage.conversations.history(sid, limit=4)
    assert history[0].question == "My kettle is broken, what now?"  # the bot's own turn first
    last = history[-1]
    assert last.question == "It is the Lumen kettle, bought in March."
    assert last.answer == "That is covered by the 2-year warranty.\nWe will send a replacement."
    assert len(customer.storage.conversations.history(sid, limit=1)) == 1
