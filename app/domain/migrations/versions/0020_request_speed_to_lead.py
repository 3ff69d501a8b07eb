"""request speed to lead: whether a request still waits for a person's first action, when that came, the wait in
working seconds and whose lead it was

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE on both databases (a batch rebuild of SQLite's request table would copy every row); the
    # requests already there are history: no clock runs for them
    op.add_column('request', sa.Column('awaits_action', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('request', sa.Column('first_action_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('request', sa.Column('wait_s', sa.Integer(), nullable=True))
    op.add_column('request', sa.Column('handled_for_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    for column in ('handled_for_id', 'wait_s', 'first_action_at', 'awaits_action'):
        op.drop_column('request', column)
