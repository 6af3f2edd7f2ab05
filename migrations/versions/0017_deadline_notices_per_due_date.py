"""deadline notices remember the due date they were sent for

An extension or a resumed pause moves a request's due date; a reminder sent for the old
date must go out again before the new one. Each notice now records the due date it was
about, and the unique key becomes (request, kind, due date). The unassigned escalation is
about no deadline: it keeps an empty due date and a partial key that keeps it once per
request. Notices already sent count as sent for the request's current due date, so the
upgrade sends nothing twice.

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UNDATED = sa.text("due_at IS NULL")


def upgrade():
    with op.batch_alter_table("deadline_notice") as batch:
        batch.add_column(sa.Column("due_at", sa.DateTime(), nullable=True))
        batch.drop_constraint("uq_deadline_notice_request_kind", type_="unique")
    op.execute(
        "UPDATE deadline_notice SET due_at = (SELECT data_request.due_at FROM data_request"
        " WHERE data_request.id = deadline_notice.request_id) WHERE kind <> 'unassigned'"
    )
    with op.batch_alter_table("deadline_notice") as batch:
        batch.create_unique_constraint("uq_deadline_notice_request_kind_due", ["request_id", "kind", "due_at"])
    op.create_index("uq_deadline_notice_request_kind_undated", "deadline_notice", ["request_id", "kind"],
                    unique=True, sqlite_where=UNDATED, postgresql_where=UNDATED)


def downgrade():
    op.drop_index("uq_deadline_notice_request_kind_undated", table_name="deadline_notice")
    # Back to one notice per (request, kind): keep the first of each.
    op.execute(
        "DELETE FROM deadline_notice WHERE id NOT IN"
        " (SELECT min(id) FROM deadline_notice GROUP BY request_id, kind)"
    )
    with op.batch_alter_table("deadline_notice") as batch:
        batch.drop_constraint("uq_deadline_notice_request_kind_due", type_="unique")
        batch.drop_column("due_at")
        batch.create_unique_constraint("uq_deadline_notice_request_kind", ["request_id", "kind"])
