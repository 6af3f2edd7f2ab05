"""blind indexes of the family name (first part of the name and of the kana)

"山田" finds "山田 花子" in the staff search. Existing rows are indexed here, in batches, with
the keys of the running configuration (as migration 0013 did).

Revision ID: 0031
Revises: 0030
"""
from alembic import op
import sqlalchemy as sa

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_family_index', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('name_kana_family_index', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_person_name_family_index'), ['name_family_index'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_name_kana_family_index'), ['name_kana_family_index'], unique=False)
    _index_existing_rows()


def _index_existing_rows() -> None:
    from portal.encryption.blind import family_name_index
    from portal.encryption.cipher import decrypt

    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(sa.text(
            "SELECT id, name, name_kana FROM person WHERE id > :last ORDER BY id LIMIT 1000"), {"last": last_id}).all()
        if not rows:
            return
        for row_id, name, kana in rows:
            connection.execute(sa.text(
                "UPDATE person SET name_family_index = :family, name_kana_family_index = :kana WHERE id = :id"), {
                "family": family_name_index(decrypt(name, "person.name")) if name else None,
                "kana": family_name_index(decrypt(kana, "person.name_kana")) if kana else None, "id": row_id})
        last_id = rows[-1][0]


def downgrade():
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_name_kana_family_index'))
        batch_op.drop_index(batch_op.f('ix_person_name_family_index'))
        batch_op.drop_column('name_kana_family_index')
        batch_op.drop_column('name_family_index')
