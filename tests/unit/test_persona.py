"""A bot's persona over the one text catalogue, and a bot's model settings over the Settings: pure logic."""

from __future__ import annotations

import pytest

from bot.persona import Persona
from bot.prompts import SYSTEM_PROMPT, build_messages
from bot.settings import Settings
from bot.texts import text
from knowledge.errors import InputError
from ui.bots import bot_settings
from ui.storage.bots import check_bot_name


def test_persona_overrides_some_texts_and_falls_back_to_the_catalogue():
    p = Persona.from_dict("Acme", {"tone": " Be brief. ", "texts": {"en": {"refusal": "Acme does not know.",
                                                                          "handoff": "  "}}})
    assert p.text("refusal", "en") == "Acme does not know."
    assert p.text("handoff", "en") == text("handoff", "en")  # a blank text is no override
    assert p.text("refusal", "zh") == text("refusal", "zh")
    assert p.tone == "Be brief." and p.as_dict() == {"tone": "Be brief.", "texts": {"en": {"refusal": "Acme does not know."}}}
    assert Persona().text("error", "zh") == text("error", "zh")


@pytest.mark.parametrize("data, named", [
    ({"texts": {"fr": {"refusal": "Non."}}}, "'fr'"),
    ({"texts": {"en": {"busy": "wait"}}}, "'busy'"),
    ({"texts": {"en": {"refusal": "x" * 1001}}}, "1000"),
    ({"texts": {"en": {"refusal": 7}}}, "refusal"),
    ({"texts": ["en"]}, "texts"),
    ({"tone": "x" * 2001}, "tone"),
    ({"voice": "deep"}, "voice"),
])
def test_bad_personas_are_refused_naming_the_problem(data, named):
    with pytest.raises(InputError, match=named):
        Persona.from_dict("x", data)


def test_the_tone_follows_the_fixed_system_prompt():
    plain = build_messages("q?", [("a", "b")], "en")
    toned = build_messages("q?", [("a", "b")], "en", tone="Be brief.")
    assert plain[0]["content"] == SYSTEM_PROMPT
    assert toned[0]["content"] == SYSTEM_PROMPT + "\nBe brief." and toned[1:] == plain[1:]


def test_model_settings_override_only_the_allowed_fields():
    base = Settings(_env_file=None)
    tuned = bot_settings(base, {"llm": {"max_tokens": 160}, "answer_style": "generate"})
    assert tuned.llm.max_tokens == 160 and tuned.llm.temperature == base.llm.temperature
    assert tuned.answer_style == "generate" and base.answer_style == "auto"
    for bad, named in (({"admin_password": "x"}, "admin_password"), ({"answer_style": "poem"}, "answer_style"),
                       ({"llm": {"max_tokens": 1}}, "llm"), ({"llm": 3}, "llm")):
        with pytest.raises(InputError, match=named):
            bot_settings(base, bad)


@pytest.mark.parametrize("name", ["", "A", "-a", "a/b", "..", "a" * 41, "bé", "机器人", "a b", None, 3, "a\x00"])
def test_bot_names_are_checked(name):
    with pytest.raises(InputError, match="invalid bot name"):
        check_bot_name(name)
    assert check_bot_name("acme-2_b") == "acme-2_b"
