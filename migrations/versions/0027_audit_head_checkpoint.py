"""audit log: a signed head checkpoint, so entries deleted from the end are detected

The hash chain shows an edited or removed entry by the broken link of the next one, but the
LAST entries have no next one. `audit_head` (one row, updated with every append) names the
newest entry, its hash and how many entries there are, signed with PORTAL_INDEX_KEY.
An existing log gets its head from its current end.

Revision ID: 0027
Revises: 0026
"""
import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    connection = op.get_bind()
    last = connection.execute(sa.text("SELECT id, hash FROM audit_entry ORDER BY id DESC LIMIT 1")).first()
    if last is None:
        return
    from portal.audit.services import HEAD_ID, head_mac

    entries = connection.execute(sa.text("SELECT count(*) FROM audit_entry")).scalar()
    connection.execute(
        sa.text("INSERT INTO audit_head (id, last_id, last_hash, entries, mac) VALUES (:id, :last_id, :hash, :n, :mac)"),
        {"id": HEAD_ID, "last_id": last.id, "hash": last.hash, "n": entries,
         "mac": head_mac(last.id, last.hash, entries)})


def downgrade():
    op.drop_table("audit_head")
