"""send me my links: a second private link per registration

Revision ID: 5e55c0a1d005
Revises: 4e0a757892bf
Create Date: 2026-12-01 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e55c0a1d005'
down_revision = '4e0a757892bf'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resent_token_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_registrations_resent_token_hash'), ['resent_token_hash']
        )


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_registrations_resent_token_hash'), type_='unique')
        batch_op.drop_column('resent_token_hash')
