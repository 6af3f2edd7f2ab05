"""fees (APPI Art. 38): an optional fee per policy, and the fee a request owes and its state

Revision ID: 0032
Revises: 0031
"""
from alembic import op
import sqlalchemy as sa


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fee_amount', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fee_status', sa.Enum('unpaid', 'paid', 'waived', name='feestatus', native_enum=False, length=16), nullable=True))

    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fee_amount', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fee_payment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('fee_waiver', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.drop_column('fee_waiver')
        batch_op.drop_column('fee_payment')
        batch_op.drop_column('fee_amount')

    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.drop_column('fee_status')
        batch_op.drop_column('fee_amount')

