"""field labels: the company's own words for the fields only its data defines (source `labels`)

Revision ID: 0037_gpc
Revises: 0036
"""
from alembic import op
import sqlalchemy as sa

revision = "0037_gpc"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "field_label",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.Enum("identity", "contact", "demographic", "membership", "purchase", "points",
                                      "survey", "preference", "business_card", "photo", "device", "other",
                                      name="category", native_enum=False, length=32), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("label_ja", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_label")),
        sa.UniqueConstraint("category", "field", name="uq_field_label_category_field"),
    )


def downgrade():
    op.drop_table("field_label")
