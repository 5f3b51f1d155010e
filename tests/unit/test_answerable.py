"""Answerability beyond relevance: names the knowledge never mentions, prices it does not state."""

from __future__ import annotations

import pytest

from bot.answerable import (asks_price, help_center_wording, is_problem_statement, states_price, support_wording,
                            unknown_names)
from bot.compose import question_parts
from knowledge.keyword import tokenize

KNOWLEDGE = """Pay by Visa, Mastercard, Alipay or WeChat Pay through Stripe. Upload PDF, DOCX and Markdown
files. Install with Docker Compose on Linux or macOS. Sign in with GitHub or Google. The Team plan has
50 members. Shortcuts: Cmd+K opens the search. Connect Notion pages. 知识库支持上传 PDF 和 Markdown 文件。"""
VOCAB = set(tokenize(KNOWLEDGE))


def names(question: str) -> list[str]:
    return unknown_names(question, VOCAB, VOCAB.__contains__)


@pytest.mark.parametrize("question, expected", [
    ("Can I pay for my subscription with PayPal?", ["PayPal"]),
    ("Is EPUB one of the supported formats?", ["EPUB"]),
    ("Can I deploy it on Kubernetes with a Helm chart?", ["Kubernetes", "Helm"]),
    ("Can I connect my bot to a Slack channel?", ["Slack"]),
    ("Can I turn on 2FA for my login?", ["2FA"]),
    ("对话日志能导出成 Excel 表格吗？", ["Excel"]),
    ("Does the router support WPA3?", ["WPA3"]),               # letters then digits
    ("How many watts does the Team plan draw?", ["watts"]),    # a measure never mentioned
    ("What is the wattage of the Team plan?", ["wattage"]),
    ("Is there a student discount on the Team plan?", ["student discount"]),  # a thing never mentioned
    ("Team 套餐有学生优惠吗？", ["学生优惠"]),
])
def test_names_the_knowledge_never_mentions(question, expected):
    assert names(question) == expected


@pytest.mark.parametrize("question", [
    "Can I pay with Alipay?",                      # mentioned
    "How do I install on a Mac?",                  # inside "macOS"
    "Which file types can I upload?",              # no names
    "How do I sign in with GitHub?",
    "What does Cmd+K do on the Team plan?",
    "I'd like to connect Notion. How?",            # sentence start and "I" are no names
    "前端放在 chat.acme.io，登录后掉线。",             # a domain is not a name
    "知识库支持上传 PDF 吗？",
    "How many members does the Team plan have?",     # a measure the knowledge gives
    "How much does the Team plan cost?",
    "How many times can I change the Team plan?",    # a count a page may word as "once"
    "Is there a fee for the Team plan?",             # one word: a page may call it a charge
    "Is there a member limit on the Team plan?",     # "member" is known
    "知识库有上传限制吗？",
    "怎么把 Team 套餐的所有权转给别人？",              # 所有权 is no "有 ... 吗"
    "Can I install it on macOS 14?",                 # digits alone are no name
    "What is the default IP address of the hub?",  # generic technical words name nothing
    "How do I change the PIN on my PC?",
])
def test_known_or_ordinary_words_are_no_unknown_names(question):
    assert names(question) == []


@pytest.mark.parametrize("question", ["How much does the Team plan cost per month?", "What's the price of the kettle?",
                                      "How much is the Pro subscription?", "Team 套餐一个月多少钱？", "这个怎么收费？"])
def test_price_questions(question):
    assert asks_price(question)


@pytest.mark.parametrize("question", ["How much storage does the free plan include?", "How long does delivery take?",
                                      "How much memory do I need?", "能上传多少个文件？"])
def test_other_how_much_questions_are_not_about_price(question):
    assert not asks_price(question)


def test_an_amount_or_free_states_a_price():
    assert states_price(["The plan costs $59 a month."]) and states_price(["每月 99 元。"])
    assert states_price(["Returns from the EU are free of charge."])
    assert states_price(["退货运费免费。"]) and not states_price(["新用户可以免费试用 Guard Plus 30 天。"])
    assert states_price(["product: Lumen Precision Kettle; price_eur: 89.00; stock: 12"])
    assert not states_price(["The Team plan has 50 members and unlimited logs."])


@pytest.mark.parametrize("text", ["The kettle stopped heating after 8 months.", "The teapot I ordered arrived cracked.",
                                  "Some documents switched to disabled on their own.", "水壶放在底座上却开不了机。",
                                  "重置密码的邮件一直没收到。", "电水壶不加热了", "The kettle leaks at the bottom."])
def test_problems_told_as_statements(text):
    assert is_problem_statement(text)
    wording = support_wording(text)
    first = text.split()[:3]  # the problem's own words come first, then the support wording
    assert wording.split()[:len(first)] == first and len(wording) > len(text)


@pytest.mark.parametrize(("text", "word"), [
    ("The kettle stopped heating after 8 months.", "warranty"),  # a fault after months of use
    ("My frother broke two weeks later.", "warranty"),
    ("水壶用了半年就坏了。", "保修"),
    ("三个月后就不加热了。", "保修"),
    ("电水壶用了8个月就不加热了", "保修"),
    ("The teapot I ordered arrived cracked.", "delivery"),  # damage found on arrival
    ("收到的茶具碎了。", "损坏"),
    ("My kettle won't turn on when I put it on the base.", "troubleshooting"),  # any other fault
])
def test_a_problem_is_searched_in_the_words_of_the_policy_that_answers_it(text, word):
    wording = support_wording(text)
    assert word in wording and word not in text
    assert ("warranty" in wording or "保修" in wording) == (word in ("warranty", "保修", "troubleshooting"))
    # how long it worked picks the policy; it is not a word to match ("descale every 3 months")
    if word in ("warranty", "保修"):
        assert not any(t in wording for t in ("months", "weeks", "半年", "个月"))


@pytest.mark.parametrize("text", ["How do I fix a flat tire?", "Why did my kettle stop heating?", "Refund policy",
                                  "Can I return opened tea", "水壶坏了怎么办？", "退款政策"])
def test_questions_and_topics_are_no_problem_statements(text):
    assert not is_problem_statement(text)


@pytest.mark.parametrize("question, word", [
    ("How soon do I get my money back?", "refund"),
    ("Can I send it back if it doesn't fit?", "return"),
    ("I changed my mind about my order, what now?", "cancel"),
    ("东西寄回去以后，钱什么时候能回来？", "退款"),
    ("刚下的单不想要了，怎么办？", "取消"),
    ("买多少钱可以包邮？", "免运费"),
])
def test_a_customer_s_own_words_gain_the_word_help_pages_use(question, word):
    assert word in help_center_wording(question)
    assert word not in question


def test_help_center_wording_keeps_the_question_s_parts_and_leaves_other_questions_alone():
    question = "How long do I have to return it, and how soon do I get my money back?"
    assert len(question_parts(help_center_wording(question))) == len(question_parts(question)) == 2
    for plain in ("How long does delivery take?", "能寄到台湾吗？", "Where is my order?"):
        assert help_center_wording(plain) == plain
