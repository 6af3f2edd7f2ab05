"""my data: each person's items summed up per category, kept by every write

"My data" counted a category's lines, their dates, sources, retention, amounts and purposes on
every view: for a person with 100,000 lines, a pass over 100,000 index entries and another over
their purposes (143 ms at the 95th percentile, above the 100 ms target). `item_summary` holds
that per person, category and source, `item_purpose_summary` the purposes per person and
category; every write that adds, changes or removes items recomputes the pairs it touched in its
own transaction (`portal.inventory.summary`). Both are filled here from the items.

Revision ID: 0045_mydata
Revises: 0044_lead
"""
import sqlalchemy as sa
from alembic import op

revision = "0045_mydata"
down_revision = "0044_lead"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "item_summary",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("source.id"), nullable=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("first_at", sa.DateTime, nullable=True),
        sa.Column("last_at", sa.DateTime, nullable=True),
        sa.Column("retain_from", sa.Date, nullable=True),
        sa.Column("retain_to", sa.Date, nullable=True),
        sa.Column("amount_total", sa.Float, nullable=True),
    )
    op.create_index("ix_item_summary_person_category", "item_summary", ["person_id", "category"])
    op.create_table(
        "item_purpose_summary",
        sa.Column("person_id", sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("category", sa.String(32), primary_key=True),
        sa.Column("purpose_id", sa.Integer, sa.ForeignKey("purpose.id"), primary_key=True),
    )
    op.execute(
        "INSERT INTO item_summary (person_id, category, source_id, count, first_at, last_at, retain_from, retain_to,"
        " amount_total)"
        " SELECT person_id, category, source_id, count(*), min(collected_at), max(collected_at), min(retain_until),"
        " max(retain_until), sum(amount) FROM item GROUP BY person_id, category, source_id")
    op.execute(
        "INSERT INTO item_purpose_summary (person_id, category, purpose_id)"
        " SELECT DISTINCT item.person_id, item.category, item_purpose.purpose_id"
        " FROM item JOIN item_purpose ON item_purpose.item_id = item.id")


def downgrade():
    op.drop_table("item_purpose_summary")
    op.drop_index("ix_item_summary_person_category", table_name="item_summary")
    op.drop_table("item_summary")
