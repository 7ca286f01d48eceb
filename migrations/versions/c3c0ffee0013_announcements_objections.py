"""announcements and objections (masa sanggah, DESIGN §10): competition.objection_days, announcement,
announcement_entry, objection; award.voided_at/void_reason (an award voided by `disqualify`)

Revision ID: c3c0ffee0013
Revises: b2c0ffee0002
Create Date: 2026-12-01 01:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3c0ffee0013'
down_revision = 'b2c0ffee0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('objection_days', sa.Integer(), nullable=False, server_default='5'))
        batch_op.create_check_constraint('ck_competition_objection_days', 'objection_days BETWEEN 0 AND 90')
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voided_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('void_reason', sa.Text(), nullable=True))

    op.create_table('announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('announced_at', sa.DateTime(), nullable=False),
    sa.Column('objection_until', sa.DateTime(), nullable=False),
    sa.Column('announced_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('objection_until >= announced_at', name='ck_announcement_window'),
    sa.ForeignKeyConstraint(['announced_by_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['competition_id'], ['competition.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', name='uq_announcement_round')
    )
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_competition_id'), ['competition_id'], unique=False)

    op.create_table('announcement_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('innovation_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.CheckConstraint('rank >= 1', name='ck_announcement_entry_rank'),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcement.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['innovation_id'], ['innovation.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('announcement_id', 'innovation_id', name='uq_announcement_entry')
    )
    with op.batch_alter_table('announcement_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_entry_announcement_id'), ['announcement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcement_entry_innovation_id'), ['innovation_id'], unique=False)

    op.create_table('objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('innovation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_on', sa.DateTime(), nullable=False),
    sa.CheckConstraint("state IN ('open', 'upheld', 'dismissed')", name='ck_objection_state'),
    sa.CheckConstraint('version >= 1', name='ck_objection_version'),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcement.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['answered_by_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['innovation_id'], ['innovation.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objection_announcement_id'), ['announcement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_innovation_id'), ['innovation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_state'))
        batch_op.drop_index(batch_op.f('ix_objection_innovation_id'))
        batch_op.drop_index(batch_op.f('ix_objection_announcement_id'))
    op.drop_table('objection')
    with op.batch_alter_table('announcement_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_entry_innovation_id'))
        batch_op.drop_index(batch_op.f('ix_announcement_entry_announcement_id'))
    op.drop_table('announcement_entry')
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_competition_id'))
    op.drop_table('announcement')
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_column('void_reason')
        batch_op.drop_column('voided_at')
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.drop_constraint('ck_competition_objection_days', type_='check')
        batch_op.drop_column('objection_days')
