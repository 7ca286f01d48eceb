"""PLACEHOLDER for the revision another branch adds (dropped at merge)

Revision ID: a1c0ffee0001
Revises: 098c7d18427a
Create Date: 2026-11-30 22:00:00.000000

"""

# revision identifiers, used by Alembic.
revision = 'a1c0ffee0001'
down_revision = '098c7d18427a'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
