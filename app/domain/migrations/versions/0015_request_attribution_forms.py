"""request attribution (utm tags, landing page, referrer, analytics visit ids, extra), channel rules by utm_source,
idempotency keys, site form endpoints

Revision ID: 0015
Revises: 0017 (main's head when this branch took main in; the lead re-chains at merge)
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TEXTS = (
    ('utm_source', 200),
    ('utm_medium', 200),
    ('utm_campaign', 200),
    ('utm_content', 200),
    ('utm_term', 200),
    ('landing_url', 2048),
    ('referrer', 2048),
    ('roistat_visit', 100),
    ('calltouch_session_id', 100),
    ('comagic_visitor_id', 100),
)
INDEXED = ('utm_source', 'utm_medium', 'utm_campaign')


def upgrade() -> None:
    # plain ALTER TABLE with defaults on both databases: the existing requests are hand entries and leads
    # without attribution, and a batch rebuild of a large request table is not needed for added columns
    for name, length in TEXTS:
        op.add_column(
            'request', sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=False, server_default='')
        )
    op.add_column('request', sa.Column('extra', sa.JSON(), nullable=False, server_default='{}'))
    for name in INDEXED:
        op.create_index(f'ix_request_{name}', 'request', [name])
    op.create_table(
        'channelrule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('match', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('pattern', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['channel.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('match', 'pattern'),
    )
    op.create_index('ix_channelrule_channel_id', 'channelrule', ['channel_id'])
    op.create_table(
        'idempotencykey',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=False),
        sa.Column('response', sa.JSON(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('scope', 'key'),
    )
    op.create_index('ix_idempotencykey_created_at', 'idempotencykey', ['created_at'])
    op.create_table(
        'formendpoint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=True),
        sa.Column('mapping', sa.JSON(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['channel_id'], ['channel.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )


def downgrade() -> None:
    op.drop_table('formendpoint')
    op.drop_index('ix_idempotencykey_created_at', 'idempotencykey')
    op.drop_table('idempotencykey')
    op.drop_index('ix_channelrule_channel_id', 'channelrule')
    op.drop_table('channelrule')
    for name in INDEXED:
        op.drop_index(f'ix_request_{name}', 'request')
    for name in ('extra', *(n for n, _ in reversed(TEXTS))):
        op.drop_column('request', name)  # SQLite drops a plain column in place since 3.35
