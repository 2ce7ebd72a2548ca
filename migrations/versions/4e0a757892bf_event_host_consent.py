"""event host consent: event_hosts.accepted_at

Naming another organisation as host, co-host, partner or funder waits for that
organisation's acceptance (NULL = pending). Links that exist already were made
before the rule and count as accepted.

Revision ID: 4e0a757892bf
Revises: 5e55c0a1d003
Create Date: 2026-11-24 10:00:00.000000

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa

import eventhub.models.base


# revision identifiers, used by Alembic.
revision = '4e0a757892bf'
down_revision = '5e55c0a1d003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event_hosts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_at', eventhub.models.base.UTCDateTime(), nullable=True))

    event_hosts = sa.table('event_hosts', sa.column('accepted_at', eventhub.models.base.UTCDateTime()))
    op.execute(event_hosts.update().values(accepted_at=dt.datetime.now(dt.UTC)))


def downgrade():
    with op.batch_alter_table('event_hosts', schema=None) as batch_op:
        batch_op.drop_column('accepted_at')
