"""Site keys' identity secrets and appearance, and signed-in customers' conversations, in the
server's stores (SQLite unit, PostgreSQL integration)."""

from __future__ import annotations

import itertools
import json

import pytest
from sqlalchemy import update

from bot.conversation import Turn
from knowledge.errors import NotFound
from tests.servers import create_database
from ui.storage import Storage, database_url
from ui.storage.schema import site_keys
from ui.storage.site_keys import identity_hash
from ui.widget_appearance import clean_appearance

_databases = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def storage(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    else:
        url = database_url(create_database(request.getfixturevalue("postgres_url"),
                                           f"identity_{next(_databases)}"), tmp_path)
    s = Storage(url)
    yield s
    s.close()


def test_identity_secret_is_shown_once_checked_in_constant_time_and_rotated(storage):
    keys = storage.site_keys
    made = keys.create("Shop", ["https://shop.example.com"])
    secret = made["identity_secret"]
    assert secret.startswith("ids_") and len(secret) > 40 and made["identity"] is True
    listed = keys.list()
    assert "identity_secret" not in listed[0] and secret not in json.dumps(listed)
    key = keys.find(made["key"])
    assert secret not in json.dumps(key) and key["identity"]
    good = identity_hash(secret, "customer-42")
    assert keys.check_user(key, "customer-42", good)
    assert keys.check_user(key, "customer-42", good.upper())  # hex in either case
    assert not keys.check_user(key, "customer-43", good)
    assert not keys.check_user(key, "customer-42", good[:-1])
    assert not keys.check_user(key, "customer-42", "")
    assert not keys.check_user(key, "customer-42", "é" * 64)  # not ASCII: refused, not an error

    rotated = keys.rotate_secret(made["id"])
    assert rotated["identity_secret"] != secret
    assert not keys.check_user(key, "customer-42", good)
    assert keys.check_user(key, "customer-42", identity_hash(rotated["identity_secret"], "customer-42"))
    with pytest.raises(NotFound):
        keys.rotate_secret("sk_missing")


def test_a_key_made_before_identity_has_none_until_one_is_rotated_in(storage):
    keys = storage.site_keys
    made = keys.create("Old shop", ["https://old.example.com"])
    with storage.engine.begin() as conn:  # what migration 0005 leaves on an existing key
        conn.execute(update(site_keys).where(site_keys.c.id == made["id"]).values(identity_secret=None,
                                                                                 appearance=None))
    key = keys.find(made["key"])
    assert key["identity"] is False and key["appearance"] == {}
    assert not keys.check_user(key, "u1", identity_hash("", "u1"))
    assert not keys.check_user(key, "u1", identity_hash("None", "u1"))
    secret = keys.rotate_secret(made["id"])["identity_secret"]
    assert keys.check_user(keys.find(made["key"]), "u1", identity_hash(secret, "u1"))


def test_appearance_is_stored_per_key_and_only_for_active_keys(storage):
    keys = storage.site_keys
    a = keys.create("A", ["https://a.example.com"])
    b = keys.create("B", ["https://b.example.com"])
    look = clean_appearance({"theme": "dark", "offset_x": 90, "z_index": 5, "launcher_label": {"zh": "帮助"}})
    keys.set_appearance(a["id"], look)
    assert keys.get(a["id"])["appearance"] == look and keys.get(b["id"])["appearance"] == {}
    keys.revoke(b["id"])
    with pytest.raises(NotFound):
        keys.set_appearance(b["id"], look)


def test_a_verified_customer_maps_to_their_latest_conversation_carried_by_handoffs_and_exports(storage):
    talks = storage.conversations
    owner = "widget:sk_1"
    assert talks.user_session(owner, "u-7") is None
    first = talks.start_session(owner, "u-7")
    anonymous = talks.start_session(owner)
    assert talks.user_session(owner, "u-7") == first and talks.session_user(first) == "u-7"
    assert talks.session_user(anonymous) is None and talks.user_session("widget:sk_2", "u-7") is None
    talks.add(first, Turn("q?", "q?", "a.", False, False, []))
    talks.add(anonymous, Turn("q2?", "q2?", "a2.", False, False, []))

    handed = storage.handoffs.add(first, "ana@example.com")
    assert handed["user_id"] == "u-7"
    assert storage.handoffs.add(anonymous)["user_id"] is None
    assert [h["user_id"] for h in storage.handoffs.latest()] == [None, "u-7"]
    exported = {c["session_id"]: c for c in storage.export.conversations()}
    assert exported[first]["user_id"] == "u-7" and exported[anonymous]["user_id"] is None
    header, row = list(storage.export.csv())[:2]
    assert "user_id" in header.split(",") and "u-7" in row

    storage.erasure.erase(first)  # erasing the conversation forgets who it belonged to
    assert talks.user_session(owner, "u-7") is None
