"""reports and queue: covering indexes chosen from EXPLAIN, and a shared cache of period figures

EXPLAIN on both databases showed the dashboard's queries walking the right index range but
fetching every request's row for the few columns they count (status, type, jurisdiction,
assignee, dates). The new indexes hold those columns, so SQLite reads them as covering indexes
and PostgreSQL as index-only scans. Both are partial: closed requests only for the period
figures, open ones only for what is open now.

The plain index on closed_at (0012) goes: SQLite chose it for `closed_at IS NULL` and then
sorted every open request to count the queue's first page. The queue's partial indexes (0008)
gain type, jurisdiction and assignee as trailing columns, so its filters and capped counts are
checked in the index (the filtered page read thousands of rows to find fifty).

`report_figures` keeps computed period figures for a minute, shared by all workers.

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

OPEN = sa.text("closed_at IS NULL")
CLOSED = sa.text("closed_at IS NOT NULL")
QUEUE_INDEXES = {"ix_data_request_open_due": ["due_at", "id"],
                 "ix_data_request_open_assignee_due": ["assignee_id", "due_at", "id"]}


def upgrade():
    op.create_table(
        "report_figures",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_report_figures")),
    )
    with op.batch_alter_table("data_request", schema=None) as batch_op:
        batch_op.create_index("ix_data_request_open_status_assignee", ["status", "assignee_id", "due_at"],
                              unique=False, sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index("ix_data_request_closed_figures", ["closed_at", "status", "type", "jurisdiction",
                                                                 "assignee_id", "received_at", "due_at"],
                              unique=False, sqlite_where=CLOSED, postgresql_where=CLOSED)
        batch_op.create_index("ix_data_request_received_figures", ["received_at", "type", "jurisdiction"],
                              unique=False)
        # Replaced by the partial closed-figures index, which leads with closed_at too.
        batch_op.drop_index("ix_data_request_closed_at")
        # The queue's partial indexes of open requests (0008) carry the filtered columns too.
        for name, columns in QUEUE_INDEXES.items():
            batch_op.drop_index(name)
            wider = columns + [c for c in ("type", "jurisdiction", "assignee_id") if c not in columns]
            batch_op.create_index(name, wider, unique=False, sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    with op.batch_alter_table("data_request", schema=None) as batch_op:
        for name, columns in QUEUE_INDEXES.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns, unique=False, sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index("ix_data_request_closed_at", ["closed_at"], unique=False)
        batch_op.drop_index("ix_data_request_received_figures")
        batch_op.drop_index("ix_data_request_closed_figures")
        batch_op.drop_index("ix_data_request_open_status_assignee")
    op.drop_table("report_figures")
