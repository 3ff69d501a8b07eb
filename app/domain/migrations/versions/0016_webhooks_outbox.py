"""outbound webhooks: endpoints, the outbox of events and their deliveries

Revision ID: 0016
Revises: 0017
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None

UTC_DATETIME = sqlmodel.sql.sqltypes.UTCDateTime
TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'webhookendpoint',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('url', TEXT(length=2000), nullable=False),
        sa.Column('description', TEXT(length=200), nullable=False),
        sa.Column('secret', TEXT(length=100), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), sa.ForeignKey('user.id'), nullable=True),
        sa.Column('created_at', UTC_DATETIME(), nullable=False),
        sa.Column('failing_since', UTC_DATETIME(), nullable=True),
    )
    op.create_table(
        'outboxevent',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('uid', TEXT(length=36), nullable=False, unique=True),
        sa.Column('kind', TEXT(length=40), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=True),
        sa.Column('body', TEXT(), nullable=False),
        sa.Column('created_at', UTC_DATETIME(), nullable=False),
    )
    op.create_index('ix_outboxevent_created_at', 'outboxevent', ['created_at'])
    op.create_table(
        'webhookdelivery',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('uid', TEXT(length=36), nullable=False, unique=True),
        sa.Column('event_id', sa.Integer(), sa.ForeignKey('outboxevent.id'), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), sa.ForeignKey('webhookendpoint.id'), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=True),
        sa.Column('status', TEXT(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', UTC_DATETIME(), nullable=False),
        sa.Column('locked_until', UTC_DATETIME(), nullable=True),
        sa.Column('last_attempt_at', UTC_DATETIME(), nullable=True),
        sa.Column('response_code', sa.Integer(), nullable=True),
        sa.Column('last_error', TEXT(length=300), nullable=False),
        sa.Column('delivered_at', UTC_DATETIME(), nullable=True),
        sa.Column('created_at', UTC_DATETIME(), nullable=False),
    )
    op.create_index('ix_webhookdelivery_event_id', 'webhookdelivery', ['event_id'])
    op.create_index('ix_delivery_due', 'webhookdelivery', ['status', 'next_attempt_at'])
    op.create_index('ix_delivery_order', 'webhookdelivery', ['endpoint_id', 'client_id', 'status', 'id'])
    op.create_index('ix_delivery_endpoint_recent', 'webhookdelivery', ['endpoint_id', 'id'])


def downgrade() -> None:
    op.drop_table('webhookdelivery')
    op.drop_table('outboxevent')
    op.drop_table('webhookendpoint')
