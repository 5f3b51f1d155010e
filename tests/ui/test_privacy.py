"""Export, erasure, retention and redaction on a real database: SQLite here, PostgreSQL in the
integration tier. Seeded conversations give exact JSON lines and CSV rows (through the stores and
the ``helpdesk export`` command); erasure and retention leave no row of the conversation in any
table of the schema."""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from bot.conversation import Turn
from knowledge.errors import InputError
from tests.servers import create_database
from ui.storage import Storage, database_url
from ui.storage.export import csv_columns, period
from ui.storage.schema import metadata, rate_counters

ROOT = Path(__file__).resolve().parents[2]
_databases = itertools.count()
DAY = 86400.0
SOURCE = {"n": 1, "source": "returns.md", "title": "Returns", "text": "30 days", "score": 0.9}


def _storage(request, tmp_path, redact=False) -> Storage:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    else:
        url = database_url(create_database(request.getfixturevalue("postgres_url"), f"privacy_{next(_databases)}"),
                           tmp_path)
    return Storage(url, redact=redact)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def storage(request, tmp_path):
    s = _storage(request, tmp_path)
    yield s
    s.close()


def _at(storage: Storage, table, when: float, **where) -> None:
    """Move rows' ``created_at`` to ``when`` (seeding conversations of another day)."""
    with storage.engine.begin() as conn:
        conn.execute(table.update().where(*[table.c[k] == v for k, v in where.items()]).values(created_at=when))


def seed(storage: Storage) -> dict[str, str]:
    """Two conversations on 2024-05-01 (API, English, thumbs up, a hand-off) and 2024-05-02
    (widget, Chinese, refused, thumbs down with a comment)."""
    from ui.storage.schema import feedback, handoffs, session_owners, sessions, turns

    c = storage.conversations
    a = c.start_session("api")
    c.add(a, Turn("How long do refunds take?", "How long do refunds take?", "Within 30 days [1].",
                  sources=[SOURCE]))
    c.add(a, Turn("and for shoes?", "and for shoes? (How long do refunds take?)", "Sorry, I don't know.",
                  refused=True))
    storage.feedback.add(a, 1, turn=0)
    storage.handoffs.add(a, contact="ann@example.com", message="please call")
    b = c.start_session("widget:sk_1")
    c.add(b, Turn("退货期限是多久？", "退货期限是多久？", "30天内可以退货。", canned=True))
    storage.feedback.add(b, -1, comment="太慢了")
    day1, day2 = 1714557600.0, 1714644000.0  # 2024-05-01T10:00Z, 2024-05-02T10:00Z
    for sid, when in ((a, day1), (b, day2)):
        for table in (sessions,):
            _at(storage, table, when, id=sid)
        for table in (turns, feedback, handoffs, session_owners):
            _at(storage, table, when + 60, session_id=sid)
    return {"a": a, "b": b}


def test_export_gives_exact_json_lines(storage):
    ids = seed(storage)
    lines = list(storage.export.jsonl())
    assert all(line.endswith("\n") for line in lines)
    got = [json.loads(line) for line in lines]
    assert [g["session_id"] for g in got] == [ids["a"], ids["b"]]
    a, b = got
    assert (a["started_at"], a["channel"], b["started_at"], b["channel"]) == (
        "2024-05-01T10:00:00Z", "api", "2024-05-02T10:00:00Z", "widget:sk_1")
    t0, t1 = a["turns"]
    assert {k: t0[k] for k in ("question", "answer", "refused", "canned", "sources", "at")} == {
        "question": "How long do refunds take?", "answer": "Within 30 days [1].", "refused": False,
        "canned": False, "sources": [SOURCE], "at": "2024-05-01T10:01:00Z"}
    assert t1["refused"] is True and t1["standalone"] == "and for shoes? (How long do refunds take?)"
    assert a["feedback"] == [{"turn_id": t0["id"], "rating": "up", "comment": "", "at": "2024-05-01T10:01:00Z"}]
    assert [(h["contact"], h["message"], h["webhook"]) for h in a["handoffs"]] == [("ann@example.com", "please call", "off")]
    assert b["turns"][0]["question"] == "退货期限是多久？" and b["turns"][0]["canned"] is True
    assert [(f["rating"], f["comment"]) for f in b["feedback"]] == [("down", "太慢了")]
    assert b["handoffs"] == []
    # The period: by the day each conversation started (UTC), both ends included.
    only_b = [json.loads(x)["session_id"] for x in storage.export.jsonl(*period("2024-05-02", "2024-05-02"))]
    assert only_b == [ids["b"]]
    assert [json.loads(x)["session_id"] for x in storage.export.jsonl(*period(None, "2024-05-01"))] == [ids["a"]]
    assert list(storage.export.jsonl(*period("2024-05-03", None))) == []


def test_export_gives_exact_csv_rows(storage):
    ids = seed(storage)
    text = "".join(storage.export.csv())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0].keys()) == csv_columns()
    assert [(r["session_id"], r["turn"], r["question"], r["refused"], r["canned"], r["rating"],
             r["feedback_comment"]) for r in rows] == [
        (ids["a"], "0", "How long do refunds take?", "false", "false", "up", ""),
        (ids["a"], "1", "and for shoes?", "true", "false", "", ""),
        (ids["b"], "0", "退货期限是多久？", "false", "true", "down", "太慢了"),
    ]
    assert json.loads(rows[0]["sources"]) == [SOURCE] and rows[0]["channel"] == "api"
    assert json.loads(rows[1]["handoffs"])[0]["contact"] == "ann@example.com" and rows[2]["handoffs"] == ""
    assert rows[2]["at"] == "2024-05-02T10:01:00Z" and rows[0]["started_at"] == "2024-05-01T10:00:00Z"


def test_a_formula_in_a_question_stays_text_in_the_csv(storage):
    sid = storage.conversations.start_session("api")
    storage.conversations.add(sid, Turn('=HYPERLINK("http://evil.example","click")', "q", "-1 + 2"))
    row = next(csv.DictReader(io.StringIO("".join(storage.export.csv()))))
    assert row["question"] == '\'=HYPERLINK("http://evil.example","click")' and row["answer"] == "'-1 + 2"


def test_export_streams_in_batches_of_sessions(storage):
    """3,000 turns in 1,000 conversations, read 50 conversations at a time: the first line comes
    after the first page's queries, and no query returns more than one page of sessions."""
    from ui.storage.schema import sessions, turns

    now = time.time()
    with storage.engine.begin() as conn:
        conn.execute(sessions.insert(), [{"id": f"s{i:05d}", "created_at": now + i, "meta": {}} for i in range(1000)])
        conn.execute(turns.insert(), [{"session_id": f"s{i // 3:05d}", "question": f"q{i}", "standalone": f"q{i}",
                                       "answer": f"a{i}", "refused": False, "canned": False, "sources": [],
                                       "created_at": now + i} for i in range(3000)])
    statements: list[str] = []
    listener = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    event.listen(storage.engine, "before_cursor_execute", listener)
    try:
        lines = storage.export.jsonl(batch=50)
        first = json.loads(next(lines))
        assert first["session_id"] == "s00000" and [t["question"] for t in first["turns"]] == ["q0", "q1", "q2"]
        assert len(statements) == 4  # one page: sessions, turns, feedback, hand-offs
        rest = [json.loads(line) for line in lines]
    finally:
        event.remove(storage.engine, "before_cursor_execute", listener)
    assert len(rest) == 999 and rest[-1]["session_id"] == "s00999"
    assert sum(len(c["turns"]) for c in [first, *rest]) == 3000
    assert len(statements) == 4 * 20 + 1  # 20 pages and the empty one that ends it
    rows = list(csv.reader(io.StringIO("".join(storage.export.csv(batch=50)))))
    assert len(rows) == 3001


def _counts(storage: Storage) -> dict[str, int]:
    with storage.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in metadata.sorted_tables if t.name != "alembic_version"}


def _session_rows(storage: Storage, sid: str) -> dict[str, int]:
    """Rows that name ``sid`` in any column of any table, and rate counters named after it."""
    found = {}
    with storage.engine.connect() as conn:
        for t in metadata.sorted_tables:
            for col in ("session_id", "id") if t.name == "sessions" else ("session_id",):
                if col in t.c:
                    n = conn.execute(select(func.count()).select_from(t).where(t.c[col] == sid)).scalar()
                    if n:
                        found[f"{t.name}.{col}"] = n
        n = conn.execute(select(func.count()).select_from(rate_counters)
                         .where(rate_counters.c.key.contains(sid, autoescape=True))).scalar()
        if n:
            found["rate_counters"] = n
    return found


def test_erasing_a_conversation_leaves_nothing_of_it_in_any_table(storage):
    ids = seed(storage)
    storage.counters.hit(f"feedback-session:{ids['a']}", 60)
    with storage.engine.begin() as conn:
        conn.execute(rate_counters.insert().values(key=f"handoff-session:{ids['a']}", window=2**31 - 1, count=1))
        conn.execute(rate_counters.insert().values(key="handoff:10.0.0.1", window=2**31 - 1, count=1))
    before = _counts(storage)
    assert _session_rows(storage, ids["a"])
    assert storage.erasure.erase(ids["a"]) is True
    assert _session_rows(storage, ids["a"]) == {}
    after = _counts(storage)
    assert after["turns"] == before["turns"] - 2 and after["feedback"] == before["feedback"] - 1
    assert after["handoffs"] == 0 and after["sessions"] == 1 and after["session_owners"] == 1
    assert after["rate_counters"] == before["rate_counters"] - 2  # the client's own counter stays
    assert [json.loads(x)["session_id"] for x in storage.export.jsonl()] == [ids["b"]]  # b untouched
    assert storage.erasure.erase(ids["a"]) is False  # gone: nothing to erase


def test_retention_erases_conversations_past_the_period_and_keeps_the_rest(storage):
    ids = seed(storage)  # both in May 2024
    fresh = storage.conversations.start_session("chat")
    storage.conversations.add(fresh, Turn("hello", "hello", "hi"))
    empty_old = storage.conversations.start_session("api")  # never asked anything
    from ui.storage.schema import session_owners, sessions

    _at(storage, sessions, 1714557600.0, id=empty_old)
    _at(storage, session_owners, 1714557600.0, session_id=empty_old)
    now = 1714644000.0 + 10 * DAY  # ten days after b
    # b's last activity is 10 days old, a's 11: keep 10.5 days -> a and the empty one go
    assert storage.erasure.purge(10.5, now=now) == 2
    assert _session_rows(storage, ids["a"]) == {} and _session_rows(storage, empty_old) == {}
    assert _session_rows(storage, ids["b"]) and _session_rows(storage, fresh)
    message = storage.erasure.retain(1)  # the job as the scheduler runs it, on the real clock
    assert message == "erased 1 conversations older than 1 days"
    counts = _counts(storage)
    assert {k: counts[k] for k in ("sessions", "turns", "feedback", "handoffs", "session_owners")} == {
        "sessions": 1, "turns": 1, "feedback": 0, "handoffs": 0, "session_owners": 1}


def test_the_service_runs_retention_as_a_daily_job(tmp_path):
    from bot.settings import PrivacySettings, Settings
    from ui.service import Service

    service = Service.from_settings(Settings(data_dir=tmp_path, privacy=PrivacySettings(retention_days=30)))
    try:
        sid = service.storage.conversations.start_session("api")
        service.storage.conversations.add(sid, Turn("q", "q", "a"))
        from ui.storage.schema import session_owners, sessions, turns

        _at(service.storage, sessions, time.time() - 40 * DAY, id=sid)
        for table in (turns, session_owners):
            _at(service.storage, table, time.time() - 40 * DAY, session_id=sid)
        assert service.scheduler.tick() == ["retention"]
        job = service.storage.jobs.get("retention")
        assert job["last_status"] == "ok" and job["last_message"] == "erased 1 conversations older than 30 days"
        assert service.scheduler.tick() == []  # due again in a day
        assert _session_rows(service.storage, sid) == {}
    finally:
        service.storage.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def redacting(request, tmp_path):
    s = _storage(request, tmp_path, redact=True)
    yield s
    s.close()


def test_redaction_masks_what_is_stored_and_exported(redacting):
    c = redacting.conversations
    sid = c.start_session("api")
    c.add(sid, Turn("My card 4111 1111 1111 1111 was charged twice, order 20240512-0042",
                    "My card 4111 1111 1111 1111 was charged twice, order 20240512-0042",
                    "Write to billing@shop.example and quote order 20240512-0042."))
    fid = redacting.feedback.add(sid, -1, comment="call me: 138 1234 5678")
    handoff = redacting.handoffs.add(sid, contact="+44 20 7946 0958", message="或者发邮件 li.lei@163.com")
    assert handoff["contact"] == "+44 20 7946 0958"  # what the webhook sends the person who calls back
    from ui.storage.schema import feedback, handoffs, turns

    with redacting.engine.connect() as conn:
        turn = conn.execute(select(turns)).mappings().one()
        mark = conn.execute(select(feedback)).mappings().one()
        hand = conn.execute(select(handoffs)).mappings().one()
    assert turn["question"] == turn["standalone"] == "My card [card] was charged twice, order 20240512-0042"
    assert turn["answer"] == "Write to [email] and quote order 20240512-0042."
    assert mark["comment"] == "call me: [phone]" and "[card]" in mark["question"]
    assert (hand["contact"], hand["message"]) == ("[phone]", "或者发邮件 [email]")
    assert "4111" not in json.dumps(hand["transcript"])
    redacting.feedback.set_comment(fid, "mail x@y.org")
    dumped = "".join(redacting.export.jsonl()) + "".join(redacting.export.csv())
    for secret in ("4111", "billing@", "1234 5678", "7946", "li.lei", "x@y.org"):
        assert secret not in dumped
    assert "20240512-0042" in dumped


def test_bad_periods_are_refused():
    for start, end, msg in (("2024-13-01", None, "from must be a date"), (None, "yesterday", "to must be a date"),
                            ("2024-05-02", "2024-05-01", "after"), ("2024-05-01\x00", None, "from must")):
        with pytest.raises(InputError, match=msg):
            period(start, end)


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    return subprocess.run([sys.executable, "-c", "from ui.cli import main; main()", "--data-dir", str(data_dir),
                           "export", *args], capture_output=True, text=True, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)},
                          timeout=120)


def test_the_export_command(tmp_path):
    data = tmp_path / "data"
    storage = Storage(database_url(None, data))
    try:
        ids = seed(storage)
    finally:
        storage.close()
    out = _cli(data)
    assert out.returncode == 0, out.stderr
    assert [json.loads(x)["session_id"] for x in out.stdout.splitlines()] == [ids["a"], ids["b"]]
    assert "exported 2 conversations" in out.stderr
    target = tmp_path / "may-2.csv"
    out = _cli(data, "--format", "csv", "--from", "2024-05-02", "--to", "2024-05-31", "-o", str(target))
    assert out.returncode == 0 and out.stdout == "" and "exported 1 turns" in out.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(r["session_id"], r["question"], r["rating"]) for r in rows] == [(ids["b"], "退货期限是多久？", "down")]
    bad = _cli(data, "--from", "May 1")
    assert bad.returncode == 2 and "from must be a date as YYYY-MM-DD" in bad.stderr
    bad = _cli(data, "--format", "xml")
    assert bad.returncode == 2 and "xml" in bad.stderr
