"""notice versions: which notice or consent wording a source showed, and a consent event was given under

Revision ID: 0036
Revises: 0035
"""
from alembic import op
import sqlalchemy as sa

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_version", sa.String(length=64), nullable=True))
    with op.batch_alter_table("consent_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_version", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("consent_event", schema=None) as batch_op:
        batch_op.drop_column("notice_version")
    with op.batch_alter_table("source", schema=None) as batch_op:
        batch_op.drop_column("notice_version")
