"""index the items under a legal hold

The retention page lists the holds in force; a partial index holds only the held items,
so the list stays cheap with millions of items and costs nothing for the rest.

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_item_legal_hold", "item", ["legal_hold_until"], unique=False,
                    sqlite_where=sa.text("legal_hold_until IS NOT NULL"),
                    postgresql_where=sa.text("legal_hold_until IS NOT NULL"))


def downgrade():
    op.drop_index("ix_item_legal_hold", table_name="item")
