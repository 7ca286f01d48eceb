"""nomination upward: competition.nomination_quota and the nomination table (issue 12 item 8)

Revision ID: d4c0ffee0124
Revises: d4c0ffee0121
Create Date: 2026-12-01 04:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4c0ffee0124'
down_revision = 'd4c0ffee0121'  # re-chained after merging main (groups' migration, the head)
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nomination_quota', sa.JSON(), nullable=True))
    op.create_table(
        'nomination',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('innovation_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('nominated_by_id', sa.Integer(), nullable=True),
        sa.Column('nominated_on', sa.DateTime(), nullable=False),
        sa.CheckConstraint("level IN ('provinsi', 'nasional')", name='ck_nomination_level'),
        sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['innovation_id'], ['innovation.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['nominated_by_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('innovation_id', 'level', name='uq_nomination_innovation_level'),
    )
    with op.batch_alter_table('nomination', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nomination_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nomination_innovation_id'), ['innovation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('nomination', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nomination_innovation_id'))
        batch_op.drop_index(batch_op.f('ix_nomination_competition_id'))
    op.drop_table('nomination')
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.drop_column('nomination_quota')
