"""outbox mailbox key: mail limits per recipient inbox

Revision ID: 5e55c0a1d002
Revises: 5e55c0a1d001
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e55c0a1d002'
down_revision = '5e55c0a1d001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('mailbox', sa.String(length=254), server_default='', nullable=False)
        )
        batch_op.create_index(
            'ix_outbox_messages_mailbox_created', ['mailbox', 'created_at'], unique=False
        )
    # Earlier rows: the recipient case-folded is close enough (a "+tag" stays; they age out).
    op.execute("UPDATE outbox_messages SET mailbox = lower(recipient)")


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_mailbox_created')
        batch_op.drop_column('mailbox')
