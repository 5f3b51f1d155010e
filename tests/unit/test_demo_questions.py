"""The demo questions (`bot/demo/questions.jsonl`) hold what their answers are scored on.

Like helpcenter-dev's check.py: every fact has an alternative in its page, no question gives a fact
away, every kind of question is there in both languages, follow-ups come in pairs, and no
unanswerable question is answered by the demo knowledge (a keyword screen: the words an answer
would need occur in no page; the questions were also read against every page).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from bot.evaluate import load_cases

DEMO = Path(__file__).resolve().parents[2] / "bot" / "demo"
ANSWERABLE = {"fact", "procedure", "yesno", "multipart", "paraphrase", "symptom"}
UNANSWERABLE = {"near-domain", "off-topic"}

# Words an answer to each unanswerable question would have to use; none may occur in the knowledge.
PROBES = {
    "How much caffeine is in the Yunnan Golden Black Tea?": ["caffeine", "mg", "milligram"],
    "Do you offer a student discount?": ["student", "students", "university"],
    "Can I pick up my order at a shop in Amsterdam?": ["pick up", "pickup", "click and collect", "in store",
                                                       "in-store", "amsterdam", "collect your order"],
    "Is your tea certified organic?": ["organic", "certified", "certification", "bio"],
    "Can you gift-wrap my order?": ["gift wrap", "gift-wrap", "wrapping", "wrapped", "gift box"],
    "What is the wattage of the Lumen Precision Kettle?": ["watt", "watts", "wattage", "power consumption"],
    "Can I subscribe to a monthly tea delivery?": ["subscribe", "subscription", "monthly delivery",
                                                   "every month"],
    "Is the clay teapot handmade?": ["handmade", "hand-made", "handcrafted", "made by hand", "artisan"],
    "Do you sell bicycles?": ["bicycle", "bicycles", "bike"],
    "What is the capital of Australia?": ["australia", "canberra", "capital"],
    "Can you recommend a good recipe for banana bread?": ["banana", "recipe", "bake", "oven"],
    "你们的CEO是谁？": ["ceo", "首席执行官", "创始人", "总裁", "老板"],
    "你们公司是哪一年成立的？": ["成立", "创办", "创立", "年创"],
    "你们的茶叶有有机认证吗？": ["有机", "认证"],
    "你们招聘兼职员工吗？": ["招聘", "兼职", "职位", "工作机会"],
    "电水壶的功率是多少瓦？": ["功率", "瓦"],
    "可以在上海的门店自提吗？": ["自提", "门店", "到店"],
    "茶叶可以按月订阅、每月自动寄送吗？": ["订阅", "按月", "每月寄", "自动寄送"],
    "买来送人的话，可以帮忙做礼品包装吗？": ["礼品包装", "礼盒", "贺卡", "代包装"],
    "北京明天会下雨吗？": ["下雨", "天气"],
    "红烧肉怎么做才好吃？": ["红烧肉", "菜谱", "猪肉"],
    "怎么学好Python编程？": ["python", "编程"],
}

# The issue's own examples must stay in the set.
REQUIRED = ["How do I return something?", "I opened a box of tea, can I send it back?",
            "I bought a kettle in the sale, can I return it and who pays shipping from Germany?",
            "The kettle stopped heating after 8 months.", "怎么退货？", "保修期多长？"]


def _rows() -> list[dict]:
    text = (DEMO / "questions.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _pages() -> dict[str, str]:
    kb = DEMO / "kb"
    return {p.relative_to(kb).as_posix(): p.read_text("utf-8").lower() for p in sorted(kb.rglob("*")) if p.is_file()}


def _occurs(probe: str, text: str) -> bool:
    p = probe.lower()
    if re.search(r"[\u3400-\u9fff]", p):
        return p in text
    return re.search(r"(?<![a-z0-9])" + re.escape(p) + r"(?![a-z0-9])", text) is not None


def test_the_file_loads_as_eval_reads_it_and_has_every_kind_in_both_languages():
    with (DEMO / "questions.jsonl").open(encoding="utf-8") as f:
        cases = load_cases(f)
    rows = _rows()
    assert len(cases) == len(rows) and len({r["question"] for r in rows}) == len(rows)
    per_lang = Counter(r["lang"] for r in rows)
    assert per_lang["en"] >= 40 and per_lang["zh"] >= 40 and set(per_lang) == {"en", "zh"}
    kinds = Counter((r["lang"], r["type"]) for r in rows)
    for lang in ("en", "zh"):
        for typ in ANSWERABLE | UNANSWERABLE | {"followup"}:
            assert kinds[(lang, typ)] >= (3 if typ != "off-topic" else 2), (lang, typ)
    assert set(REQUIRED) <= {r["question"] for r in rows}


@pytest.mark.parametrize("row", [r for r in _rows() if not r.get("unanswerable")], ids=lambda r: r["question"])
def test_every_fact_is_in_its_page_and_not_given_away(row):
    pages = _pages()
    assert row["type"] in ANSWERABLE | {"followup"}
    page = pages[row["doc"]]
    for fact in row["facts"]:
        assert any(alt.lower() in page for alt in fact), f"no alternative of {fact} occurs in {row['doc']}"
        given = [alt for alt in fact if alt.lower() in row["question"].lower()]
        assert not given, f"the question gives away {given}"
        assert all(len(alt.split()) <= 4 and len(alt) <= 40 for alt in fact), "alternatives are short"


@pytest.mark.parametrize("row", [r for r in _rows() if r.get("unanswerable")], ids=lambda r: r["question"])
def test_no_unanswerable_question_is_answered_by_any_page(row):
    assert row["type"] in UNANSWERABLE and set(row) == {"question", "lang", "unanswerable", "type"}
    probes = PROBES.get(row["question"])
    assert probes, "every unanswerable question needs probe terms"
    hits = [(name, p) for name, text in _pages().items() for p in probes if _occurs(p, text)]
    assert not hits


def test_follow_ups_are_pairs_of_one_language():
    sessions: dict[str, list[dict]] = {}
    for r in _rows():
        if "session" in r:
            sessions.setdefault(r["session"], []).append(r)
    assert len(sessions) >= 8
    for sid, (first, second, *rest) in sessions.items():
        assert not rest, sid
        assert first["type"] != "followup" and second["type"] == "followup" and first["lang"] == second["lang"]
