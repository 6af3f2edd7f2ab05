"""leak incidents (APPI Art. 26): incidents, their submitted reports, affected persons, reminders

Revision ID: 0022
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('discovered_at', sa.DateTime(), nullable=False),
    sa.Column('cases', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('open', 'preliminary_reported', 'final_reported', name='incidentstatus', native_enum=False, length=32), nullable=False),
    sa.Column('preliminary_due_at', sa.DateTime(), nullable=True),
    sa.Column('final_due_at', sa.DateTime(), nullable=True),
    sa.Column('preliminary_reported_at', sa.DateTime(), nullable=True),
    sa.Column('final_reported_at', sa.DateTime(), nullable=True),
    sa.Column('report_draft', sa.JSON(), nullable=False),
    sa.Column('selection', sa.JSON(), nullable=False),
    sa.Column('notice_text', sa.Text(), nullable=True),
    sa.Column('notified_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident'))
    )
    op.create_table('incident_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('report', sa.Enum('preliminary', 'final', name='reportkind', native_enum=False, length=32), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_incident_notice_incident_id_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_notice')),
    sa.UniqueConstraint('incident_id', 'report', 'stage', 'due_at', name='uq_incident_notice')
    )
    op.create_table('incident_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'post', name='noticechannel', native_enum=False, length=32), nullable=False),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('notified_at', sa.DateTime(), nullable=False),
    sa.Column('posted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_incident_person_incident_id_incident'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'], name=op.f('fk_incident_person_outbox_message_id_outbox_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_incident_person_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_person')),
    sa.UniqueConstraint('incident_id', 'person_id', name='uq_incident_person')
    )
    with op.batch_alter_table('incident_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_person_person_id'), ['person_id'], unique=False)

    op.create_table('incident_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('preliminary', 'final', name='reportkind', native_enum=False, length=32), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('persons_count', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_incident_report_incident_id_incident'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_report')),
    sa.UniqueConstraint('incident_id', 'kind', name='uq_incident_report_kind')
    )


def downgrade():
    op.drop_table('incident_report')
    with op.batch_alter_table('incident_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_person_person_id'))

    op.drop_table('incident_person')
    op.drop_table('incident_notice')
    op.drop_table('incident')
