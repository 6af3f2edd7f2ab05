"""staff notices: each staff user may turn off the mail on assignment and on a requester's reply, and chooses its language

Revision ID: 0041_foureyes
Revises: 0040_gpc
"""
from alembic import op
import sqlalchemy as sa

revision = "0041_foureyes"
down_revision = "0040_gpc"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notify_on_assignment", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("notify_on_reply", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("language", sa.String(length=8), server_default="ja", nullable=False))


def downgrade():
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("language")
        batch_op.drop_column("notify_on_reply")
        batch_op.drop_column("notify_on_assignment")
