"""calls from telephony (with the provider's recording URL) and the users' internal numbers

Revision ID: 0017
Revises: 0013
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

ACTIVE_NUMBERS = sa.text('active AND internal_number IS NOT NULL')


def upgrade() -> None:
    op.add_column('user', sa.Column('internal_number', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    op.create_index(
        'ux_user_internal_number_active',
        'user',
        ['internal_number'],
        unique=True,
        sqlite_where=ACTIVE_NUMBERS,
        postgresql_where=ACTIVE_NUMBERS,
    )
    op.create_table(
        'call',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('duration_s', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('manager', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('recording_url', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column('provider_call_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column('reported_by_id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=True),
        sa.Column('feed_entry_id', sa.Integer(), nullable=True),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['client_id'], ['client.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['reported_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['request_id'], ['request.id']),
        sa.ForeignKeyConstraint(['feed_entry_id'], ['feedentry.id']),
        sa.ForeignKeyConstraint(['task_id'], ['task.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reported_by_id', 'provider_call_id'),
    )
    op.create_index(op.f('ix_call_client_id'), 'call', ['client_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_call_client_id'), table_name='call')
    op.drop_table('call')
    op.drop_index('ux_user_internal_number_active', table_name='user')
    op.drop_column('user', 'internal_number')
