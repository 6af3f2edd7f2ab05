"""use restrictions and authority documents: what a "stop" decision restricts (suspension,
erasure, objection, stop of provision — read by the suppression list), and the letters of
authority agents upload (the files live under instance/uploads/, their facts here)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 17:50:25.432411

"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('authority_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_path', sa.String(length=255), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['data_request.id'], name=op.f('fk_authority_document_request_id_data_request'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authority_document')),
    sa.UniqueConstraint('storage_path', name=op.f('uq_authority_document_storage_path'))
    )
    with op.batch_alter_table('authority_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authority_document_request_id'), ['request_id'], unique=False)

    op.create_table('use_restriction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('suspension', 'erasure', 'objection', 'provision_stop', name='restrictionkind', native_enum=False, length=32), nullable=False),
    sa.Column('purpose_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.Enum('identity', 'contact', 'demographic', 'membership', 'purchase', 'points', 'survey', 'preference', 'business_card', 'photo', 'device', 'other', name='category', native_enum=False, length=32), nullable=True),
    sa.Column('recipient_name', sa.String(length=300), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('since', sa.DateTime(), nullable=False),
    sa.Column('lifted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_use_restriction_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['purpose_id'], ['purpose.id'], name=op.f('fk_use_restriction_purpose_id_purpose')),
    sa.ForeignKeyConstraint(['request_id'], ['data_request.id'], name=op.f('fk_use_restriction_request_id_data_request'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_use_restriction'))
    )
    with op.batch_alter_table('use_restriction', schema=None) as batch_op:
        batch_op.create_index('ix_use_restriction_active_purpose', ['lifted_at', 'purpose_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_use_restriction_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_use_restriction_request_id'), ['request_id'], unique=False)



def downgrade():
    with op.batch_alter_table('use_restriction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_use_restriction_request_id'))
        batch_op.drop_index(batch_op.f('ix_use_restriction_person_id'))
        batch_op.drop_index('ix_use_restriction_active_purpose')

    op.drop_table('use_restriction')
    with op.batch_alter_table('authority_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authority_document_request_id'))

    op.drop_table('authority_document')
