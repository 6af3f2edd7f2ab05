"""requests by post: requesters without email, letters to post, one-time codes sent by post

A request may have no requester email (the form for people without email, a letter): its
answers become letters that staff print and post. A customer session opened with a code
sent by post has no email either.

Revision ID: 0029
Revises: 0028
"""
from alembic import op
import sqlalchemy as sa

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("data_request", schema=None) as batch_op:
        batch_op.alter_column("requester_email", existing_type=sa.Text(), nullable=True)
    with op.batch_alter_table("customer_session", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.Text(), nullable=True)
    op.create_table(
        "postal_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("printed_at", sa.DateTime(), nullable=True),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.Column("posted_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["data_request.id"],
                                name=op.f("fk_postal_letter_request_id_data_request"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postal_letter")),
    )
    with op.batch_alter_table("postal_letter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_postal_letter_request_id"), ["request_id"], unique=False)
    op.create_table(
        "postal_access_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["data_request.id"],
                                name=op.f("fk_postal_access_code_request_id_data_request"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"],
                                name=op.f("fk_postal_access_code_person_id_person"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postal_access_code")),
    )
    with op.batch_alter_table("postal_access_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_postal_access_code_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_postal_access_code_person_id"), ["person_id"], unique=False)


def downgrade():
    op.drop_table("postal_access_code")
    op.drop_table("postal_letter")
    with op.batch_alter_table("customer_session", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.Text(), nullable=False)
    with op.batch_alter_table("data_request", schema=None) as batch_op:
        batch_op.alter_column("requester_email", existing_type=sa.Text(), nullable=False)
