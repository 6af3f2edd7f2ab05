"""requests: the status index ends in the id, so a status's undated requests come in id order

The dashboard lists the oldest requests still waiting for the identity check (no deadline yet)
first. PostgreSQL read and sorted every one of them for the twenty it shows (20 ms at 20,000
waiting); with the id in the index it reads the twenty. SQLite's indexes end in the id anyway.

Revision ID: 0047_lead
Revises: 0046_lead
"""
from alembic import op

revision = "0047_lead"
down_revision = "0046_lead"
branch_labels = None
depends_on = None

NAME = "ix_data_request_status_due"


def upgrade():
    op.drop_index(NAME, table_name="data_request")
    op.create_index(NAME, "data_request", ["status", "due_at", "id"])


def downgrade():
    op.drop_index(NAME, table_name="data_request")
    op.create_index(NAME, "data_request", ["status", "due_at"])
