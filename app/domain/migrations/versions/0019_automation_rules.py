"""automation: rules per stage, their log, the due actions of timed rules, in-app notifications, and the rule
that made each stage arrival

Revision ID: 0019
Revises: 0017
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

STRING = sqlmodel.sql.sqltypes.AutoString
MOMENT = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    # plain ALTER TABLE: a batch rebuild of SQLite's stage history would copy every row
    op.add_column('stagechange', sa.Column('rule_id', sa.Integer(), nullable=True))
    op.create_table(
        'automationrule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', STRING(length=100), nullable=False),
        sa.Column('stage_id', sa.Integer(), nullable=False),
        sa.Column('trigger', STRING(length=16), nullable=False),
        sa.Column('task_type', STRING(length=16), nullable=True),
        sa.Column('wait_minutes', sa.Integer(), nullable=True),
        sa.Column('action', STRING(length=16), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('default_key', STRING(length=32), nullable=True),
        sa.Column('created_at', MOMENT(), nullable=False),
        sa.ForeignKeyConstraint(['stage_id'], ['stage.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('default_key'),
    )
    op.create_index('ix_automationrule_stage_id', 'automationrule', ['stage_id'])
    op.create_table(
        'automationlog',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', MOMENT(), nullable=False),
        sa.Column('rule_id', sa.Integer(), nullable=True),
        sa.Column('rule_name', STRING(length=100), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=True),
        sa.Column('done', sa.Boolean(), nullable=False),
        sa.Column('key', STRING(length=64), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['client_id'], ['client.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_automationlog_at', 'automationlog', ['at'])
    op.create_index('ix_automationlog_client_id', 'automationlog', ['client_id'])
    op.create_table(
        'dueaction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rule_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('stay_started_at', MOMENT(), nullable=False),
        sa.Column('due_at', MOMENT(), nullable=False),
        sa.ForeignKeyConstraint(['rule_id'], ['automationrule.id']),
        sa.ForeignKeyConstraint(['client_id'], ['client.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('rule_id', 'client_id', 'stay_started_at'),
    )
    op.create_index('ix_dueaction_rule_id', 'dueaction', ['rule_id'])
    op.create_index('ix_dueaction_client_id', 'dueaction', ['client_id'])
    op.create_index('ix_dueaction_due_at', 'dueaction', ['due_at'])
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=True),
        sa.Column('key', STRING(length=64), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('created_at', MOMENT(), nullable=False),
        sa.Column('read_at', MOMENT(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['client_id'], ['client.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_notification_user_read', 'notification', ['user_id', 'read_at'])
    op.create_index('ix_notification_client_id', 'notification', ['client_id'])


def downgrade() -> None:
    op.drop_table('notification')
    op.drop_table('dueaction')
    op.drop_table('automationlog')
    op.drop_table('automationrule')
    op.drop_column('stagechange', 'rule_id')
