"""request register: deadline policies (seeded with the defaults), requests, their timelines

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 17:19:36.895778

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

# The defaults as they stood at this revision: a migration must not follow later code changes
# (0005 adds `clock_starts`). portal/dsr/policies.py holds the current defaults.
DEFAULT_POLICIES = (
    {"jurisdiction": "appi", "request_type": None, "response_period": 14, "response_unit": "calendar_days",
     "acknowledge_period": None, "acknowledge_unit": None, "extension_period": None, "extension_unit": None,
     "pause_when_waiting": False},
    {"jurisdiction": "gdpr", "request_type": None, "response_period": 1, "response_unit": "months",
     "acknowledge_period": None, "acknowledge_unit": None, "extension_period": 2, "extension_unit": "months",
     "pause_when_waiting": True},
    {"jurisdiction": "ccpa", "request_type": None, "response_period": 45, "response_unit": "calendar_days",
     "acknowledge_period": 10, "acknowledge_unit": "business_days", "extension_period": 45,
     "extension_unit": "calendar_days", "pause_when_waiting": False},
)


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    policy = op.create_table('policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction', sa.Enum('appi', 'gdpr', 'ccpa', name='jurisdiction', native_enum=False, length=32), nullable=False),
    sa.Column('request_type', sa.Enum('disclosure', 'provision_records', 'correction', 'consent_withdrawal', 'suspension', 'erasure', 'stop_provision', name='requesttype', native_enum=False, length=32), nullable=True),
    sa.Column('response_period', sa.Integer(), nullable=False),
    sa.Column('response_unit', sa.Enum('calendar_days', 'business_days', 'months', name='periodunit', native_enum=False, length=32), nullable=False),
    sa.Column('acknowledge_period', sa.Integer(), nullable=True),
    sa.Column('acknowledge_unit', sa.Enum('calendar_days', 'business_days', 'months', name='periodunit', native_enum=False, length=32), nullable=True),
    sa.Column('extension_period', sa.Integer(), nullable=True),
    sa.Column('extension_unit', sa.Enum('calendar_days', 'business_days', 'months', name='periodunit', native_enum=False, length=32), nullable=True),
    sa.Column('pause_when_waiting', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy')),
    sa.UniqueConstraint('jurisdiction', 'request_type', name='uq_policy_jurisdiction_type')
    )
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.create_index('uq_policy_jurisdiction_default', ['jurisdiction'], unique=True, sqlite_where=sa.text('request_type IS NULL'), postgresql_where=sa.text('request_type IS NULL'))

    seeded_at = datetime.now(timezone.utc).replace(tzinfo=None)  # stored as naive UTC
    op.bulk_insert(policy, [{**row, "updated_at": seeded_at} for row in DEFAULT_POLICIES])

    op.create_table('data_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=24), nullable=True),
    sa.Column('type', sa.Enum('disclosure', 'provision_records', 'correction', 'consent_withdrawal', 'suspension', 'erasure', 'stop_provision', name='requesttype', native_enum=False, length=32), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('jurisdiction', sa.Enum('appi', 'gdpr', 'ccpa', name='jurisdiction', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('received', 'verified', 'in_progress', 'awaiting_requester', 'completed', 'rejected', 'withdrawn', name='requeststatus', native_enum=False, length=32), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('requester_email', sa.String(length=254), nullable=False),
    sa.Column('requester_name', sa.String(length=200), nullable=True),
    sa.Column('is_agent', sa.Boolean(), nullable=False),
    sa.Column('agent', sa.JSON(), nullable=True),
    sa.Column('subject', sa.JSON(), nullable=True),
    sa.Column('authority_document_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('web', 'phone', 'post', 'counter', 'email', 'api', name='requestchannel', native_enum=False, length=32), nullable=False),
    sa.Column('language', sa.Enum('ja', 'en', name='language', native_enum=False, length=8), nullable=False),
    sa.Column('residence', sa.Enum('jp', 'eu', 'us-ca', 'other', name='residence', native_enum=False, length=16), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('acknowledge_due_at', sa.DateTime(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('original_due_at', sa.DateTime(), nullable=True),
    sa.Column('extended_at', sa.DateTime(), nullable=True),
    sa.Column('extension_reason', sa.Text(), nullable=True),
    sa.Column('paused_at', sa.DateTime(), nullable=True),
    sa.Column('paused_seconds', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_data_request_person_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['policy_id'], ['policy.id'], name=op.f('fk_data_request_policy_id_policy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_request')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_data_request_idempotency_key')),
    sa.UniqueConstraint('reference', name=op.f('uq_data_request_reference'))
    )
    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_request_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_request_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_request_received_at'), ['received_at'], unique=False)
        batch_op.create_index('ix_data_request_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_request_type'), ['type'], unique=False)

    op.create_table('request_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.Enum('received', 'verified', 'acknowledged', 'matched', 'assigned', 'status_changed', 'message_to_requester', 'message_from_requester', 'internal_note', 'extended', 'paused', 'resumed', 'decision', 'applied', 'withdrawn', 'reminder_sent', 'escalated', name='eventkind', native_enum=False, length=32), nullable=False),
    sa.Column('actor_type', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=True),
    sa.Column('from_status', sa.Enum('received', 'verified', 'in_progress', 'awaiting_requester', 'completed', 'rejected', 'withdrawn', name='requeststatus', native_enum=False, length=32), nullable=True),
    sa.Column('to_status', sa.Enum('received', 'verified', 'in_progress', 'awaiting_requester', 'completed', 'rejected', 'withdrawn', name='requeststatus', native_enum=False, length=32), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('visible_to_requester', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['data_request.id'], name=op.f('fk_request_event_request_id_data_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_event'))
    )
    with op.batch_alter_table('request_event', schema=None) as batch_op:
        batch_op.create_index('ix_request_event_request_at', ['request_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('request_event', schema=None) as batch_op:
        batch_op.drop_index('ix_request_event_request_at')

    op.drop_table('request_event')
    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_request_type'))
        batch_op.drop_index('ix_data_request_status_due')
        batch_op.drop_index(batch_op.f('ix_data_request_received_at'))
        batch_op.drop_index(batch_op.f('ix_data_request_person_id'))
        batch_op.drop_index(batch_op.f('ix_data_request_assignee_id'))

    op.drop_table('data_request')
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.drop_index('uq_policy_jurisdiction_default', sqlite_where=sa.text('request_type IS NULL'), postgresql_where=sa.text('request_type IS NULL'))

    op.drop_table('policy')