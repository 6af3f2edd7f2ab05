"""drop the index on the request type alone

At 200,000 requests SQLite's planner took it for the queue's filtered page ("erasure, GDPR,
unassigned": every erasure request read, 184 ms p95 under load) instead of the partial
index of open requests, which holds the type too. Reports have their own covering indexes
(0014), and the queue and the API filter open requests through the partial indexes that
hold the type.

Revision ID: 0016
Revises: 0015
"""
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_data_request_type", table_name="data_request")


def downgrade():
    op.create_index("ix_data_request_type", "data_request", ["type"], unique=False)
