"""innovator team on the innovation; evidence kinds per competition and the kind of each attachment (issue 12)

Revision ID: d4c0ffee0122
Revises: c3c0ffee0011
Create Date: 2026-12-01 04:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4c0ffee0122'
down_revision = 'c3c0ffee0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('innovation') as batch_op:
        batch_op.add_column(sa.Column('team', sa.JSON(), nullable=True))
    with op.batch_alter_table('competition') as batch_op:
        batch_op.add_column(sa.Column('evidence_kinds', sa.JSON(), nullable=True))
    with op.batch_alter_table('attachment') as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('attachment') as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('competition') as batch_op:
        batch_op.drop_column('evidence_kinds')
    with op.batch_alter_table('innovation') as batch_op:
        batch_op.drop_column('team')
