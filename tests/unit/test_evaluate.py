"""`helpdesk eval`'s scoring rules and report, on recorded answers (pure logic)."""

from __future__ import annotations

import io
import json

import pytest

from bot.bot import Answer
from bot.evaluate import (concise, contains_gold, evaluate, fact_missing, format_report, load_cases, score,
                          strip_citations, within_limit)
from knowledge.errors import InputError


class Recorded:
    """Answers from a table, recording the session id each question was asked in."""

    def __init__(self, answers: dict[str, tuple[str, bool]], first_ms: float = 100.0, total_ms: float = 200.0,
                 sources: list[dict] | None = None):
        self.answers, self.first_ms, self.total_ms = answers, first_ms, total_ms
        self.sources = sources or []
        self.asked: list[tuple[str, str | None, str]] = []
        self._n = 0

    def ask(self, question: str, session_id: str | None = None) -> Answer:
        if session_id is None:
            self._n += 1
            sid = f"s{self._n}"
        else:
            sid = session_id
        self.asked.append((question, session_id, sid))
        text, refused = self.answers[question]
        return Answer(text, refused, False, self.sources, {"first_token": self.first_ms, "total": self.total_ms},
                      sid)


def lines(*objs) -> io.StringIO:
    return io.StringIO("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs))


# -- the rules ---------------------------------------------------------------------------------

def test_every_fact_needs_one_alternative_case_insensitively():
    facts = [["30 days", "thirty days"], ["Refund"]]
    assert fact_missing("You have Thirty Days for a full REFUND [1].", facts) == []
    assert fact_missing("You have 30 days [1].", facts) == [["Refund"]]
    assert fact_missing("", facts) == facts
    # citation marks are no part of a fact: "30 [1] days" reads "30 days"
    assert fact_missing("Within 30 [1] days, refund.", facts) == []


def test_length_limits_count_without_citation_marks():
    assert strip_citations("It is 5 [1]. And 6 [2][3], or 7 [1, 2].") == "It is 5. And 6, or 7."
    assert within_limit("x" * 600 + " [1] [2]", "en") and not within_limit("x" * 601, "en")
    assert within_limit("退" * 300 + "[1]", "zh") and not within_limit("退" * 301, "zh")
    # the limit follows the question's language: a Chinese question's English answer has 300 too
    assert not within_limit("x" * 301, "zh")


def test_score_of_facts_refusals_and_unanswerable():
    case = {"question": "q", "facts": [["30 days"]], "lang": "en"}
    assert score(case, "30 days [1].", False) == {"correct": True, "missing": [], "too_long": False}
    # a refusal is never correct, even when it happens to hold the facts
    assert score(case, "30 days? Sorry, I don't know.", True)["correct"] is False
    too_long = score(case, "30 days. " + "x" * 600, False)
    assert too_long == {"correct": False, "missing": [], "too_long": True}
    zh = {"question": "退货期限？", "facts": [["30天"]]}  # no "lang": detected from the question
    assert score(zh, "30天" + "。" * 297, False)["correct"] and not score(zh, "30天" + "。" * 298, False)["correct"]
    assert score({"question": "u", "unanswerable": True}, "Sorry.", True) == {"correct": True}
    assert score({"question": "u", "unanswerable": True}, "It is 5.", False) == {"correct": False}


def test_the_factoid_form_keeps_its_rule():
    assert concise("x" * 300) and not concise("x" * 301)
    assert concise("三" * 150 + " [1]") and not concise("三" * 151)
    assert contains_gold("It is 30  Days [1].", ["30 days"])
    assert not contains_gold("It is thirty days.", ["30 days"])
    case = {"question": "q", "answers": ["5"]}
    assert score(case, "It is 5 [1].", False) == {"correct": True}
    assert score(case, "It is 5. " + "x" * 300, False) == {"correct": False}


# -- reading -----------------------------------------------------------------------------------

def test_all_three_forms_load():
    cases = load_cases(lines({"question": "q", "answers": ["a"]}, {"question": "u", "unanswerable": True},
                             {"question": "f", "facts": [["a", "b"], ["c"]], "type": "fact", "lang": "en"},
                             {"question": "n", "unanswerable": True, "type": "near-domain", "lang": "zh"}))
    assert len(cases) == 4


@pytest.mark.parametrize("bad, message", [
    ('{"question": "q"}', "line 1: needs exactly one of"),
    ('{"question": "q", "facts": [["a"]], "answers": ["a"]}', "exactly one of"),
    ('{"question": "", "facts": [["a"]]}', "non-empty \"question\""),
    ('{"question": 5, "facts": [["a"]]}', "non-empty \"question\""),
    ('["question"]', "non-empty \"question\""),
    ('{"question": "q", "facts": []}', "\"facts\" must be"),
    ('{"question": "q", "facts": ["a"]}', "\"facts\" must be"),
    ('{"question": "q", "facts": [["a", ""]]}', "\"facts\" must be"),
    ('{"question": "q", "facts": [[]]}', "\"facts\" must be"),
    ('{"question": "q", "answers": "a"}', "\"answers\" must be"),
    ('{"question": "q", "facts": [["a"]], "lang": "fr"}', "\"lang\" must be one of"),
    ('{"question": "q", "facts": [["a"]], "type": 3}', "\"type\" must be"),
    ('{"question": "q", "facts": [["a"]], "type": "followup"}', "needs the \"session\""),
    ('{"question": "q", "facts": [["a"]], "type": "followup", "session": "fu-1"}', "comes before its question"),
    ('{"question": "q", ', "line 1: not JSON"),
])
def test_bad_lines_are_named(bad, message):
    with pytest.raises(InputError, match=message):
        load_cases(io.StringIO(bad + "\n"))


def test_an_empty_file_is_refused_and_the_line_number_counts_blank_lines():
    with pytest.raises(InputError, match="empty"):
        load_cases(io.StringIO("\n\n"))
    with pytest.raises(InputError, match="line 3"):
        load_cases(io.StringIO('{"question": "q", "answers": ["a"]}\n\n{"question": "x"}\n'))


# -- asking and reporting ------------------------------------------------------------------------

def test_follow_ups_share_one_conversation_per_pair_and_nothing_else_does():
    cases = load_cases(lines(
        {"question": "a1", "facts": [["x"]], "type": "fact", "session": "fu-1"},
        {"question": "alone", "facts": [["x"]], "type": "fact"},
        {"question": "b1", "facts": [["x"]], "type": "fact", "session": "fu-2"},
        {"question": "a2", "facts": [["y"]], "type": "followup", "session": "fu-1"},
        {"question": "b2", "facts": [["y"]], "type": "followup", "session": "fu-2"},
    ))
    bot = Recorded({q: ("x", False) for q in ("a1", "alone", "b1", "a2", "b2")})
    report = evaluate(bot, cases)
    sid = {q: s for q, _, s in bot.asked}
    passed = {q: given for q, given, _ in bot.asked}
    assert passed["a1"] is None and passed["b1"] is None and passed["alone"] is None  # fresh each
    assert passed["a2"] == sid["a1"] and passed["b2"] == sid["b1"]  # the follow-up joins its pair
    assert len({sid["a1"], sid["b1"], sid["alone"]}) == 3
    s = report["summary"]
    assert s["followups"] == 2 and s["followups_correct"] == 0.0  # "x" lacks the follow-ups' fact "y"
    assert [r["missing"] for r in report["rows"] if r["type"] == "followup"] == [[["y"]], [["y"]]]


def test_report_by_language_and_type_with_unanswerable_split():
    cases = load_cases(lines(
        {"question": "How long?", "facts": [["30 days"]], "type": "fact", "lang": "en"},
        {"question": "How do I?", "facts": [["orders"], ["request a return"]], "type": "procedure", "lang": "en"},
        {"question": "Refund?", "facts": [["5 working days"]], "type": "fact", "lang": "en"},
        {"question": "多久？", "facts": [["30天"]], "type": "fact", "lang": "zh"},
        {"question": "Caffeine?", "unanswerable": True, "type": "near-domain", "lang": "en"},
        {"question": "Bikes?", "unanswerable": True, "type": "off-topic", "lang": "en"},
        {"question": "CEO?", "unanswerable": True, "type": "near-domain", "lang": "zh"},
    ))
    bot = Recorded({
        "How long?": ("30 Days [1].", False),
        "How do I?": ("Go to Orders [1].", False),  # one of two steps: wrong
        "Refund?": ("Sorry, I don't know.", True),  # an answerable question refused
        "多久？": ("签收后30天内。[1]", False),
        "Caffeine?": ("About 40 mg.", False),  # near-domain answered: not refused
        "Bikes?": ("Sorry.", True),
        "CEO?": ("抱歉。", True),
    }, sources=[{"source": "returns.md"}])
    report = evaluate(bot, cases)
    s = report["summary"]
    assert (s["questions"], s["answerable"], s["unanswerable"]) == (7, 4, 3)
    assert s["accuracy"] == 0.5 and s["false_refusals"] == 0.25
    assert s["refusal_rate"] == 0.667 and s["near_domain_refused"] == 0.5 and s["off_topic_refused"] == 1.0
    assert s["followups"] == 0 and s["followups_correct"] is None
    assert s["first_token_p50_ms"] == 100.0 and s["total_p95_ms"] == 200.0
    en, zh = report["by_language"]["en"], report["by_language"]["zh"]
    assert en["accuracy"] == 0.333 and en["near_domain_refused"] == 0.0 and zh["accuracy"] == 1.0
    assert en["by_type"]["fact"] == {"questions": 2, "correct": 0.5, "refused": 0.5}
    t = report["by_type"]
    assert t["fact"]["correct"] == 0.667 and t["fact"]["by_lang"]["zh"]["correct"] == 1.0
    assert t["procedure"]["correct"] == 0.0 and t["near-domain"]["correct"] == 0.5
    procedure = next(r for r in report["rows"] if r["type"] == "procedure")
    assert procedure["missing"] == [["request a return"]] and not procedure["refused"]
    text = format_report(report)
    table = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.strip()}
    assert table["all"][:3] == ["7", "0.50", "0.25"] and table["zh"][:2] == ["2", "1.00"]
    assert table["near-domain"][:2] == ["0.00", "(1)"]  # en, then zh


def test_the_cited_page_is_reported_whatever_its_markup_suffix():
    cases = load_cases(lines({"question": "q", "facts": [["x"]], "doc": "billing.en.mdx"}))
    cited = evaluate(Recorded({"q": ("x", False)}, sources=[{"source": "kb/en/billing.en.md"}]), cases)
    other = evaluate(Recorded({"q": ("x", False)}, sources=[{"source": "plans.en.mdx"}]), cases)
    assert cited["rows"][0]["doc_cited"] is True and other["rows"][0]["doc_cited"] is False


def test_progress_is_called_once_per_question():
    seen = []
    cases = load_cases(lines({"question": "q", "answers": ["5"]}, {"question": "u", "unanswerable": True}))
    evaluate(Recorded({"q": ("5", False), "u": ("Sorry", True)}), cases, lambda i, n, row: seen.append((i, n)))
    assert seen == [(1, 2), (2, 2)]
