"""registry across years (lineage, carry-over, external awards, eligibility), replication, sustainability
monitoring, unit office contact (issue 12 items 5-7)

Revision ID: d4c0ffee0123
Revises: d4c0ffee0124
Create Date: 2026-12-01 04:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4c0ffee0123'
down_revision = 'd4c0ffee0124'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('innovation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lineage_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('replicates_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('replicates_text', sa.String(length=300), nullable=True))
    # Existing innovations each start their own lineage (no carry-over existed before).
    op.execute("UPDATE innovation SET lineage_id = 'legacy-' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table('innovation', schema=None) as batch_op:
        batch_op.alter_column('lineage_id', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(batch_op.f('ix_innovation_lineage_id'), ['lineage_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_innovation_replicates_id'), ['replicates_id'], unique=False)
        batch_op.create_foreign_key('fk_innovation_replicates_id', 'innovation', ['replicates_id'], ['id'],
                                    ondelete='SET NULL')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('office_address', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('office_phone', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('office_email', sa.String(length=254), nullable=True))
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eligibility_max_award_level', sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(
            'ck_competition_eligibility_level',
            "eligibility_max_award_level IS NULL OR eligibility_max_award_level IN ('kabupaten', 'provinsi', 'nasional')")
    op.create_table(
        'external_award',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('innovation_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('evidence', sa.String(length=500), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_on', sa.DateTime(), nullable=False),
        sa.CheckConstraint("level IN ('kabupaten', 'provinsi', 'nasional', 'internasional')",
                           name='ck_external_award_level'),
        sa.CheckConstraint('year BETWEEN 2000 AND 2100', name='ck_external_award_year'),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['innovation_id'], ['innovation.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('external_award', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_award_innovation_id'), ['innovation_id'], unique=False)
    op.create_table(
        'replication',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('innovation_id', sa.Integer(), nullable=False),
        sa.Column('replicator', sa.String(length=200), nullable=False),
        sa.Column('replicated_on', sa.Date(), nullable=False),
        sa.Column('evidence', sa.String(length=500), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_on', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['innovation_id'], ['innovation.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('replication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_replication_innovation_id'), ['innovation_id'], unique=False)
    op.create_table(
        'sustainability',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('innovation_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.Column('evidence', sa.String(length=500), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_on', sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('aktif', 'berkembang', 'berhenti')", name='ck_sustainability_status'),
        sa.CheckConstraint('year BETWEEN 2000 AND 2100', name='ck_sustainability_year'),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['innovation_id'], ['innovation.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('innovation_id', 'year', name='uq_sustainability_year'),
    )
    with op.batch_alter_table('sustainability', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sustainability_innovation_id'), ['innovation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sustainability', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sustainability_innovation_id'))
    op.drop_table('sustainability')
    with op.batch_alter_table('replication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_replication_innovation_id'))
    op.drop_table('replication')
    with op.batch_alter_table('external_award', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_award_innovation_id'))
    op.drop_table('external_award')
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.drop_constraint('ck_competition_eligibility_level', type_='check')
        batch_op.drop_column('eligibility_max_award_level')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('office_email')
        batch_op.drop_column('office_phone')
        batch_op.drop_column('office_address')
    with op.batch_alter_table('innovation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_innovation_replicates_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_innovation_replicates_id'))
        batch_op.drop_index(batch_op.f('ix_innovation_lineage_id'))
        batch_op.drop_column('replicates_text')
        batch_op.drop_column('replicates_id')
        batch_op.drop_column('lineage_id')
