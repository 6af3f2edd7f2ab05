"""my data: a category's summary from the item index alone

"My data" sums up each category (count, first and last collection, sources, retention range)
for the person on every view. With the source and retention date in the index that already
orders a person's items, that summary no longer reads the rows: for the 10,000-item person,
6.7 → 4.0 ms on SQLite (measured with bench/profile_pages.py's dataset).

Revision ID: 0020
Revises: 0019
"""
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_item_person_category_collected", table_name="item")
    op.create_index("ix_item_person_category_collected", "item",
                    ["person_id", "category", "collected_at", "source_id", "retain_until"], unique=False)


def downgrade():
    op.drop_index("ix_item_person_category_collected", table_name="item")
    op.create_index("ix_item_person_category_collected", "item", ["person_id", "category", "collected_at"],
                    unique=False)
