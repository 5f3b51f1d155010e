"""A long question is cut to bounded parts that keep its head and its ask (knowledge/query.py), and
the prompts built from it stay bounded (bot/prompts.py)."""

from __future__ import annotations

from bot.prompts import build_messages
from knowledge.query import PROMPT_CHARS, bounded

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


def test_the_answer_prompt_holds_a_bounded_question():
    for text in (ZH, EN):
        messages = build_messages(text, [("Warranty", "Two years.")], "en")
        question = messages[-1]["content"].split("Question: ", 1)[1]
        assert len(question) <= PROMPT_CHARS + 40  # the question plus the answer-language line
