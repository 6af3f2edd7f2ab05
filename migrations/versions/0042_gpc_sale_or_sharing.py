"""purposes that are a sale or sharing in the CCPA's words (a Global Privacy Control signal withdraws consent to them)

Revision ID: 0042_gpc
Revises: 0041_foureyes
"""
from alembic import op
import sqlalchemy as sa

revision = "0042_gpc"
down_revision = "0041_foureyes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("purpose", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sale_or_sharing", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("purpose", schema=None) as batch_op:
        batch_op.drop_column("sale_or_sharing")
