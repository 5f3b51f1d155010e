"""Every table of the server's database, on one MetaData.

This is what the code reads and writes; the migrations in ``migrations/versions`` build the same
schema step by step in a live database (a test compares the two, so they never drift). Change a
table here, then add a migration: ``python -m ui.storage new "what changed"``.
"""

from __future__ import annotations

from sqlalchemy import (JSON, Boolean, Column, Float, ForeignKey, Integer, LargeBinary, MetaData,
                        PrimaryKeyConstraint, String, Table, Text)

__all__ = ["metadata", "sessions", "turns", "session_owners", "feedback", "handoffs", "faq_entries",
           "server_secrets", "rate_counters", "login_failures", "site_keys", "originals", "jobs",
           "citations", "sources", "api_keys", "staff_users", "audit_log", "live_states", "live_events",
           "staff_presence", "bots", "DEFAULT_BOT"]

metadata = MetaData()

DEFAULT_BOT = "default"  # the bot of rows written before there were several (ui/bots.py)

# -- conversations ---------------------------------------------------------------------------

sessions = Table(
    "sessions", metadata,
    Column("id", String(64), primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("meta", JSON, nullable=False, default=dict),
    Column("bot", String(64), nullable=False, default=DEFAULT_BOT, server_default=DEFAULT_BOT, index=True),
)

turns = Table(
    "turns", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(64), ForeignKey("sessions.id"), index=True, nullable=False),
    Column("question", Text, nullable=False),
    Column("standalone", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("refused", Boolean, nullable=False, default=False),
    Column("canned", Boolean, nullable=False, default=False),
    Column("sources", JSON, nullable=False, default=list),
    Column("created_at", Float, nullable=False, index=True),
    # What insights count; NULL in rows written before they were recorded (outcome then follows
    # refused and canned). outcome: answered | canned | refused | handoff | error.
    Column("outcome", String(16), nullable=True),
    Column("lang", String(8), nullable=True),
    Column("first_token_ms", Float, nullable=True),
    Column("total_ms", Float, nullable=True),
)

citations = Table(  # one row per source an answer cited: usage counts group by it in SQL
    "citations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("turn_id", Integer, nullable=False, index=True),
    Column("source", String(500), nullable=False, index=True),
)

session_owners = Table(
    "session_owners", metadata,
    Column("session_id", String(64), primary_key=True),
    Column("owner", String(80), nullable=False),  # "api", "chat" or "widget:<site key id>"
    Column("created_at", Float, nullable=False),
    # The website's signed-in customer, verified by the site key's identity secret (widget only):
    # their conversation follows them across devices.
    Column("user_id", String(200), nullable=True, index=True),
)

# -- what the admin reviews ------------------------------------------------------------------

feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(64), index=True, nullable=False),
    Column("turn_id", Integer, nullable=True),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("rating", Integer, nullable=False),  # +1 thumbs up, -1 thumbs down
    Column("comment", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
)

handoffs = Table(
    "handoffs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(64), index=True, nullable=False),
    Column("contact", Text, nullable=False, default=""),
    Column("message", Text, nullable=False, default=""),
    Column("transcript", JSON, nullable=False, default=list),
    Column("webhook", String(16), nullable=False, default="off"),  # off | pending | sent | failed
    Column("webhook_error", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
)

faq_entries = Table(
    "faq_entries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("bot", String(64), nullable=False, default=DEFAULT_BOT, server_default=DEFAULT_BOT, index=True),
)

# -- the server's own state ------------------------------------------------------------------

server_secrets = Table(
    "server_secrets", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

rate_counters = Table(
    "rate_counters", metadata,
    Column("key", String(200), nullable=False),
    Column("window", Integer, nullable=False),  # the epoch second at which the window ends
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("key", "window"),
)

login_failures = Table(
    "login_failures", metadata,
    Column("key", String(200), primary_key=True),  # "addr:<client address>" or "account:<user>"
    Column("failures", Integer, nullable=False),
    Column("locked_until", Float, nullable=False),  # epoch seconds; 0 when not locked
    Column("last_at", Float, nullable=False),
)

site_keys = Table(
    "site_keys", metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("key", String(80), unique=True, nullable=False),
    Column("origins", JSON, nullable=False, default=list),
    Column("daily_budget", Integer, nullable=True),  # None: the server's default
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float, nullable=True),
    # HMAC key of signed-in customers' ids (site_keys.py); None: identity not available.
    Column("identity_secret", String(100), nullable=True),
    Column("appearance", JSON, nullable=True),  # ui/widget_appearance.py; None: the defaults
    Column("bot", String(64), nullable=False, default=DEFAULT_BOT, server_default=DEFAULT_BOT),
)

originals = Table(
    "originals", metadata,
    Column("source", String(500), primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("stored_at", Float, nullable=False),
)

# -- background jobs -------------------------------------------------------------------------

jobs = Table(
    "jobs", metadata,
    Column("name", String(200), primary_key=True),
    Column("due_at", Float, nullable=False),  # epoch seconds; 0 = run at the next tick
    Column("held_by", String(120), nullable=False, default=""),
    Column("held_until", Float, nullable=False, default=0.0),
    Column("last_started", Float),
    Column("last_finished", Float),
    Column("last_status", String(16), nullable=False, default=""),
    Column("last_message", Text, nullable=False, default=""),
)

# -- knowledge sources -----------------------------------------------------------------------

sources = Table(
    "sources", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False),  # "site" or "folder"
    Column("location", String(2000), nullable=False, unique=True),  # normalised URL or absolute folder path
    Column("every_s", Integer, nullable=False),
    Column("state", JSON, nullable=False, default=dict),  # what the next sync needs: page records, file names
    Column("created_at", Float, nullable=False),
)

# -- API keys of the OpenAI-compatible API ---------------------------------------------------

api_keys = Table(
    "api_keys", metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("bot", String(64), nullable=False),  # the bot (model name) the key may use
    Column("prefix", String(16), nullable=False),  # the key's first characters, to tell keys apart
    Column("key_hash", String(64), unique=True, nullable=False),  # sha256 of the key; the key is never kept
    Column("created_at", Float, nullable=False),
    Column("last_used_at", Float, nullable=True),
    Column("revoked_at", Float, nullable=True),
)

# -- staff accounts and what they did ---------------------------------------------------------

staff_users = Table(
    "staff_users", metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(8), nullable=False),  # "admin" or "agent"
    Column("password_hash", Text, nullable=False),  # scrypt$n$r$p$salt$hash (ui/auth.py)
    Column("language", String(8), nullable=False, default=""),  # "en", "zh", or "" for the browser's
    Column("token_sha256", String(64), nullable=True, unique=True),  # the personal API token's SHA-256
    Column("signed_in_at", Float, nullable=True),  # the console sign-in; sessions expire after it
    Column("created_at", Float, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    # the bots this member works for (stored names, ui/bots.py); empty: every bot
    Column("bots", JSON, nullable=False, default=list, server_default="[]"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False, index=True),
    Column("actor", String(64), nullable=False, index=True),  # a staff name, or "system"
    Column("action", String(40), nullable=False, index=True),  # e.g. "sign-in", "faq.save", "user.add"
    Column("target", String(500), nullable=False, default=""),
    Column("detail", JSON, nullable=False, default=dict),
)

# -- live hand-off: who has a conversation, what was said to and by a person ----------------

live_states = Table(  # a row once a conversation was first handed off; none: the bot has it
    "live_states", metadata,
    Column("session_id", String(64), primary_key=True),
    Column("state", String(16), nullable=False),  # bot | waiting | agent | closed
    Column("reason", String(16), nullable=False, default=""),  # asked | refused | thumbs_down
    Column("contact", Text, nullable=False, default=""),
    Column("claimed_by", String(200), nullable=False, default=""),
    Column("state_at", Float, nullable=False),  # when it entered this state
    Column("created_at", Float, nullable=False),  # the first hand-off
)

live_events = Table(  # what a conversation's event stream carries, in order
    "live_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(64), nullable=False, index=True),
    Column("kind", String(24), nullable=False),  # customer_message | agent_joined | agent_message | ...
    Column("author", String(16), nullable=False),  # customer | agent | bot
    Column("name", String(200), nullable=False, default=""),
    Column("text", Text, nullable=False, default=""),
    Column("created_at", Float, nullable=False),
)

staff_presence = Table(  # when each staff member last used the inbox: who is available, on every replica
    "staff_presence", metadata,
    Column("name", String(200), primary_key=True),
    Column("seen_at", Float, nullable=False),
)

# -- bots: several assistants in one install (ui/bots.py) -------------------------------------

bots = Table(
    "bots", metadata,
    Column("name", String(64), primary_key=True),  # also its knowledge base's name
    Column("display_name", String(200), nullable=False),
    Column("persona", JSON, nullable=False, default=dict),  # greeting, tone, texts: {lang: {key: text}}
    Column("model", JSON, nullable=False, default=dict),  # settings overrides: generator, model, ...
    Column("created_at", Float, nullable=False),
)
