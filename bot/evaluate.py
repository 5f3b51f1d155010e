"""`helpdesk eval`: answer accuracy, refusals, false refusals and latency on the user's questions."""

from __future__ import annotations

import json
import re
from typing import IO, Any

from knowledge.errors import InputError

__all__ = ["load_cases", "evaluate", "contains_gold", "concise"]

_CITE = re.compile(r"\s*\[\d{1,2}\]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def load_cases(handle: IO[str]) -> list[dict[str, Any]]:
    """Read lines ``{"question", "answers": [...]}`` or ``{"question", "unanswerable": true}``."""
    cases = []
    for n, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except ValueError as exc:
            raise InputError(f"line {n}: not JSON ({exc})") from exc
        if not isinstance(case, dict) or not str(case.get("question", "")).strip():
            raise InputError(f"line {n}: needs a non-empty \"question\"")
        if not case.get("unanswerable") and not case.get("answers"):
            raise InputError(f"line {n}: needs \"answers\": [...] or \"unanswerable\": true")
        cases.append(case)
    if not cases:
        raise InputError("the questions file is empty")
    return cases


def concise(answer: str) -> bool:
    """At most 300 characters (150 when Chinese), citation marks aside."""
    bare = _CITE.sub("", answer)
    limit = 150 if len(_CJK.findall(bare)) > len(bare) * 0.2 else 300
    return len(bare) <= limit


def contains_gold(answer: str, golds: list[str]) -> bool:
    """Whether the answer holds one of the gold answers (case and spacing ignored)."""
    norm = re.sub(r"\s+", " ", _CITE.sub("", answer).lower())
    return any(re.sub(r"\s+", " ", g.lower()).strip() in norm for g in golds if g.strip())


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return round(s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))], 1)


def evaluate(bot, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Ask every question in a fresh session and score the answers."""
    rows = []
    for case in cases:
        a = bot.ask(case["question"])
        row = {"question": case["question"], "answer": a.answer, "refused": a.refused,
               "canned": a.canned, "timings_ms": a.timings_ms}
        if case.get("unanswerable"):
            row["unanswerable"] = True
        else:
            row["correct"] = (not a.refused and concise(a.answer)
                              and contains_gold(a.answer, case["answers"]))
        rows.append(row)
    answerable = [r for r in rows if not r.get("unanswerable")]
    unanswerable = [r for r in rows if r.get("unanswerable")]
    first = [r["timings_ms"].get("first_token", 0.0) for r in rows]
    total = [r["timings_ms"].get("total", 0.0) for r in rows]
    summary = {
        "questions": len(rows),
        "accuracy": round(sum(r["correct"] for r in answerable) / len(answerable), 3) if answerable else None,
        "false_refusals": round(sum(r["refused"] for r in answerable) / len(answerable), 3) if answerable else None,
        "refusal_rate": round(sum(r["refused"] for r in unanswerable) / len(unanswerable), 3) if unanswerable else None,
        "first_token_p50_ms": _pct(first, 50),
        "first_token_p95_ms": _pct(first, 95),
        "total_p50_ms": _pct(total, 50),
        "total_p95_ms": _pct(total, 95),
    }
    return {"summary": summary, "rows": rows}
