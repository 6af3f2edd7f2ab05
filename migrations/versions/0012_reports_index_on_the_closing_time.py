"""reports: index on the closing time

Every figure about a period's closed requests (completed, rejected, withdrawn, days taken,
on-time share, the weekly trend, workload per assignee) selects a range of `closed_at`.
EXPLAIN showed those queries scanning the whole table (SQLite through the type index,
PostgreSQL sequentially); with this index both walk only the period.

Revision ID: 0012
Revises: 0011
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_data_request_closed_at", "data_request", ["closed_at"], unique=False)


def downgrade():
    op.drop_index("ix_data_request_closed_at", table_name="data_request")
