"""competition groups and categories, innovation group and category, round pass mark and category quotas
(issue 12 items 1 and 2, DESIGN §11)

Revision ID: d4c0ffee0121
Revises: d4c0ffee0122
Create Date: 2026-12-01 04:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4c0ffee0121'
down_revision = 'd4c0ffee0122'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('groups', sa.JSON(), nullable=False, server_default='["umum"]'))
        batch_op.add_column(sa.Column('categories', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pass_mark', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('category_quotas', sa.JSON(), nullable=True))
        batch_op.create_check_constraint('ck_round_pass_mark',
                                         'pass_mark IS NULL OR (pass_mark >= 0 AND pass_mark <= 100)')
    with op.batch_alter_table('innovation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group', sa.String(length=16), nullable=False, server_default='umum'))
        batch_op.add_column(sa.Column('category', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_innovation_group'), ['group'], unique=False)
        batch_op.create_index(batch_op.f('ix_innovation_category'), ['category'], unique=False)
        batch_op.create_check_constraint('ck_innovation_group', '"group" IN (\'umum\', \'replikasi\', \'khusus\')')
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.alter_column('category', existing_type=sa.String(length=16), type_=sa.String(length=64),
                              existing_nullable=True)
        batch_op.add_column(sa.Column('group', sa.String(length=16), nullable=True))
    with op.batch_alter_table('announcement_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('announcement_entry', schema=None) as batch_op:
        batch_op.drop_column('group')
    with op.batch_alter_table('award', schema=None) as batch_op:
        batch_op.drop_column('group')
        batch_op.alter_column('category', existing_type=sa.String(length=64), type_=sa.String(length=16),
                              existing_nullable=True)
    with op.batch_alter_table('innovation', schema=None) as batch_op:
        batch_op.drop_constraint('ck_innovation_group', type_='check')
        batch_op.drop_index(batch_op.f('ix_innovation_category'))
        batch_op.drop_index(batch_op.f('ix_innovation_group'))
        batch_op.drop_column('category')
        batch_op.drop_column('group')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_constraint('ck_round_pass_mark', type_='check')
        batch_op.drop_column('category_quotas')
        batch_op.drop_column('pass_mark')
    with op.batch_alter_table('competition', schema=None) as batch_op:
        batch_op.drop_column('categories')
        batch_op.drop_column('groups')
