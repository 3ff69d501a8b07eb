"""client handled_at: when a person last handled the client (fresh leads come first in the first stage)

Revision ID: 0014
Revises: 0011
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0014'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
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
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_column('handled_at')
