"""The jobs table: background work (retention, source syncs) that one replica runs at a time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 15:31:48.968528
"""

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('jobs',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('due_at', sa.Float(), nullable=False),
    sa.Column('held_by', sa.String(length=120), nullable=False),
    sa.Column('held_until', sa.Float(), nullable=False),
    sa.Column('last_started', sa.Float(), nullable=True),
    sa.Column('last_finished', sa.Float(), nullable=True),
    sa.Column('last_status', sa.String(length=16), nullable=False),
    sa.Column('last_message', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('jobs')
