"""further emails and phones find the person: contact items carry a blind index

A person may have no email (0023 made it optional) or several emails and phones. Contact
items holding an email or a phone carry the blind index of their value (`item.lookup_index`),
so verification and staff search find the person by any of their addresses and numbers; the
contact items already stored get theirs here (their values are decrypted to compute it, so
the data keys must be set, as for every upgrade since 0013).

Revision ID: 0033
Revises: 0032
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    from portal.encryption.cipher import decrypt, keyring
    from portal.inventory.models import item_lookup_index

    op.add_column("item", sa.Column("lookup_index", sa.String(length=64), nullable=True))
    connection, ring = op.get_bind(), keyring()
    last_id = 0
    while rows := connection.execute(sa.text(
            "SELECT id, field, value FROM item WHERE id > :last AND category = 'contact' "
            "AND field IN ('email', 'phone', 'mobile') ORDER BY id LIMIT :batch"),
            {"last": last_id, "batch": BATCH}).all():
        updates = []
        for id_, field, value in rows:
            plain = decrypt(value, "item.value", ring) if value is not None else "null"
            index = item_lookup_index("contact", field, json.loads(plain))
            if index is not None:
                updates.append({"id": id_, "index": index})
        if updates:
            connection.execute(sa.text("UPDATE item SET lookup_index = :index WHERE id = :id"), updates)
        last_id = rows[-1][0]
    op.create_index("ix_item_lookup_index", "item", ["lookup_index"], unique=False,
                    sqlite_where=sa.text("lookup_index IS NOT NULL"),
                    postgresql_where=sa.text("lookup_index IS NOT NULL"))


def downgrade():
    op.drop_index("ix_item_lookup_index", table_name="item")
    op.drop_column("item", "lookup_index")
