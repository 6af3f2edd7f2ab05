"""my data: a category's total from the item index alone

"My data" shows, after the step-up check, what a person's purchase and point lines add up to.
That sum read every line's row (the amount was not in the index the summary already walks):
for a person with 100,000 lines, two more passes over the table. With the amount in the index,
the summary's one index-only pass gives the totals too.

Revision ID: 0043_lead
Revises: 0042_gpc
"""
from alembic import op

revision = "0043_lead"
down_revision = "0042_gpc"
branch_labels = None
depends_on = None

WITH_AMOUNT = ["person_id", "category", "collected_at", "source_id", "retain_until", "amount"]
WITHOUT = ["person_id", "category", "collected_at", "source_id", "retain_until"]


def upgrade():
    op.drop_index("ix_item_person_category_collected", table_name="item")
    op.create_index("ix_item_person_category_collected", "item", WITH_AMOUNT, unique=False)


def downgrade():
    op.drop_index("ix_item_person_category_collected", table_name="item")
    op.create_index("ix_item_person_category_collected", "item", WITHOUT, unique=False)
