"""outbox: a mail may be queued with what to render, and the mail worker renders it

A request's receipt and updates are queued as their template, language and words (encrypted
like the bodies they become); the sender writes the subject and bodies before its first
attempt. Until then they are empty.

Revision ID: 0048_intake
Revises: 0047_lead
"""
from alembic import op
import sqlalchemy as sa

revision = "0048_intake"
down_revision = "0047_lead"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unrendered", sa.Text(), nullable=True))
        batch_op.alter_column("subject", existing_type=sa.Text(), nullable=True)
        batch_op.alter_column("body_text", existing_type=sa.Text(), nullable=True)


def downgrade():
    waiting = op.get_bind().scalar(sa.text("SELECT count(*) FROM outbox_message WHERE unrendered IS NOT NULL"))
    if waiting:
        raise RuntimeError(f"{waiting} queued mail(s) are not rendered yet: run `flask send-mail` "
                           "(or wait for the mail worker) before downgrading")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.alter_column("body_text", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("subject", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("unrendered")
