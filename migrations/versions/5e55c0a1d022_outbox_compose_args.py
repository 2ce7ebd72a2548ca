"""outbox compose args: registration mails composed by the worker

Revision ID: 5e55c0a1d022
Revises: 5e55c0a1d021
Create Date: 2026-12-02 06:28:44.249581

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5e55c0a1d022"
down_revision = "5e55c0a1d021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("compose_args", sa.JSON(), nullable=True))


def downgrade():
    # Rows not yet composed would lose what their mail needs (the private link's token).
    waiting = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM outbox_messages WHERE compose_args IS NOT NULL"))
        .scalar()
    )
    if waiting:
        raise RuntimeError(
            f"{waiting} outbox messages are not composed yet: run `flask mail send` "
            "(or open /dev/mailbox) before downgrading"
        )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("compose_args")
