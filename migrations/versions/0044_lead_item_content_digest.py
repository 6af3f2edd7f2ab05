"""items: a keyed digest of what the importer wrote

A re-import compared each stored line with the file's by decrypting it. With the digest of what
the importer wrote kept beside the line, an unchanged line is recognised without decrypting;
lines stored before this column (or changed since by a correction) have none and are compared
in full, then given one.

Revision ID: 0044_lead
Revises: 0043_lead
"""
import sqlalchemy as sa
from alembic import op

revision = "0044_lead"
down_revision = "0043_lead"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("item") as batch:
        batch.add_column(sa.Column("content_digest", sa.String(64), nullable=True))


def downgrade():
    with op.batch_alter_table("item") as batch:
        batch.drop_column("content_digest")
