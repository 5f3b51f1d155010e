"""The sources table: websites and folders the server keeps in step with the knowledge base.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 15:34:13.073121
"""

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sources',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('location', sa.String(length=2000), nullable=False),
    sa.Column('every_s', sa.Integer(), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('location')
    )


def downgrade() -> None:
    op.drop_table('sources')
