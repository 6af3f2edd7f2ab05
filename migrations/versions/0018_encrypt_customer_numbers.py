"""encrypt customer numbers; look them up through a blind index

A customer number identifies its holder as well as an address does (it is printed on cards
and receipts), so it joins the other encrypted person fields of 0013.

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    from portal.encryption.blind import number_index
    from portal.encryption.cipher import encrypt, keyring

    op.drop_index("ix_person_customer_number", table_name="person")
    op.add_column("person", sa.Column("customer_number_index", sa.String(length=64), nullable=True))
    with op.batch_alter_table("person") as batch:
        batch.alter_column("customer_number", type_=sa.Text(), existing_type=sa.String(64))
    connection, ring = op.get_bind(), keyring()
    last_id = 0
    while rows := connection.execute(sa.text(
            f"SELECT id, customer_number FROM person WHERE id > :last AND customer_number IS NOT NULL "
            f"ORDER BY id LIMIT {BATCH}"), {"last": last_id}).all():
        connection.execute(
            sa.text("UPDATE person SET customer_number = :value, customer_number_index = :index WHERE id = :id"),
            [{"id": id_, "value": encrypt(number, "person.customer_number", ring), "index": number_index(number)}
             for id_, number in rows])
        last_id = rows[-1][0]
    op.create_index("ix_person_customer_number_index", "person", ["customer_number_index"], unique=False)


def downgrade():
    raise NotImplementedError("encryption at rest cannot be undone by a migration: restore a backup taken before 0018")
