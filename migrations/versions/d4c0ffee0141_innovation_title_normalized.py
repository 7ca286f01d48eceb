"""innovation.title_normalized: the title as duplicates are compared, indexed (issue 14)

Revision ID: d4c0ffee0141
Revises: d4c0ffee0124
Create Date: 2026-12-01 04:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4c0ffee0141'
down_revision = 'd4c0ffee0123'  # re-chained at the merge (registry's migration, the head)
branch_labels = None
depends_on = None

BATCH = 5000


def _normalize(title):
    # The model's rule (app.models.innovation.normalize_title), copied: a migration must not change with the app.
    return " ".join((title or "").split()).lower()


def upgrade():
    with op.batch_alter_table('innovation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_normalized', sa.String(length=400), nullable=True))
    # Filled in Python (the rule is Python's str.lower/split, identical on both databases), in batches by id.
    conn = op.get_bind()
    table = sa.table('innovation', sa.column('id', sa.Integer), sa.column('title', sa.String),
                     sa.column('title_normalized', sa.String))
    last = 0
    while True:
        rows = conn.execute(sa.select(table.c.id, table.c.title).where(table.c.id > last)
                            .order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            break
        conn.execute(table.update().where(table.c.id == sa.bindparam('pk'))
                     .values(title_normalized=sa.bindparam('norm')),
                     [{'pk': pk, 'norm': _normalize(title)} for pk, title in rows])
        last = rows[-1][0]
    with op.batch_alter_table('innovation', schema=None) as batch_op:
        batch_op.alter_column('title_normalized', existing_type=sa.String(length=400), nullable=False)
        batch_op.create_index('ix_innovation_duplicate_title', ['competition_id', 'title_normalized', 'state'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('innovation', schema=None) as batch_op:
        batch_op.drop_index('ix_innovation_duplicate_title')
        batch_op.drop_column('title_normalized')
