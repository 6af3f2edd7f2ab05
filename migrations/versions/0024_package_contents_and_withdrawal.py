"""disclosure packages record what they hold, and when an erasure withdrew them

An erasure withdraws only the packages holding what it erased: each package keeps the item
categories it was written with and whether it holds the register entry. Packages written
before this revision record no categories (NULL), which counts as "any".

Revision ID: 0024
Revises: 0023
"""
from alembic import op
import sqlalchemy as sa

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("disclosure_package") as batch:
        batch.add_column(sa.Column("categories", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("holds_register", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("withdrawal_reference", sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table("disclosure_package") as batch:
        batch.drop_column("withdrawal_reference")
        batch.drop_column("withdrawn_at")
        batch.drop_column("holds_register")
        batch.drop_column("categories")
