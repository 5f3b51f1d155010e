"""The Service before its Bot is loaded, and its input checks (unit: no models)."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from knowledge.errors import InputError, NotFound
from ui.service import Service, NotReady


@pytest.fixture()
def service(tmp_path):
    return Service.from_settings(Settings(data_dir=tmp_path, max_question_chars=50))


def test_health_is_503_while_loading_and_after_a_failed_load(service):
    status, body = service.health()
    assert status == 503 and body["status"] == "loading"
    with pytest.raises(NotReady):
        service.require_bot()

    def broken(settings, progress):
        raise RuntimeError("model file is corrupt")

    with pytest.raises(RuntimeError):
        service.load(broken)
    status, body = service.health()
    assert status == 503 and body["status"] == "failed" and "corrupt" not in str(body)  # public: no reason
    assert "corrupt" in service.error  # kept for the log and the CLI
    with pytest.raises(NotReady, match="failed to start") as refused:
        list(service.answer_stream("hello", None))
    assert "corrupt" not in str(refused.value)


def test_check_message(service):
    assert service.check_message("How long do refunds take?") == "How long do refunds take?"
    for bad in ("", "   ", None, 42, "x" * 51):
        with pytest.raises(InputError):
            service.check_message(bad)
    with pytest.raises(InputError, match="50"):
        service.check_message("退" * 51)
    with pytest.raises(InputError, match="NUL"):
        service.check_message("a\x00b")
    with pytest.raises(InputError, match="surrogate"):
        service.check_message("a\ud800b")


def test_conversations_belong_to_who_started_them(service):
    sid = service.open_session(None, "api")
    assert len(sid) >= 22 and service.open_session(sid, "api") == sid  # >= 128 random bits
    for owner, other in (("chat", sid), ("widget:sk_1", sid), ("api", "alice"), ("api", "x" * 32)):
        with pytest.raises(NotFound):
            service.open_session(other, owner)
    with pytest.raises(NotFound):
        service.feedback(sid, "up", owner="chat", client="10.0.0.1")
    with pytest.raises(InputError, match="no answers yet"):  # an empty conversation is not handed off
        service.handoff(sid, owner="api", client="10.0.0.1")


def test_feedback_rating_words(service):
    sid = service.open_session(None, "api")
    with pytest.raises(InputError):
        service.feedback(sid, "meh", owner="api", client="10.0.0.1")
    with pytest.raises(InputError):
        service.feedback("../x", "up", owner="api", client="10.0.0.1")
