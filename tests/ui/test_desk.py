"""The Desk before its Bot is loaded, and its input checks (unit: no models)."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from knowledge.errors import InputError
from ui.desk import Desk, NotReady


@pytest.fixture()
def desk(tmp_path):
    return Desk.from_settings(Settings(data_dir=tmp_path, max_question_chars=50))


def test_health_is_503_while_loading_and_after_a_failed_load(desk):
    status, body = desk.health()
    assert status == 503 and body["status"] == "loading"
    with pytest.raises(NotReady):
        desk.require_bot()

    def broken(settings, progress):
        raise RuntimeError("model file is corrupt")

    with pytest.raises(RuntimeError):
        desk.load(broken)
    status, body = desk.health()
    assert status == 503 and body["status"] == "failed" and "corrupt" in body["error"]
    with pytest.raises(NotReady, match="corrupt"):
        list(desk.answer_stream("hello", None))


def test_check_message(desk):
    assert desk.check_message("How long do refunds take?") == "How long do refunds take?"
    for bad in ("", "   ", None, 42, "x" * 51):
        with pytest.raises(InputError):
            desk.check_message(bad)
    with pytest.raises(InputError, match="50"):
        desk.check_message("退" * 51)


def test_feedback_rating_words(desk):
    with pytest.raises(InputError):
        desk.feedback("abc", "meh")
    with pytest.raises(InputError):
        desk.feedback("../x", "up")
