"""The server's stores: feedback, hand-offs, FAQ entries, secrets, rate counters, logins (SQLite unit,
PostgreSQL integration)."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import HTTPException
from sqlalchemy.exc import DataError

from bot.conversation import Turn
from bot.settings import Settings
from knowledge.errors import InputError, NotFound
from tests.servers import create_database
from ui.auth import AdminAuth, hash_password, verify_password
from ui.service import Service
from ui.storage import Storage, database_url


_databases = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def db(request, tmp_path):
    """The same tests on SQLite (unit) and on a real PostgreSQL server (integration)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    else:
        admin = request.getfixturevalue("postgres_url")
        url = database_url(create_database(admin, f"records_{next(_databases)}"), tmp_path)
    storage = Storage(url)
    yield storage.conversations, storage
    storage.close()


def _turn(q: str, a: str = "an answer", refused: bool = False) -> Turn:
    src = [{"n": 1, "source": "a.md", "title": "A", "location": "", "text": "quote", "score": 0.9}]
    return Turn(q, q, a, refused, False, [] if refused else src)


def test_feedback_attaches_to_the_last_or_given_turn(db):
    talks, storage = db
    sid = talks.new_session()
    with pytest.raises(NotFound):
        storage.feedback.add(sid, -1)
    talks.add(sid, _turn("first?"))
    talks.add(sid, _turn("second?"))
    storage.feedback.add(sid, 1, turn=0)
    fid = storage.feedback.add(sid, -1)
    storage.feedback.set_comment(fid, "wrong price")
    with pytest.raises(InputError):
        storage.feedback.add(sid, 5)
    marks = [t["feedback"] for t in storage.feedback.transcript(sid)]
    assert marks == [{"rating": 1, "comment": ""}, {"rating": -1, "comment": "wrong price"}]
    talk = storage.feedback.conversations()[0]
    assert talk["session_id"] == sid and talk["turns"] == 2 and talk["feedback"] == {"up": 1, "down": 1}
    assert talk["last_question"] == "second?"


def test_handoff_keeps_the_transcript(db):
    talks, storage = db
    sid = talks.new_session()
    talks.add(sid, _turn("where is my order?"))
    h = storage.handoffs.add(sid, " me@example.com ", "please call")
    assert h["contact"] == "me@example.com" and h["transcript"][0]["question"] == "where is my order?"
    storage.handoffs.set_delivery(h["id"], "failed", "HTTP 500")
    listed = storage.handoffs.latest()[0]
    assert (listed["webhook"], listed["webhook_error"], listed["turns"]) == ("failed", "HTTP 500", 1)


def test_unanswered_lists_refusals_and_thumbs_down_until_an_faq_covers_them(db):
    talks, storage = db
    sid = talks.new_session()
    talks.add(sid, _turn("Do you sell gift cards?", "Sorry", refused=True))
    talks.add(sid, _turn("Do you sell gift cards?", "Sorry", refused=True))
    talks.add(sid, _turn("How much is the kettle?", "€5"))
    storage.feedback.add(sid, -1, "wrong")
    gaps = {g["question"]: g for g in storage.feedback.unanswered()}
    assert gaps["Do you sell gift cards?"]["count"] == 2
    assert gaps["Do you sell gift cards?"]["reason"] == "refused"
    assert gaps["How much is the kettle?"]["reason"] == "thumbs down"
    assert gaps["How much is the kettle?"]["comment"] == "wrong"
    eid = storage.faq.save("do you sell gift cards?", "Yes, from €10.")
    assert [g["question"] for g in storage.feedback.unanswered()] == ["How much is the kettle?"]
    storage.faq.save("Do you sell gift cards?", "Yes, from €20.", eid)
    assert storage.faq.entries()[0]["answer"] == "Yes, from €20."
    storage.faq.delete(eid)
    with pytest.raises(NotFound):
        storage.faq.delete(eid)
    with pytest.raises(InputError):
        storage.faq.save("  ", "x")


def test_drop_session_forgets_everything(db):
    talks, storage = db
    sid = talks.new_session()
    talks.add(sid, _turn("test?"))
    talks.drop_session(sid)
    assert storage.feedback.transcript(sid) == [] and storage.feedback.conversations() == []


def test_rate_counters_count_per_key_and_window(db):
    _, storage = db
    assert storage.counters.hit("chat:a")[0] == 1
    assert storage.counters.hit("chat:a")[0] == 2
    count, left = storage.counters.hit("chat:b")
    assert count == 1 and 0 < left <= 60


def test_admin_password_is_generated_once_and_stored_hashed(db):
    _, storage = db
    auth = AdminAuth(storage.secrets, storage.logins, user="admin")
    password = auth.ensure_password()
    assert password and auth.ensure_password() is None  # printed once only
    stored = storage.secrets.get("admin_password")
    assert stored.startswith("scrypt$") and password not in stored
    assert auth.check_login("admin", password, "10.0.0.1")
    assert not auth.check_login("admin", password + "x", "10.0.0.1")
    assert not auth.check_login("root", password, "10.0.0.1")
    again = auth.ensure_password(reset=True)
    assert again and again != password and auth.check_login("admin", again, "10.0.0.1")


def test_failed_logins_back_off_per_address_then_for_the_account(db):
    _, storage = db
    auth = AdminAuth(storage.secrets, storage.logins, password="s3cret", free_attempts=2, backoff_s=60)
    assert not auth.check_login("admin", "guess1", "10.0.0.1")
    assert not auth.check_login("admin", "guess2", "10.0.0.1")  # the second failure starts the back-off
    with pytest.raises(HTTPException) as refused:
        auth.check_login("admin", "s3cret", "10.0.0.1")  # even the right password waits
    assert refused.value.status_code == 429 and 59 <= int(refused.value.headers["Retry-After"]) <= 60
    assert auth.check_login("admin", "s3cret", "10.0.0.2")  # another address, under the account's 8
    for n in range(8):  # 8 failures spread over addresses lock the account for everyone
        assert not auth.check_login("admin", "nope", f"10.1.0.{n}")
    with pytest.raises(HTTPException):
        auth.check_login("admin", "s3cret", "10.2.0.1")
    storage.logins.succeeded("account:admin")  # as after the back-off, a right password is let in
    assert auth.check_login("admin", "s3cret", "10.2.0.1")


def test_configured_password_and_api_key(db):
    auth = AdminAuth(db[1].secrets, db[1].logins, password="s3cret", api_key="k3y")
    assert auth.ensure_password() is None and auth.check_login("admin", "s3cret", "10.0.0.1")
    assert auth.api_key_ok("Bearer k3y") and auth.api_key_ok("bearer k3y")
    assert not auth.api_key_ok("Bearer nope") and not auth.api_key_ok("k3y") and not auth.api_key_ok(None)
    assert not AdminAuth(None, None).api_key_ok("Bearer ")
    assert verify_password("pw", hash_password("pw")) and not verify_password("pw", "garbage")


def test_nul_and_surrogates_are_refused_before_they_reach_the_database(db, tmp_path):
    talks, storage = db
    service = Service(Settings(data_dir=tmp_path), storage)
    sid = service.open_session(None, "api")
    talks.add(sid, Turn("Where is my parcel?", "Where is my parcel?", "On its way."))
    who = {"owner": "api", "client": "10.0.0.1"}
    for bad, why in (("a\x00b", "NUL"), ("a\ud800b", "surrogate")):
        with pytest.raises(InputError, match=why):
            service.feedback(sid, "down", bad, **who)
        with pytest.raises(InputError, match=why):
            service.handoff(sid, bad, **who)
        with pytest.raises(InputError, match=why):
            service.handoff(sid, "", bad, **who)
    assert storage.feedback.transcript(sid)[0]["feedback"] is None and storage.handoffs.latest() == []  # nothing half-written
    if storage.engine.dialect.name == "postgresql":  # what the check prevents: PostgreSQL refuses NUL in text
        with pytest.raises(DataError):
            storage.feedback.add(sid, -1, "a\x00b")
    assert service.handoff(sid, "ana@example.com", **who)["turns"] == 1


def test_concurrent_login_attempts_cannot_slip_past_the_back_off(db):
    _, storage = db
    with ThreadPoolExecutor(10) as pool:
        waits = list(pool.map(lambda _: storage.logins.attempt("addr:10.9.9.9", 3, 30.0, 900.0), range(10)))
    assert sorted(w == 0 for w in waits) == [False] * 7 + [True] * 3
    assert all(0 < w <= 30 for w in waits if w)
