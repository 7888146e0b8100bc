"""The operations console: staff accounts and sessions, its audit trail, alerts, remote
actions; and a terminal's call for staff in its latest status.

Revision ID: f0002
Revises: f0001
"""

import sqlalchemy as sa
from alembic import op

revision = "f0002"
down_revision = "f0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "console_users",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", _AT, nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("last_seen_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["console_users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_console_sessions_user_id", "console_sessions", ["user_id"])
    op.create_table(
        "console_audit",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("target", sa.String(80), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_console_audit_at", "console_audit", ["at"])
    op.create_table(
        "console_alerts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("terminal_id", sa.String(32), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.Column("first_seen_at", _AT, nullable=False),
        sa.Column("fired_at", _AT, nullable=True),
        sa.Column("closed_at", _AT, nullable=True),
        sa.Column("acked_at", _AT, nullable=True),
        sa.Column("acked_by", sa.String(64), nullable=False),
        sa.Column("delivered_at", _AT, nullable=True),
        sa.Column("delivery_attempts", sa.Integer(), nullable=False),
        sa.Column("delivery_error", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["terminal_id"], ["terminals.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_console_alerts_open", "console_alerts",
                    ["terminal_id", "rule", "closed_at"])
    op.create_index("ix_console_alerts_fired_at", "console_alerts", ["fired_at"])
    op.create_table(
        "console_remote_actions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("terminal_id", sa.String(32), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("requested_at", _AT, nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("delivered_at", _AT, nullable=True),
        sa.Column("done_at", _AT, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["terminal_id"], ["terminals.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_console_actions_pending", "console_remote_actions",
                    ["terminal_id", "done_at"])
    with op.batch_alter_table("terminal_status") as batch:
        batch.add_column(sa.Column("staff_call", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("terminal_status") as batch:
        batch.drop_column("staff_call")
    op.drop_table("console_remote_actions")
    op.drop_table("console_alerts")
    op.drop_table("console_audit")
    op.drop_table("console_sessions")
    op.drop_table("console_users")
