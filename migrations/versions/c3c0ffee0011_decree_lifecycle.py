"""decree lifecycle: paraf chain initials, one draft per competition, supersedes, decree listings, signer profiles

Revision ID: c3c0ffee0011
Revises: c3c0ffee0031
Create Date: 2026-12-01 01:00:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3c0ffee0011'
down_revision = 'c3c0ffee0031'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('decree', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supersedes_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('text_version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_foreign_key('fk_decree_supersedes_id_decree', 'decree', ['supersedes_id'], ['id'])
        batch_op.create_index('ix_decree_supersedes_id', ['supersedes_id'], unique=False)
        batch_op.create_check_constraint('ck_decree_text_version', 'text_version >= 1')
    with op.batch_alter_table('decree', schema=None) as batch_op:
        batch_op.alter_column('text_version', server_default=None)
    # DESIGN §3: at most one draft per competition (the last guard against a race of POSTs). A database that
    # already holds several drafts of one competition fails here: an operator deletes the extra drafts first
    # (the upgrade does not guess which one is meant).
    op.create_index('uq_decree_one_draft', 'decree', ['competition_id'], unique=True,
                    postgresql_where=sa.text("state = 'draft'"), sqlite_where=sa.text("state = 'draft'"))
    op.create_table(
        'decree_paraf',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decree_id', sa.Integer(), nullable=False),
        sa.Column('step', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('username', sa.String(length=100), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('text_version', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=100), nullable=True),
        sa.Column('cleared_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('step >= 1', name='ck_decree_paraf_step'),
        sa.ForeignKeyConstraint(['decree_id'], ['decree.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('decree_paraf', schema=None) as batch_op:
        batch_op.create_index('ix_decree_paraf_decree_id', ['decree_id'], unique=False)
    op.create_table(
        'decree_award',
        sa.Column('decree_id', sa.Integer(), nullable=False),
        sa.Column('award_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['decree_id'], ['decree.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['award_id'], ['award.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('decree_id', 'award_id'),
    )
    with op.batch_alter_table('decree_award', schema=None) as batch_op:
        batch_op.create_index('ix_decree_award_award_id', ['award_id'], unique=False)
    _backfill_listings()
    op.create_table(
        'signer_profile',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('delegation', sa.String(length=8), nullable=True),
        sa.Column('jabatan', sa.String(length=300), nullable=False),
        sa.Column('own_jabatan', sa.String(length=300), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('pangkat', sa.String(length=200), nullable=True),
        sa.Column('nip', sa.String(length=30), nullable=True),
        sa.Column('key_path', sa.String(length=500), nullable=True),
        sa.Column('cert_path', sa.String(length=500), nullable=True),
        sa.Column('key_pem', sa.Text(), nullable=True),
        sa.Column('cert_pem', sa.Text(), nullable=True),
        sa.Column('changed_on', sa.DateTime(), nullable=False),
        sa.CheckConstraint("delegation IS NULL OR delegation IN ('plt', 'plh', 'an')",
                           name='ck_signer_profile_delegation'),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id'),
    )


def _backfill_listings():
    """The awards each signed decree lists: its document's manifest (issued_document.note)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT d.decree_id, d.note FROM issued_document d JOIN decree ON decree.id = d.decree_id "
        "WHERE d.kind = 'decree' AND decree.state = 'signed'")).fetchall()
    existing = {a for (a,) in conn.execute(sa.text("SELECT id FROM award"))}
    pairs = set()
    for decree_id, note in rows:
        try:
            award_ids = json.loads(note or "{}").get("award_ids") or []
        except (ValueError, AttributeError):
            award_ids = []
        pairs.update((decree_id, a) for a in award_ids if a in existing)
    if pairs:
        conn.execute(sa.text("INSERT INTO decree_award (decree_id, award_id) VALUES (:d, :a)"),
                     [{"d": d, "a": a} for d, a in sorted(pairs)])


def downgrade():
    op.drop_table('signer_profile')
    with op.batch_alter_table('decree_award', schema=None) as batch_op:
        batch_op.drop_index('ix_decree_award_award_id')
    op.drop_table('decree_award')
    with op.batch_alter_table('decree_paraf', schema=None) as batch_op:
        batch_op.drop_index('ix_decree_paraf_decree_id')
    op.drop_table('decree_paraf')
    op.drop_index('uq_decree_one_draft', table_name='decree')
    with op.batch_alter_table('decree', schema=None) as batch_op:
        batch_op.drop_constraint('ck_decree_text_version', type_='check')
        batch_op.drop_index('ix_decree_supersedes_id')
        batch_op.drop_constraint('fk_decree_supersedes_id_decree', type_='foreignkey')
        batch_op.drop_column('text_version')
        batch_op.drop_column('supersedes_id')
