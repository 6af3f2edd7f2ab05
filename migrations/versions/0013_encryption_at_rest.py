"""encryption at rest: personal values become AES-GCM ciphertext, look-ups use blind indexes

Every column holding a customer's personal data becomes TEXT holding `<key id>:<base64>`
(portal/encryption). Existing rows are encrypted here, in batches, with the keys of the
running configuration (PORTAL_DATA_KEYS / PORTAL_INDEX_KEY), so set those before upgrading.
Email, phone and names get blind-index columns for exact look-ups; purchase and points
lines get a clear `amount` so totals are still summed in SQL.

Revision ID: 0013
Revises: 0012
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 1000

# table → {column: its type before}; every one becomes encrypted TEXT.
ENCRYPTED = {
    "person": {"email": sa.String(254), "name": sa.String(200), "name_kana": sa.String(200),
               "phone": sa.String(40), "birthdate": sa.Date()},
    "item": {"value": sa.JSON()},
    "item_revision": {"old_value": sa.JSON(), "new_value": sa.JSON()},
    "data_request": {"requester_email": sa.String(254), "requester_name": sa.String(200),
                     "agent": sa.JSON(), "subject": sa.JSON(), "details": sa.JSON()},
    "request_event": {"body": sa.Text(), "data": sa.JSON()},
    "email_challenge": {"email": sa.String(254)},
    "customer_session": {"email": sa.String(254)},
    "outbox_message": {"to_address": sa.String(254), "subject": sa.String(300),
                       "body_text": sa.Text(), "body_html": sa.Text()},
    "staff_user": {"totp_secret": sa.String(64)},
    "api_idempotency_record": {"response_body": sa.JSON()},
    "webhook_delivery": {"payload": sa.JSON()},
}
# table → {index column: (source column, blind-index kind)}
INDEXES = {
    "person": {"email_index": ("email", "email"), "name_index": ("name", "name"),
               "name_kana_index": ("name_kana", "name"), "phone_index": ("phone", "phone")},
    "data_request": {"requester_email_index": ("requester_email", "email"),
                     "requester_name_index": ("requester_name", "name")},
    "email_challenge": {"email_index": ("email", "email")},
}


class SharedAddress(RuntimeError):
    """Two people whose addresses are one once normalised: the unique blind index can't hold both."""


def upgrade():
    _refuse_shared_addresses()  # before any change, so a refused upgrade leaves nothing half-done
    op.add_column("item", sa.Column("amount", sa.Float(), nullable=True))
    for table, columns in INDEXES.items():
        for column in columns:
            op.add_column(table, sa.Column(column, sa.String(length=64), nullable=True))
    op.drop_index("ix_data_request_requester_email", table_name="data_request")
    op.drop_index("ix_email_challenge_email", table_name="email_challenge")
    with op.batch_alter_table("person") as batch:
        batch.drop_constraint("uq_person_email", type_="unique")
    for table, columns in ENCRYPTED.items():
        with op.batch_alter_table(table) as batch:
            for column, old_type in columns.items():
                batch.alter_column(column, type_=sa.Text(), existing_type=old_type,
                                   postgresql_using=f"{column}::text")

    _encrypt_existing_rows()

    with op.batch_alter_table("person") as batch:
        batch.alter_column("email_index", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_person_email_index", ["email_index"])
    with op.batch_alter_table("email_challenge") as batch:
        batch.alter_column("email_index", existing_type=sa.String(64), nullable=False)
    for table, column in (("person", "name_index"), ("person", "name_kana_index"), ("person", "phone_index"),
                          ("data_request", "requester_email_index"), ("data_request", "requester_name_index"),
                          ("email_challenge", "email_index")):
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)


def _refuse_shared_addresses() -> None:
    """Before 0013 the importer lower-cased addresses without NFKC, so `hanako@…` and a
    full-width spelling could be two people. Name them (by key, never by address) and stop."""
    from portal.encryption.blind import email_index

    owners: dict[str, list[str]] = {}
    rows = op.get_bind().execute(sa.text("SELECT key, email FROM person ORDER BY id"))
    for key, email in rows:
        owners.setdefault(email_index(email), []).append(key)
    shared = [keys for keys in owners.values() if len(keys) > 1]
    if shared:
        groups = "; ".join(" and ".join(keys) for keys in shared)
        raise SharedAddress(
            "migration 0013 stopped before changing anything: these people have the same email address "
            f"once case and full-width letters are ignored: {groups}. Merge or correct them, then run "
            "`flask --app portal db upgrade` again.")


def _encrypt_existing_rows() -> None:
    """Encrypt what is already stored, batch by batch (a fresh database has nothing to do)."""
    from portal.encryption.blind import blind_index
    from portal.encryption.cipher import encrypt, keyring
    from portal.inventory.amounts import line_amount

    connection = op.get_bind()
    ring = keyring()
    for table, columns in ENCRYPTED.items():
        indexes = INDEXES.get(table, {})
        wanted = list(columns) + (["category"] if table == "item" else [])
        last_id = 0
        while True:
            rows = connection.execute(sa.text(
                f"SELECT id, {', '.join(wanted)} FROM {table} WHERE id > :last ORDER BY id LIMIT {BATCH}"
            ), {"last": last_id}).mappings().all()
            if not rows:
                break
            updates = []
            for row in rows:
                change = {"id": row["id"]}
                for column in columns:
                    plain = row[column]
                    change[column] = None if plain is None else encrypt(str(plain), f"{table}.{column}", ring)
                for index_column, (source, kind) in indexes.items():
                    change[index_column] = blind_index(kind, row[source])
                if table == "item":
                    value = json.loads(row["value"]) if row["value"] is not None else None
                    change["amount"] = line_amount(row["category"], value)
                updates.append(change)
            assignments = ", ".join(f"{name} = :{name}" for name in updates[0] if name != "id")
            connection.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), updates)
            last_id = rows[-1]["id"]


def downgrade():
    raise NotImplementedError("encryption at rest cannot be undone by a migration: restore a backup taken before 0013")
