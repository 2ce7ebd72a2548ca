"""confirm your address: unverified registrations hold a seat until confirmed

Revision ID: 5e55c0a1d003
Revises: 5e55c0a1d002
Create Date: 2026-12-01 13:40:00

"""
from alembic import op
import sqlalchemy as sa

import eventhub.models.base


# revision identifiers, used by Alembic.
revision = '5e55c0a1d003'
down_revision = '5e55c0a1d002'
branch_labels = None
depends_on = None

ACTIVE = "status IN ('confirmed', 'unverified')"
CONFIRMED = "status = 'confirmed'"


def _unique_active(where: str) -> None:
    op.create_index(
        'uq_registrations_active_email',
        'registrations',
        ['event_id', 'email_normalised'],
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('confirm_email', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('hold_until', eventhub.models.base.UTCDateTime(), nullable=True)
        )
    op.drop_index('uq_registrations_active_email', table_name='registrations')
    _unique_active(ACTIVE)


def downgrade():
    op.drop_index('uq_registrations_active_email', table_name='registrations')
    _unique_active(CONFIRMED)
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('hold_until')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('confirm_email')
