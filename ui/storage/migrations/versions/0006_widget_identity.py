"""Signed-in widget customers (session_owners.user_id, site_keys.identity_secret) and widget
appearance per site key (site_keys.appearance).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 17:18:24.620384
"""

import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('session_owners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_session_owners_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('site_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_secret', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('appearance', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('site_keys', schema=None) as batch_op:
        batch_op.drop_column('appearance')
        batch_op.drop_column('identity_secret')

    with op.batch_alter_table('session_owners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_owners_user_id'))
        batch_op.drop_column('user_id')
