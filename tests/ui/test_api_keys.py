"""API keys of the OpenAI-compatible API: the store on a real SQLite database, and `helpdesk keys`
run as a real command on it."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys

import pytest

from knowledge.errors import InputError, NotFound
from ui.storage import Storage
from ui.storage.api_keys import BadApiKey


@pytest.fixture()
def storage(tmp_path):
    st = Storage(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    yield st
    st.close()


def test_a_key_is_shown_once_and_only_its_hash_is_kept(storage, tmp_path):
    made = storage.api_keys.create("CRM integration", "default", ["default"])
    assert made["key"].startswith("hd-") and len(made["key"]) > 40
    assert made["prefix"] == made["key"][:10] and made["bot"] == "default" and made["id"].startswith("ak_")
    listed = storage.api_keys.list()
    assert [k["id"] for k in listed] == [made["id"]] and "key" not in listed[0]
    rows = sqlite3.connect(tmp_path / "db.sqlite3").execute("select * from api_keys").fetchall()
    assert made["key"] not in repr(rows)
    assert hashlib.sha256(made["key"].encode()).hexdigest() in repr(rows)


def test_check_finds_active_keys_records_use_and_refuses_the_rest(storage):
    made = storage.api_keys.create("bot client", "default")
    assert storage.api_keys.list()[0]["last_used_at"] == ""
    found = storage.api_keys.check(made["key"])
    assert found["id"] == made["id"] and found["bot"] == "default" and found["last_used_at"].endswith("Z")
    for bad in (None, "", "hd-not-a-key", made["key"] + "x", made["key"][:-1]):
        with pytest.raises(BadApiKey):
            storage.api_keys.check(bad)
    revoked = storage.api_keys.revoke(made["id"])
    assert revoked["revoked_at"].endswith("Z")
    with pytest.raises(BadApiKey, match="revoked"):
        storage.api_keys.check(made["key"])
    assert storage.api_keys.list() == [] and len(storage.api_keys.list(include_revoked=True)) == 1
    with pytest.raises(NotFound):
        storage.api_keys.revoke(made["id"])  # already revoked
    with pytest.raises(NotFound):
        storage.api_keys.revoke("ak_nope")


@pytest.mark.parametrize("name, bot, message", [
    ("", "default", "name"), ("  ", "default", "name"), ("x" * 201, "default", "name"), (None, "default", "name"),
    ("ok", "", "bot name"), ("ok", "no spaces", "bot name"), ("ok", "../x", "bot name"), ("ok", 3, "bot name"),
    ("ok", "other", "no bot 'other'"),
])
def test_bad_keys_are_refused_naming_the_problem(storage, name, bot, message):
    with pytest.raises(InputError, match=message):
        storage.api_keys.create(name, bot, ["default"])
    assert storage.api_keys.list(include_revoked=True) == []


def _helpdesk(data, *args: str, code: int = 0, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "--data-dir", str(data), *args], capture_output=True,
                          text=True, env={**clean, **(env or {})}, timeout=120)
    assert proc.returncode == code, f"helpdesk {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}"
    return proc


def test_the_keys_command_adds_lists_and_revokes(tmp_path):
    data = tmp_path / "data"
    plain = _helpdesk(data, "keys", "add", "Zapier")
    key = plain.stdout.strip()
    assert key.startswith("hd-") and "not shown again" in plain.stderr
    made = json.loads(_helpdesk(data, "keys", "add", "Chat front end", "--bot", "shop", "--json",
                                env={"HELPDESK_BOT_NAME": "shop"}).stdout)["api_key"]
    assert made["bot"] == "shop" and made["key"].startswith("hd-")
    listed = json.loads(_helpdesk(data, "keys", "list", "--json").stdout)["api_keys"]
    assert {k["name"] for k in listed} == {"Zapier", "Chat front end"}
    assert key not in json.dumps(listed) and made["key"] not in json.dumps(listed)
    table = _helpdesk(data, "keys", "list").stdout
    assert made["id"] in table and key[:10] in table and key not in table
    assert f"revoked API key {made['id']}" in _helpdesk(data, "keys", "revoke", made["id"]).stdout
    assert made["id"] not in _helpdesk(data, "keys", "list").stdout
    assert made["id"] in _helpdesk(data, "keys", "list", "--all").stdout
    unknown_bot = _helpdesk(data, "keys", "add", "x", "--bot", "shop", code=2)
    assert "no bot 'shop'" in unknown_bot.stderr
    assert "no active API key" in _helpdesk(data, "keys", "revoke", "ak_missing", code=2).stderr
    assert "name" in _helpdesk(data, "keys", "add", " ", code=2).stderr
