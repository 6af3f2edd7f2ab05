"""policy.clock_starts: CCPA deadlines count from receipt, the others from verification

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 17:50:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'clock_starts',
            sa.Enum('received', 'verified', name='clockstart', native_enum=False, length=32),
            server_default='verified', nullable=False,
        ))
    op.execute("UPDATE policy SET clock_starts = 'received' WHERE jurisdiction = 'ccpa'")


def downgrade():
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.drop_column('clock_starts')
