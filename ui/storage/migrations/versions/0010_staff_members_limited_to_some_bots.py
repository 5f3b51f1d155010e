"""Staff members limited to some bots: a JSON list of bot names on each account (empty, as for
every existing account: every bot).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 19:07:45.076309
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bots', sa.JSON(), server_default='[]', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('bots')
