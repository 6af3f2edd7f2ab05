"""staff queue indexes: open requests by deadline (overall and per assignee), requester email

The queue reads keyset pages of open requests in due-date order; partial indexes on
`closed_at IS NULL` keep that an index range scan however many closed requests pile up.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 17:50:44.230594

"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

OPEN = sa.text('closed_at IS NULL')


def upgrade():
    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.create_index('ix_data_request_open_due', ['due_at', 'id'], unique=False,
                              sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index('ix_data_request_open_assignee_due', ['assignee_id', 'due_at', 'id'], unique=False,
                              sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index(batch_op.f('ix_data_request_requester_email'), ['requester_email'], unique=False)


def downgrade():
    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_request_requester_email'))
        batch_op.drop_index('ix_data_request_open_assignee_due')
        batch_op.drop_index('ix_data_request_open_due')
