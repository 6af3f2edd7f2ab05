"""email change: a mailed link proves a customer's new address before the change takes effect

`email_challenge` rows gain a `purpose` ("sign_in" for every row so far; "email_change" for a
link sent to a new address) and, for a change, the person whose address it is.

Revision ID: 0038_email
Revises: 0037_gpc
"""
from alembic import op
import sqlalchemy as sa

revision = "0038_email"
down_revision = "0037_gpc"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("email_challenge", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=16), server_default="sign_in", nullable=False))
        batch_op.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_email_challenge_person_id_person"), "person",
                                    ["person_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(batch_op.f("ix_email_challenge_person_id"), ["person_id"], unique=False)


def downgrade():
    with op.batch_alter_table("email_challenge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_challenge_person_id"))
        batch_op.drop_constraint(batch_op.f("fk_email_challenge_person_id_person"), type_="foreignkey")
        batch_op.drop_column("person_id")
        batch_op.drop_column("purpose")
