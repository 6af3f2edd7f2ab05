"""item revisions: the earlier value of an item each time it is changed (corrections)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 17:47:45.881927

"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('item_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('old_value', sa.JSON(), nullable=False),
    sa.Column('new_value', sa.JSON(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('actor_type', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_item_revision_item_id_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_item_revision_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['data_request.id'], name=op.f('fk_item_revision_request_id_data_request'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_revision'))
    )
    with op.batch_alter_table('item_revision', schema=None) as batch_op:
        batch_op.create_index('ix_item_revision_item_changed', ['item_id', 'changed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_revision_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_revision_request_id'), ['request_id'], unique=False)



def downgrade():
    with op.batch_alter_table('item_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_revision_request_id'))
        batch_op.drop_index(batch_op.f('ix_item_revision_person_id'))
        batch_op.drop_index('ix_item_revision_item_changed')

    op.drop_table('item_revision')
