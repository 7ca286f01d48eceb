"""user password_changed_at

Revision ID: a1c0ffee0001
Revises: 098c7d18427a
Create Date: 2026-11-30 22:00:00

When the password of an account was last set (app.commands.users.SetPassword). Sessions and tokens are
tied to the password itself (app.services.users.credential_stamp); this column is for people and audits.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0ffee0001'
down_revision = '098c7d18427a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_changed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('ab_user', schema=None) as batch_op:
        batch_op.drop_column('password_changed_at')
