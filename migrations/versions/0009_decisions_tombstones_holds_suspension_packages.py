"""decisions' data: erasure tombstones, legal holds and suspension flags on items, disclosure packages

What applying a staff decision needs: erased items leave a tombstone (never the value),
items may carry a legal retention hold that erasure respects, suspended items are flagged,
and generated disclosure packages are tracked until their files are deleted.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 17:54:10.190098

"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('disclosure_package',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=100), nullable=False),
    sa.Column('format', sa.Enum('json', 'zip', name='packageformat', native_enum=False, length=8), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('downloaded_at', sa.DateTime(), nullable=True),
    sa.Column('download_count', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_disclosure_package_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['data_request.id'], name=op.f('fk_disclosure_package_request_id_data_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_package')),
    sa.UniqueConstraint('path', name=op.f('uq_disclosure_package_path'))
    )
    with op.batch_alter_table('disclosure_package', schema=None) as batch_op:
        batch_op.create_index('ix_disclosure_package_expiry', ['deleted_at', 'expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosure_package_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosure_package_request_id'), ['request_id'], unique=False)

    op.create_table('item_tombstone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=160), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('identity', 'contact', 'demographic', 'membership', 'purchase', 'points', 'survey', 'preference', 'business_card', 'photo', 'device', 'other', name='category', native_enum=False, length=32), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('erased_at', sa.DateTime(), nullable=False),
    sa.Column('actor_type', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_item_tombstone_person_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['data_request.id'], name=op.f('fk_item_tombstone_request_id_data_request'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], name=op.f('fk_item_tombstone_source_id_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_tombstone'))
    )
    with op.batch_alter_table('item_tombstone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_tombstone_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_tombstone_item_key'), ['item_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_tombstone_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_tombstone_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_hold_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('legal_hold_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('suspended_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('suspended_request_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_item_suspended_request_id_data_request'), 'data_request', ['suspended_request_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_item_suspended_request_id_data_request'), type_='foreignkey')
        batch_op.drop_column('suspended_request_id')
        batch_op.drop_column('suspended_at')
        batch_op.drop_column('legal_hold_reason')
        batch_op.drop_column('legal_hold_until')

    with op.batch_alter_table('item_tombstone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_tombstone_request_id'))
        batch_op.drop_index(batch_op.f('ix_item_tombstone_person_id'))
        batch_op.drop_index(batch_op.f('ix_item_tombstone_item_key'))
        batch_op.drop_index(batch_op.f('ix_item_tombstone_item_id'))

    op.drop_table('item_tombstone')
    with op.batch_alter_table('disclosure_package', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_package_request_id'))
        batch_op.drop_index(batch_op.f('ix_disclosure_package_person_id'))
        batch_op.drop_index('ix_disclosure_package_expiry')

    op.drop_table('disclosure_package')
