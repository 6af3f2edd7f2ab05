"""APPI's clock starts on receipt: unverified requests carry their due dates

APPI's two weeks (Art. 39) and CCPA's 10 business days / 45 days (§7021) run from the day
the request arrived, verified or not. The APPI policies now count from receipt, and every
open request still waiting for verification under a policy counting from receipt gets the
due dates it would have had (received date + the policy's periods): it shows as due or
overdue, counts in the dashboard and gets reminders like the others.

Revision ID: 0035
Revises: 0034
"""
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    connection.execute(sa.text(
        "UPDATE policy SET clock_starts = 'received' WHERE jurisdiction = 'appi' AND clock_starts = 'verified'"))
    from portal.common.db import UTCDateTime
    from portal.dsr.deadlines import compute_due
    from portal.dsr.models import PeriodUnit

    waiting = connection.execute(sa.text(
        "SELECT r.id, r.received_at, p.response_period, p.response_unit, p.acknowledge_period, p.acknowledge_unit "
        "FROM data_request r JOIN policy p ON p.id = r.policy_id "
        "WHERE r.status = 'received' AND r.due_at IS NULL AND p.clock_starts = 'received'"
    ).columns(received_at=UTCDateTime())).all()
    for row in waiting:
        rules = SimpleNamespace(
            response_period=row.response_period, response_unit=PeriodUnit(row.response_unit),
            acknowledge_period=row.acknowledge_period,
            acknowledge_unit=PeriodUnit(row.acknowledge_unit) if row.acknowledge_unit else None)
        acknowledge_due, due = compute_due(rules, row.received_at)
        connection.execute(
            sa.update(sa.table("data_request", sa.column("id"), sa.column("due_at", UTCDateTime()),
                               sa.column("original_due_at", UTCDateTime()),
                               sa.column("acknowledge_due_at", UTCDateTime())))
            .where(sa.column("id") == row.id)
            .values(due_at=due, original_due_at=due, acknowledge_due_at=acknowledge_due))


def downgrade():
    connection = op.get_bind()
    connection.execute(sa.text(
        "UPDATE data_request SET due_at = NULL, original_due_at = NULL, acknowledge_due_at = NULL "
        "WHERE status = 'received' AND policy_id IN (SELECT id FROM policy WHERE jurisdiction = 'appi')"))
    connection.execute(sa.text("UPDATE policy SET clock_starts = 'verified' WHERE jurisdiction = 'appi'"))
