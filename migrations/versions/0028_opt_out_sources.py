"""sources obtained through opt-out, and the provider's filing date with the Commission

Data a provider gave us by opt-out (Art. 27(2)) may not be provided onward by opt-out; the
importer refuses such provision records (portal/inventory/importer/opt_out.py).

Revision ID: 0028
Revises: 0027
"""
from alembic import op
import sqlalchemy as sa

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.add_column(sa.Column('obtained_via_opt_out', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('provider_opt_out_filed_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('source', schema=None) as batch_op:
        batch_op.drop_column('provider_opt_out_filed_on')
        batch_op.drop_column('obtained_via_opt_out')
