"""Baseline: the schema of helpdesk 0.1.0, which made its tables with create_all.

Creates only the tables a database lacks, so a database made by that release (every table, no
``alembic_version``) is adopted as it is, with its data, and a fresh one gets them all.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _tables() -> list[tuple[str, list, list[str]]]:
    """(table, columns and constraints, indexed columns) of every table, as 0.1.0 made them."""
    return [
        ("sessions", [
            sa.Column("id", sa.String(64), primary_key=True),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.Column("meta", sa.JSON(), nullable=False),
        ], []),
        ("turns", [
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("session_id", sa.String(64), sa.ForeignKey("sessions.id"), nullable=False),
            sa.Column("question", sa.Text(), nullable=False),
            sa.Column("standalone", sa.Text(), nullable=False),
            sa.Column("answer", sa.Text(), nullable=False),
            sa.Column("refused", sa.Boolean(), nullable=False),
            sa.Column("canned", sa.Boolean(), nullable=False),
            sa.Column("sources", sa.JSON(), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
        ], ["session_id"]),
        ("session_owners", [
            sa.Column("session_id", sa.String(64), primary_key=True),
            sa.Column("owner", sa.String(80), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
        ], []),
        ("feedback", [
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("session_id", sa.String(64), nullable=False),
            sa.Column("turn_id", sa.Integer(), nullable=True),
            sa.Column("question", sa.Text(), nullable=False),
            sa.Column("answer", sa.Text(), nullable=False),
            sa.Column("rating", sa.Integer(), nullable=False),
            sa.Column("comment", sa.Text(), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
        ], ["session_id"]),
        ("handoffs", [
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("session_id", sa.String(64), nullable=False),
            sa.Column("contact", sa.Text(), nullable=False),
            sa.Column("message", sa.Text(), nullable=False),
            sa.Column("transcript", sa.JSON(), nullable=False),
            sa.Column("webhook", sa.String(16), nullable=False),
            sa.Column("webhook_error", sa.Text(), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
        ], ["session_id"]),
        ("faq_entries", [
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("question", sa.Text(), nullable=False),
            sa.Column("answer", sa.Text(), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.Column("updated_at", sa.Float(), nullable=False),
        ], []),
        ("server_secrets", [
            sa.Column("name", sa.String(64), primary_key=True),
            sa.Column("value", sa.Text(), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
        ], []),
        ("rate_counters", [
            sa.Column("key", sa.String(200), nullable=False),
            sa.Column("window", sa.Integer(), nullable=False),
            sa.Column("count", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("key", "window"),
        ], []),
        ("login_failures", [
            sa.Column("key", sa.String(200), primary_key=True),
            sa.Column("failures", sa.Integer(), nullable=False),
            sa.Column("locked_until", sa.Float(), nullable=False),
            sa.Column("last_at", sa.Float(), nullable=False),
        ], []),
        ("site_keys", [
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("key", sa.String(80), nullable=False),
            sa.Column("origins", sa.JSON(), nullable=False),
            sa.Column("daily_budget", sa.Integer(), nullable=True),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.Column("revoked_at", sa.Float(), nullable=True),
            sa.UniqueConstraint("key"),
        ], []),
        ("originals", [
            sa.Column("source", sa.String(500), primary_key=True),
            sa.Column("data", sa.LargeBinary(), nullable=False),
            sa.Column("size", sa.Integer(), nullable=False),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("stored_at", sa.Float(), nullable=False),
        ], []),
    ]


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, parts, indexed in _tables():
        if name in existing:
            continue
        op.create_table(name, *parts)
        for column in indexed:
            op.create_index(f"ix_{name}_{column}", name, [column])


def downgrade() -> None:
    for name, _, _ in reversed(_tables()):
        op.drop_table(name)
