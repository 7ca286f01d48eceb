"""outbox claims: lease, claimer and next attempt of each message

Revision ID: b2c0ffee0002
Revises: a1c0ffee0001
Create Date: 2026-11-30 22:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b2c0ffee0002'
down_revision = 'a1c0ffee0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workflow_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_workflow_outbox_due', ['status', 'next_attempt_at'], unique=False)


def downgrade():
    # A message claimed when the schema goes back has no lease any more: it is pending again.
    op.execute("UPDATE workflow_outbox SET status = 'pending' WHERE status = 'sending'")
    with op.batch_alter_table('workflow_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_outbox_due')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('next_attempt_at')
