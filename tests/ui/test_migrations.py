"""The versioned schema: upgrading a database made by helpdesk 0.1.0 with data in every table,
replicas starting together on a fresh PostgreSQL, and migrations that match ``schema.py``.

The 0.1.0 database is made from that release's own DDL, frozen in tests/fixtures/release_schema,
and filled with plain SQL, so nothing here depends on today's code to build "the old database".
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from tests.servers import create_database
from ui.auth import AdminAuth, hash_password
from ui.storage import Storage, database_url, make_engine, migrate
from ui.storage.schema import metadata

RELEASE = Path(__file__).resolve().parents[1] / "fixtures" / "release_schema"
NOW = time.time()
DAY = (int(NOW // 86400) + 1) * 86400  # the end of today's day window of the rate counters
_databases = itertools.count()

# One or more rows in every table of 0.1.0, as that release wrote them.
ROWS = {
    "sessions": [{"id": "s-api", "created_at": NOW - 60, "meta": "{}"},
                 {"id": "s-cli", "created_at": NOW - 50, "meta": "{}"}],
    "turns": [
        {"session_id": "s-api", "question": "How long do refunds take?", "standalone": "How long do refunds take?",
         "answer": "Five days [1].", "refused": False, "canned": False,
         "sources": '[{"n": 1, "source": "returns.md", "title": "Returns", "location": "", "text": "5 days"}]',
         "created_at": NOW - 40},
        {"session_id": "s-api", "question": "Do you sell gift cards?", "standalone": "Do you sell gift cards?",
         "answer": "Sorry, I don't know.", "refused": True, "canned": False, "sources": "[]",
         "created_at": NOW - 30},
        {"session_id": "s-cli", "question": "退货要多久？", "standalone": "退货要多久？", "answer": "五天。",
         "refused": False, "canned": True, "sources": "[]", "created_at": NOW - 20}],
    "session_owners": [{"session_id": "s-api", "owner": "api", "created_at": NOW - 60}],
    "feedback": [{"session_id": "s-api", "turn_id": 2, "question": "Do you sell gift cards?",
                  "answer": "Sorry, I don't know.", "rating": -1, "comment": "they do", "created_at": NOW - 25}],
    "handoffs": [{"session_id": "s-api", "contact": "ana@example.com", "message": "call me",
                  "transcript": '[{"question": "How long do refunds take?", "answer": "Five days [1]."}]',
                  "webhook": "sent", "webhook_error": "", "created_at": NOW - 10}],
    "faq_entries": [{"question": "Where is the shop?", "answer": "In Ghent.", "created_at": NOW - 100,
                     "updated_at": NOW - 90}],
    "server_secrets": [{"name": "admin_password", "value": hash_password("old-pw"), "created_at": NOW - 1000},
                       {"name": "widget_token_secret", "value": "ab" * 32, "created_at": NOW - 1000}],
    "rate_counters": [{"key": "chat:10.0.0.1", "window": DAY, "count": 3}],
    "login_failures": [{"key": "addr:10.0.0.9", "failures": 2, "locked_until": 0.0, "last_at": NOW - 5}],
    "site_keys": [{"id": "sk_1", "name": "Shop", "key": "pk_shop", "origins": '["https://shop.example.com"]',
                   "daily_budget": 50, "created_at": NOW - 500, "revoked_at": None}],
    "originals": [{"source": "en/returns.md", "data": b"# Returns\n\nFive days.\n", "size": 22,
                   "sha256": hashlib.sha256(b"# Returns\n\nFive days.\n").hexdigest(), "stored_at": NOW - 400}],
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def fresh(request, tmp_path):
    """Makes fresh, empty databases: SQLite files (unit) or databases on a real PostgreSQL (integration)."""
    def make() -> str:
        n = next(_databases)
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / f'h{n}.sqlite3'}"
        return database_url(create_database(request.getfixturevalue("postgres_url"), f"migrations_{n}"), tmp_path)

    return make


@pytest.fixture()
def url(fresh) -> str:
    """A fresh, empty database."""
    return fresh()


def _release_database(url: str, tables: set[str] | None = None) -> None:
    """Make ``url`` a database as helpdesk 0.1.0 left it: its DDL, then rows in every table."""
    engine = create_engine(url)
    ddl = (RELEASE / f"{engine.dialect.name}.sql").read_text("utf-8")
    ddl = "\n".join(line for line in ddl.splitlines() if not line.startswith("--"))
    statements = [s.strip() for s in ddl.split(";\n") if s.strip()]
    with engine.begin() as conn:
        for statement in statements:
            name = statement.split("(")[0].split()[-1] if statement.startswith("CREATE TABLE") else \
                statement.split(" ON ")[1].split()[0]
            if tables is None or name in tables:
                conn.exec_driver_sql(statement)
        for table, rows in ROWS.items():
            if tables is None or table in tables:
                columns = list(rows[0])
                quoted = ", ".join(f'"{c}"' for c in columns)
                conn.execute(text(f"INSERT INTO {table} ({quoted}) VALUES "
                                  f"({', '.join(':' + c for c in columns)})"), rows)
    engine.dispose()


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in ROWS}


def _drift(engine) -> list:
    """What autogenerate would change to make the database match ``schema.py`` (nothing, we hope)."""
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)


def test_a_release_database_upgrades_with_nothing_lost(url, tmp_path):
    _release_database(url)
    before = _counts(make_engine(url))
    assert all(before.values()) and migrate.current(make_engine(url)) is None

    storage = Storage(url)  # what `helpdesk serve` does on start
    try:
        assert _counts(storage.engine) == before
        assert migrate.current(storage.engine) == migrate.head()
        assert _drift(storage.engine) == []  # the release's schema is the baseline, exactly

        talks = storage.conversations
        assert [t.question for t in talks.history("s-api")] == ["How long do refunds take?",
                                                                "Do you sell gift cards?"]
        assert talks.history("s-api")[0].sources[0]["source"] == "returns.md"
        assert talks.history("s-cli")[0].answer == "五天。" and talks.history("s-cli")[0].canned is True
        assert talks.session_owner("s-api") == "api" and talks.session_owner("s-cli") is None
        marks = [t["feedback"] for t in storage.feedback.transcript("s-api")]
        assert marks == [None, {"rating": -1, "comment": "they do"}]
        listed = {c["session_id"]: c for c in storage.feedback.conversations()}
        assert listed["s-api"]["turns"] == 2 and listed["s-api"]["refused"] == 1
        assert listed["s-api"]["feedback"] == {"up": 0, "down": 1} and listed["s-api"]["handoffs"] == 1
        assert storage.feedback.unanswered()[0]["question"] == "Do you sell gift cards?"
        handoff = storage.handoffs.latest()[0]
        assert (handoff["contact"], handoff["webhook"], handoff["turns"]) == ("ana@example.com", "sent", 1)
        assert [(e["question"], e["answer"]) for e in storage.faq.entries()] == [("Where is the shop?", "In Ghent.")]

        auth = AdminAuth(storage.secrets, storage.logins, free_attempts=3, backoff_s=60)
        assert auth.ensure_password() is None  # the stored password is kept, not regenerated
        assert auth.check_login("admin", "old-pw", "10.0.0.1")
        assert storage.logins.attempt("addr:10.0.0.9", 3, 60, 900) == 0  # the third, counting the kept two
        assert storage.logins.attempt("addr:10.0.0.9", 3, 60, 900) > 0
        assert storage.counters.hit("chat:10.0.0.1", 86400)[0] == 4

        key = storage.site_keys.find("pk_shop")
        assert key["origins"] == ["https://shop.example.com"] and key["daily_budget"] == 50
        token, _ = storage.site_keys.mint(key, "s-widget", 60)
        assert storage.site_keys.verify(token)["session_id"] == "s-widget"
        assert storage.secrets.get("widget_token_secret") == "ab" * 32  # tokens of 0.1.0 still verify
        out = tmp_path / "restored"
        out.mkdir()
        assert storage.originals.restore("en/returns.md", out).read_bytes() == b"# Returns\n\nFive days.\n"

        sid = talks.start_session("api")  # and it keeps working: new rows beside the old ones
        assert storage.feedback.transcript(sid) == [] and talks.session_owner(sid) == "api"
    finally:
        storage.close()
    again = Storage(url)  # a restart finds it current and changes nothing
    assert _counts(again.engine)["turns"] == before["turns"] + 0 and migrate.current(again.engine) == migrate.head()
    again.close()


def test_a_database_of_the_release_cli_gets_the_server_tables(tmp_path):
    """`helpdesk ask` of 0.1.0 made only sessions and turns: the upgrade adds the rest, keeps those."""
    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    _release_database(url, {"sessions", "turns"})
    storage = Storage(url)
    assert set(inspect(storage.engine).get_table_names()) == set(metadata.tables) | {"alembic_version"}
    assert len(storage.conversations.history("s-api")) == 2 and _drift(storage.engine) == []
    storage.close()


def test_a_fresh_database_matches_schema_py(url):
    storage = Storage(url)
    assert _drift(storage.engine) == []
    with storage.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [migrate.head()]
    storage.close()


def _open_at_once(urls: list[str], barrier, results) -> None:
    """One replica's start, in its own process: wait for the other, then open the storage."""
    from ui.storage import Storage as Opened  # imported before the barrier: the race is in the upgrade

    for url in urls:
        barrier.wait(timeout=60)
        try:
            Opened(url).close()
            results.put("ok")
        except Exception as exc:  # reported to the test, which shows it
            results.put(f"{type(exc).__name__}: {exc}"[:500])


def test_two_replicas_starting_together_on_a_fresh_database(fresh):
    """Before the lock, one of two replicas started together on a fresh PostgreSQL died in
    create_all: UniqueViolation on pg_type_typname_nsp_index (sessions). Now one upgrades while
    the other waits, then finds the schema current (three fresh databases, three races)."""
    urls = [fresh() for _ in range(3)]
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    procs = [spawn.Process(target=_open_at_once, args=(urls, barrier, results)) for _ in range(2)]
    for p in procs:
        p.start()
    try:
        outcomes = [results.get(timeout=120) for _ in range(2 * len(urls))]
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert outcomes == ["ok"] * (2 * len(urls))
    for url in urls:
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [migrate.head()]
        assert _drift(engine) == []
        engine.dispose()
