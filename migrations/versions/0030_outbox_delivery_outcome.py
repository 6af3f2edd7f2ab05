"""outbox: a fixed Message-ID, the request a mail answers, and what became of a failure

A permanent SMTP refusal marks the mail failed at once; staff see it on the request it
answers until they send it again or answer another way (`settled_at`, `settlement`).

Revision ID: 0030
Revises: 0029
"""
from alembic import op
import sqlalchemy as sa

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("message_id", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("smtp_code", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("failed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("settled_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("settlement", sa.String(length=32), nullable=True))
        batch.create_foreign_key("fk_outbox_message_request_id_data_request", "data_request", ["request_id"], ["id"],
                                 ondelete="SET NULL")
        batch.create_index("ix_outbox_message_request", ["request_id", "status"], unique=False)


def downgrade():
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_index("ix_outbox_message_request")
        batch.drop_constraint("fk_outbox_message_request_id_data_request", type_="foreignkey")
        for column in ("settlement", "settled_at", "failed_at", "smtp_code", "request_id", "message_id"):
            batch.drop_column(column)
