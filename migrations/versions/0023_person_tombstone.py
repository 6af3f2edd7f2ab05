"""a full erasure leaves a tombstone of the person: key, erasure date and request only

The register entry of a person erased in full keeps no email address any more, so email
and its blind index become optional; `erased_at` and `erasure_reference` say when and by
which request.

Revision ID: 0023
Revises: 0022
"""
from alembic import op
import sqlalchemy as sa

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person") as batch:
        batch.alter_column("email", existing_type=sa.Text(), nullable=True)
        batch.alter_column("email_index", existing_type=sa.String(length=64), nullable=True)
        batch.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("erasure_reference", sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table("person") as batch:
        batch.drop_column("erasure_reference")
        batch.drop_column("erased_at")

