"""permission campaigns: campaigns, the purposes they ask about, recipients and answers

Revision ID: 0026
Revises: 0025
"""
from alembic import op
import sqlalchemy as sa

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('draft', 'sending', 'closed', name='campaignstatus', native_enum=False, length=32), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('answer_by', sa.Date(), nullable=False),
    sa.Column('subject_ja', sa.String(length=300), nullable=False),
    sa.Column('subject_en', sa.String(length=300), nullable=False),
    sa.Column('body_ja', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('notice_version', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('silence_applied_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign'))
    )
    op.create_table('campaign_purpose',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('purpose_id', sa.Integer(), nullable=False),
    sa.Column('when_silent', sa.Enum('keep', 'withdraw', name='whensilent', native_enum=False, length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_purpose_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['purpose_id'], ['purpose.id'], name=op.f('fk_campaign_purpose_purpose_id_purpose')),
    sa.PrimaryKeyConstraint('campaign_id', 'purpose_id', name=op.f('pk_campaign_purpose'))
    )
    op.create_table('campaign_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('email', 'post', name='recipientchannel', native_enum=False, length=32), nullable=False),
    sa.Column('short_code', sa.String(length=16), nullable=False),
    sa.Column('status', sa.Enum('new', 'queued', 'mailed', 'letter', 'cancelled', name='recipientstatus', native_enum=False, length=32), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=True),
    sa.Column('mailed_at', sa.DateTime(), nullable=True),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_recipient_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'], name=op.f('fk_campaign_recipient_outbox_message_id_outbox_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_campaign_recipient_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], name=op.f('fk_campaign_recipient_source_id_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_recipient')),
    sa.UniqueConstraint('campaign_id', 'person_id', name='uq_campaign_recipient_person'),
    sa.UniqueConstraint('short_code', name=op.f('uq_campaign_recipient_short_code'))
    )
    with op.batch_alter_table('campaign_recipient', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_recipient_mailed_at', ['mailed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_recipient_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_campaign_recipient_status', ['campaign_id', 'status', 'id'], unique=False)

    op.create_table('campaign_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('purpose_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.Enum('continue', 'stop', 'erase', 'no_answer', name='choice', native_enum=False, length=32), nullable=False),
    sa.Column('notice_version', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('consent_event_id', sa.Integer(), nullable=True),
    sa.Column('request_reference', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_answer_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consent_event_id'], ['consent_event.id'], name=op.f('fk_campaign_answer_consent_event_id_consent_event'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_campaign_answer_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['purpose_id'], ['purpose.id'], name=op.f('fk_campaign_answer_purpose_id_purpose')),
    sa.ForeignKeyConstraint(['recipient_id'], ['campaign_recipient.id'], name=op.f('fk_campaign_answer_recipient_id_campaign_recipient'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_answer'))
    )
    with op.batch_alter_table('campaign_answer', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_answer_campaign', ['campaign_id', 'purpose_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_answer_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_campaign_answer_recipient', ['recipient_id', 'purpose_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('campaign_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_answer_recipient')
        batch_op.drop_index(batch_op.f('ix_campaign_answer_person_id'))
        batch_op.drop_index('ix_campaign_answer_campaign')

    op.drop_table('campaign_answer')
    with op.batch_alter_table('campaign_recipient', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_recipient_status')
        batch_op.drop_index(batch_op.f('ix_campaign_recipient_person_id'))
        batch_op.drop_index('ix_campaign_recipient_mailed_at')

    op.drop_table('campaign_recipient')
    op.drop_table('campaign_purpose')
    op.drop_table('campaign')
