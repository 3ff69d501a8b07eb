"""client email holds 254 characters

Revision ID: 0011
Revises: 0010
"""

import sqlmodel
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the longest address SMTP delivers to (app/domain/limits.py); SQLite does not enforce VARCHAR lengths, so only
    # PostgreSQL's column needs widening (rebuilding SQLite's client table and its indexes would gain nothing)
    if op.get_context().dialect.name != 'sqlite':
        op.alter_column(
            'client',
            'email',
            type_=sqlmodel.sql.sqltypes.AutoString(length=254),
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=200),
            existing_nullable=False,
        )


def downgrade() -> None:
    if op.get_context().dialect.name != 'sqlite':
        op.alter_column(
            'client',
            'email',
            type_=sqlmodel.sql.sqltypes.AutoString(length=200),
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=254),
            existing_nullable=False,
        )
