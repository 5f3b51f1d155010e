"""Several bots in one install: the bots table, and a bot column on sessions, FAQ entries and site
keys ("default" for existing rows: an existing install keeps working unchanged).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 17:37:59.709933
"""

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bots',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('persona', sa.JSON(), nullable=False),
    sa.Column('model', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    with op.batch_alter_table('faq_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bot', sa.String(length=64), server_default='default', nullable=False))
        batch_op.create_index(batch_op.f('ix_faq_entries_bot'), ['bot'], unique=False)

    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bot', sa.String(length=64), server_default='default', nullable=False))
        batch_op.create_index(batch_op.f('ix_sessions_bot'), ['bot'], unique=False)

    with op.batch_alter_table('site_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bot', sa.String(length=64), server_default='default', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('site_keys', schema=None) as batch_op:
        batch_op.drop_column('bot')

    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sessions_bot'))
        batch_op.drop_column('bot')

    with op.batch_alter_table('faq_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_faq_entries_bot'))
        batch_op.drop_column('bot')

    op.drop_table('bots')
