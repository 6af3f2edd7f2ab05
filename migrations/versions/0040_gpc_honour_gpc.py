"""policies: honour a browser's Global Privacy Control signal as an opt-out of sale/sharing (on for CCPA)

Revision ID: 0040_gpc
Revises: 0039_foureyes
"""
from alembic import op
import sqlalchemy as sa

revision = "0040_gpc"
down_revision = "0039_foureyes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("policy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("honour_gpc", sa.Boolean(), server_default=sa.false(), nullable=False))
    # CCPA Regulations § 7025: a business that sells or shares personal information treats the
    # signal as a valid request to opt out; the California rules start with it on.
    op.execute(sa.text("UPDATE policy SET honour_gpc = :on WHERE jurisdiction = 'ccpa'").bindparams(on=True))


def downgrade():
    with op.batch_alter_table("policy", schema=None) as batch_op:
        batch_op.drop_column("honour_gpc")
