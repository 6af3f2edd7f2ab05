"""deadline notices: each reminder or escalation sent about a request, at most once

One row per (request, kind) — 3-day and 1-day reminders to the assignee, overdue and
unassigned escalations to managers. The unique key is what lets several `tick`s run at
once without sending the same reminder twice.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 17:56:47.529191

"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('deadline_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('due_in_3_days', 'due_in_1_day', 'overdue', 'unassigned', name='noticekind', native_enum=False, length=32), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['data_request.id'], name=op.f('fk_deadline_notice_request_id_data_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_notice')),
    sa.UniqueConstraint('request_id', 'kind', name='uq_deadline_notice_request_kind')
    )


def downgrade():
    op.drop_table('deadline_notice')
