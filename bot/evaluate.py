"""`helpdesk eval`: correct answers, refusals and latency on the user's questions, by language and type.

A questions file holds one JSON object per line, in one of three forms:

- ``{"question", "facts": [["alt", ...], ...], "type"?, "lang"?, "session"?, "doc"?}``: a help-center
  question. Correct when the bot does not refuse, every fact is present (one of its alternatives, as
  a case-insensitive substring) and the answer is at most 600 characters (300 when the question is
  Chinese), citation marks such as [1] aside. Lines that share a ``"session"`` are asked in order in
  one conversation (a follow-up is typed ``"followup"``); every pair gets a conversation of its own.
- ``{"question", "answers": [...]}``: a factoid (the XQuAD rule of ``bench/answers.py``): correct when
  not refused, holding one of the answers and at most 300 characters (150 in Chinese).
- ``{"question", "unanswerable": true, "type"?: "near-domain"|"off-topic"}``: correct when refused.

The report gives the share correct, answerable questions refused, unanswerable ones refused (split
by type) and follow-ups correct, overall, per language and per type, with first-token and
whole-answer latency (p50, p95).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import IO, Any

from knowledge.errors import InputError
from knowledge.lang import CJK, detect_language

__all__ = ["load_cases", "evaluate", "score", "summarize", "by_language", "by_type", "format_report",
           "fact_missing", "strip_citations", "within_limit", "contains_gold", "concise"]

_CITE = re.compile(r"\s*\[\d{1,2}(?:\s*[,，]\s*\d{1,2})*\]")
LIMITS = {"en": 600, "zh": 300}
"""Characters a help-center answer may have, by the question's language (citation marks aside)."""


# -- reading -----------------------------------------------------------------------------------

def _check(n: int, case: Any) -> dict[str, Any]:
    where = f"line {n}"
    if not isinstance(case, dict) or not isinstance(case.get("question"), str) or not case["question"].strip():
        raise InputError(f"{where}: needs a non-empty \"question\"")
    for key in ("type", "lang", "session", "doc"):
        if key in case and (not isinstance(case[key], str) or not case[key].strip()):
            raise InputError(f"{where}: \"{key}\" must be a non-empty string")
    if case.get("lang", "en") not in LIMITS:
        raise InputError(f"{where}: \"lang\" must be one of {sorted(LIMITS)}")
    forms = [k for k in ("facts", "answers") if k in case] + (["unanswerable"] if case.get("unanswerable") else [])
    if len(forms) != 1:
        raise InputError(f"{where}: needs exactly one of \"facts\": [[...], ...], \"answers\": [...] "
                         f"or \"unanswerable\": true (found {forms or 'none'})")
    if "facts" in case:
        facts = case["facts"]
        if (not isinstance(facts, list) or not facts
                or not all(isinstance(f, list) and f and all(isinstance(a, str) and a.strip() for a in f)
                           for f in facts)):
            raise InputError(f"{where}: \"facts\" must be a non-empty list of non-empty lists of strings")
    if "answers" in case and (not isinstance(case["answers"], list) or not case["answers"]
                              or not all(isinstance(a, str) and a.strip() for a in case["answers"])):
        raise InputError(f"{where}: \"answers\" must be a non-empty list of strings")
    if case.get("type") == "followup" and "session" not in case:
        raise InputError(f"{where}: a \"followup\" needs the \"session\" of the question it follows")
    return case


def load_cases(handle: IO[str]) -> list[dict[str, Any]]:
    """Read and check the questions (the module's docstring has the forms); errors name the line."""
    cases = []
    first_of: dict[str, int] = {}
    for n, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except ValueError as exc:
            raise InputError(f"line {n}: not JSON ({exc})") from exc
        case = _check(n, case)
        if "session" in case:
            opened = first_of.setdefault(case["session"], n) == n
            if case.get("type") == "followup" and opened:
                raise InputError(f"line {n}: follow-up of session {case['session']!r} comes before its question")
        cases.append(case)
    if not cases:
        raise InputError("the questions file is empty")
    return cases


# -- scoring rules (pure) ------------------------------------------------------------------------

def strip_citations(answer: str) -> str:
    """The answer without citation marks such as [1] or [1, 2]."""
    return _CITE.sub("", answer).strip()


def within_limit(answer: str, lang: str) -> bool:
    """At most 600 characters (300 for a Chinese question), citation marks aside."""
    return len(strip_citations(answer)) <= LIMITS.get(lang, LIMITS["en"])


def fact_missing(answer: str, facts: list[list[str]]) -> list[list[str]]:
    """The facts of which no alternative occurs in the answer (case-insensitive substring)."""
    bare = strip_citations(answer).lower()
    return [fact for fact in facts if not any(alt.lower() in bare for alt in fact)]


def concise(answer: str) -> bool:
    """At most 300 characters (150 when Chinese), citation marks aside: the factoid rule."""
    bare = _CITE.sub("", answer)
    limit = 150 if len(CJK.findall(bare)) > len(bare) * 0.2 else 300
    return len(bare) <= limit


def contains_gold(answer: str, golds: list[str]) -> bool:
    """Whether the answer holds one of the gold answers (case and spacing ignored)."""
    norm = re.sub(r"\s+", " ", _CITE.sub("", answer).lower())
    return any(re.sub(r"\s+", " ", g.lower()).strip() in norm for g in golds if g.strip())


def score(case: dict[str, Any], answer: str, refused: bool) -> dict[str, Any]:
    """The verdict on one answer: ``correct``, and for facts the ``missing`` ones and ``too_long``."""
    if case.get("unanswerable"):
        return {"correct": refused}
    if "answers" in case:
        return {"correct": not refused and concise(answer) and contains_gold(answer, case["answers"])}
    missing = fact_missing(answer, case["facts"])
    too_long = not within_limit(answer, case_language(case))
    return {"correct": not refused and not missing and not too_long, "missing": missing,
            "too_long": too_long}


def case_language(case: dict[str, Any]) -> str:
    """The question's language: its ``lang``, else detected from its text."""
    return case.get("lang") or detect_language(case["question"])


def case_type(case: dict[str, Any]) -> str:
    """The question's type: its ``type``, else "unanswerable" or "answerable"."""
    return case.get("type") or ("unanswerable" if case.get("unanswerable") else "answerable")


# -- asking ------------------------------------------------------------------------------------

def evaluate(bot, cases: list[dict[str, Any]],
             progress: Callable[[int, int, dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Ask every question (each alone in a fresh conversation, a session's lines in one of their own)
    and score the answers; ``progress(i, n, row)`` is called after each."""
    rows = []
    conversation: dict[str, str] = {}  # the file's session label -> the bot's session id
    for i, case in enumerate(cases, 1):
        label = case.get("session")
        a = bot.ask(case["question"], conversation.get(label)) if label else bot.ask(case["question"])
        if label:
            conversation.setdefault(label, a.session_id)
        row = {"question": case["question"], "lang": case_language(case), "type": case_type(case),
               "answer": a.answer, "refused": a.refused, "canned": a.canned,
               "timings_ms": {k: round(v, 1) for k, v in a.timings_ms.items()}}
        if label:
            row["session"] = label
        if a.error:
            row["error"] = True
        if case.get("unanswerable"):
            row["unanswerable"] = True
        if case.get("doc"):
            row["doc"] = case["doc"]
            row["doc_cited"] = any(_stem(s.get("source", "")) == _stem(case["doc"]) for s in a.sources)
        row.update(score(case, a.answer, a.refused))
        rows.append(row)
        if progress:
            progress(i, len(cases), row)
    return {"summary": summarize(rows), "by_language": by_language(rows), "by_type": by_type(rows), "rows": rows}


def _stem(name: str) -> str:
    """A file name without folder and markup suffix (``billing.en.mdx`` and ``billing.en.md`` agree)."""
    return re.sub(r"\.(mdx?|markdown|html?|txt|pdf|csv)$", "", name.replace("\\", "/").rsplit("/", 1)[-1])


# -- reporting ---------------------------------------------------------------------------------

def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))], 1)


def _share(rows: list[dict[str, Any]], key: str) -> float | None:
    return round(sum(bool(r[key]) for r in rows) / len(rows), 3) if rows else None


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Shares and latencies of scored rows (each share is None when it has no questions)."""
    answerable = [r for r in rows if not r.get("unanswerable")]
    unanswerable = [r for r in rows if r.get("unanswerable")]
    first = [r["timings_ms"].get("first_token", 0.0) for r in rows]
    total = [r["timings_ms"].get("total", 0.0) for r in rows]
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "accuracy": _share(answerable, "correct"),
        "false_refusals": _share(answerable, "refused"),
        "unanswerable": len(unanswerable),
        "refusal_rate": _share(unanswerable, "refused"),
        "near_domain_refused": _share([r for r in unanswerable if r["type"] == "near-domain"], "refused"),
        "off_topic_refused": _share([r for r in unanswerable if r["type"] == "off-topic"], "refused"),
        "followups": sum(r["type"] == "followup" for r in rows),
        "followups_correct": _share([r for r in rows if r["type"] == "followup"], "correct"),
        "first_token_p50_ms": _pct(first, 50),
        "first_token_p95_ms": _pct(first, 95),
        "total_p50_ms": _pct(total, 50),
        "total_p95_ms": _pct(total, 95),
    }


def _groups(rows: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(r[key], []).append(r)
    return dict(sorted(groups.items()))


def _counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"questions": len(rows), "correct": _share(rows, "correct"), "refused": _share(rows, "refused")}


def by_language(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per language: its summary, and correct per type."""
    return {lang: {**summarize(g), "by_type": {t: _counts(v) for t, v in _groups(g, "type").items()}}
            for lang, g in _groups(rows, "lang").items()}


def by_type(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per type: correct (for an unanswerable type: refused) and refused, overall and per language."""
    return {t: {**_counts(g), "by_lang": {lang: _counts(v) for lang, v in _groups(g, "lang").items()}}
            for t, g in _groups(rows, "type").items()}


def _f(value, scale: float = 1.0, digits: int = 2) -> str:
    return "-" if value is None else f"{value * scale:.{digits}f}"


def format_report(report: dict[str, Any]) -> str:
    """The report as plain-text tables: overall and per language, then correct per type and language."""
    columns = ("questions", "correct", "answerable", "unanswerable", "near-domain", "off-topic", "follow-ups",
               "first token s", "answer s")
    widths = [max(9, len(c)) for c in columns]
    lines = ["share correct; share refused of answerable, unanswerable, near-domain and off-topic questions; "
             "follow-ups correct; latency p50/p95",
             " " * 6 + "".join(f"  {c:>{w}}" for c, w in zip(columns, widths))]
    for name, s in [("all", report["summary"]), *report["by_language"].items()]:
        cells = (str(s["questions"]), _f(s["accuracy"]), _f(s["false_refusals"]), _f(s["refusal_rate"]),
                 _f(s["near_domain_refused"]), _f(s["off_topic_refused"]), _f(s["followups_correct"]),
                 f"{_f(s['first_token_p50_ms'], 1e-3)}/{_f(s['first_token_p95_ms'], 1e-3)}",
                 f"{_f(s['total_p50_ms'], 1e-3)}/{_f(s['total_p95_ms'], 1e-3)}")
        lines.append(f"{name:<6}" + "".join(f"  {c:>{w}}" for c, w in zip(cells, widths)))
    langs = list(report["by_language"])
    lines += ["", "share correct by type (for an unanswerable type: refused), with the number of questions:",
              f"{'type':<14}" + "".join(f"{lang:>14}" for lang in langs) + f"{'all':>14}"]
    for typ, t in report["by_type"].items():
        cells = []
        for lang in langs:
            v = t["by_lang"].get(lang)
            cells.append(f"{_f(v['correct'])} ({v['questions']})" if v else "-")
        cells.append(f"{_f(t['correct'])} ({t['questions']})")
        lines.append(f"{typ:<14}" + "".join(f"{c:>14}" for c in cells))
    return "\n".join(lines)
