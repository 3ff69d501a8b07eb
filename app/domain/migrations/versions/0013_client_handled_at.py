"""client handled_at: when a person last handled the client (fresh leads come first in the first stage)

Revision ID: 0013
Revises: 0012
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE on both databases: a batch rebuild of SQLite's client table would copy 100,000 rows and
    # trip the foreign keys that point at it
    op.add_column('client', sa.Column('handled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # only the last day's clients can be fresh leads; one of them a person already wrote about, moved, gave a
    # task or booked has been handled (a one-time subquery per recent client)
    since = datetime.now(UTC) - timedelta(days=2)
    op.get_bind().execute(
        sa.text(
            'UPDATE client SET handled_at = (SELECT max(f.created_at) FROM feedentry f WHERE f.client_id = client.id '
            "AND f.author_id IS NOT NULL AND f.kind IN ('comment', 'stage', 'task_created', 'task_done', "
            "'deal_created')) WHERE created_at > :since"
        ).bindparams(sa.bindparam('since', type_=sqlmodel.sql.sqltypes.UTCDateTime())),
        {'since': since},
    )


def downgrade() -> None:
    op.drop_column('client', 'handled_at')  # SQLite drops a plain column in place since 3.35
