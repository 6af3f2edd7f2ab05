"""encrypt the wording of rejections and extensions, and the names of uploaded letters

Staff write reasons to the person and may quote their details; an agent's file name may
carry the person's name (委任状（山田花子）.pdf). Both become encrypted TEXT, as 0013 did
for the other personal columns, with the running configuration's keys.

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BATCH = 1000
COLUMNS = {
    "data_request": {"extension_reason": sa.Text(), "rejection_reason": sa.Text()},
    "authority_document": {"original_name": sa.String(255)},
}


def upgrade():
    from portal.encryption.cipher import encrypt, keyring

    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column, old_type in columns.items():
                batch.alter_column(column, type_=sa.Text(), existing_type=old_type)
    connection, ring = op.get_bind(), keyring()
    for table, columns in COLUMNS.items():
        last_id = 0
        while rows := connection.execute(sa.text(
                f"SELECT id, {', '.join(columns)} FROM {table} WHERE id > :last ORDER BY id LIMIT {BATCH}"),
                {"last": last_id}).mappings().all():
            connection.execute(sa.text(
                f"UPDATE {table} SET {', '.join(f'{c} = :{c}' for c in columns)} WHERE id = :id"),
                [{"id": row["id"], **{c: None if row[c] is None else encrypt(row[c], f"{table}.{c}", ring)
                                      for c in columns}} for row in rows])
            last_id = rows[-1]["id"]


def downgrade():
    raise NotImplementedError("encryption at rest cannot be undone by a migration: restore a backup taken before 0015")
