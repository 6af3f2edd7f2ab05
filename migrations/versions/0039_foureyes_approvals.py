"""four eyes: a policy may require a manager's approval of erasures and rejections, which wait in decision_approval

Revision ID: 0039_foureyes
Revises: 0038_email
"""
from alembic import op
import sqlalchemy as sa

revision = "0039_foureyes"
down_revision = "0038_email"
branch_labels = None
depends_on = None

PENDING = sa.text("state = 'pending'")


def upgrade():
    with op.batch_alter_table("policy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("four_eyes", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "decision_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("erasure", "rejection", name="approvalkind", native_enum=False, length=16),
                  nullable=False),
        sa.Column("state", sa.Enum("pending", "approved", "sent_back", name="approvalstate", native_enum=False,
                                   length=16), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("prepared_by_type", sa.String(length=16), nullable=False),
        sa.Column("prepared_by", sa.String(length=64), nullable=True),
        sa.Column("prepared_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("sent_back_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["data_request.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("decision_approval", schema=None) as batch_op:
        batch_op.create_index("ix_decision_approval_request", ["request_id", "id"], unique=False)
        batch_op.create_index("uq_decision_approval_pending", ["request_id"], unique=True,
                              sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade():
    with op.batch_alter_table("decision_approval", schema=None) as batch_op:
        batch_op.drop_index("uq_decision_approval_pending", sqlite_where=PENDING, postgresql_where=PENDING)
        batch_op.drop_index("ix_decision_approval_request")
    op.drop_table("decision_approval")
    with op.batch_alter_table("policy", schema=None) as batch_op:
        batch_op.drop_column("four_eyes")
