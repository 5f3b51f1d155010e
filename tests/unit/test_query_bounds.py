"""A long question is cut to bounded parts that keep its head and its ask (knowledge/query.py), and
the prompts built from it stay bounded (bot/prompts.py)."""

from __future__ import annotations

from bot.prompts import build_messages
from knowledge.query import EMBED_CHARS, PROMPT_CHARS, bounded, closing_ask

ZH = "我的电水壶在使用三个月后出现漏水问题，底座也有些发烫。" * 150 + "请问保修期是多久？"
EN = "I bought several things last year and most of them were fine. " * 60 + "How long is the kettle warranty?"


def test_short_text_is_unchanged():
    assert bounded("How long is the warranty?", 300) == "How long is the warranty?"


def test_long_text_keeps_head_and_ask_within_the_limit():
    for text in (ZH, EN):
        for limit in (100, 300, 1000):
            cut = bounded(text, limit)
            assert len(cut) <= limit and " … " in cut
            assert text.startswith(cut.split(" … ")[0]) and text.endswith(cut.split(" … ")[1])
    assert bounded(ZH, 300).endswith("请问保修期是多久？")
    assert bounded(EN, 300).endswith("How long is the kettle warranty?")
    assert not bounded(EN, 300).split(" … ")[0].endswith("fin")  # cut at a space, not in a word


def test_a_long_question_is_also_searched_by_the_ask_it_ends_on():
    assert closing_ask(ZH) == "请问保修期是多久？"
    assert closing_ask(EN) == "How long is the kettle warranty?"
    run_on = "我的电水壶漏水，底座发烫。" * 40 + "我的电水壶漏水了，退款多久到账？"
    assert len(run_on) > EMBED_CHARS and closing_ask(run_on) == "退款多久到账？"  # the clause, not the sentence
    assert closing_ask("Does it ship to Germany, and how long does it take?") == ""  # short: searched whole
    assert closing_ask("My kettle leaks. " * 40) == ""  # a long problem that asks nothing
    assert closing_ask("My kettle leaks. " * 40 + "Why?") == ""  # too short to search alone


def test_the_answer_prompt_holds_a_bounded_question():
    for text in (ZH, EN):
        messages = build_messages(text, [("Warranty", "Two years.")], "en")
        question = messages[-1]["content"].split("Question: ", 1)[1]
        assert len(question) <= PROMPT_CHARS + 40  # the question plus the answer-language line
