"""An audit alert names the chain (epoch) it opened, so acknowledging it accepts that chain
and no later one; an acknowledgement keeps the reason staff wrote.

Revision ID: f0004
Revises: f0003
"""

import sqlalchemy as sa
from alembic import op

revision = "f0004"
down_revision = "f0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("console_alerts") as batch:
        batch.add_column(sa.Column("epoch", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("ack_reason", sa.String(200), nullable=False,
                                   server_default=""))
    # An audit alert raised before: the newest chain the centre held when it was raised.
    op.execute(
        "UPDATE console_alerts SET epoch = (SELECT MAX(a.epoch) FROM audit_anchors a"
        " WHERE a.terminal_id = console_alerts.terminal_id"
        " AND a.received_at <= console_alerts.first_seen_at)"
        " WHERE rule = 'audit_rewritten'")


def downgrade() -> None:
    with op.batch_alter_table("console_alerts") as batch:
        batch.drop_column("ack_reason")
        batch.drop_column("epoch")
