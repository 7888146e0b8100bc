"""The anchors of each terminal's audit chain, kept to compare the next ones against.

Revision ID: f0003
Revises: f0002
"""

import sqlalchemy as sa
from alembic import op

revision = "f0003"
down_revision = "f0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_anchors",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("terminal_id", sa.String(32), nullable=False),
        sa.Column("entry_count", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("outbox_seq", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", _AT, nullable=False),
        sa.Column("received_at", _AT, nullable=False),
        sa.ForeignKeyConstraint(["terminal_id"], ["terminals.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_anchors_terminal", "audit_anchors", ["terminal_id", "id"])


def downgrade() -> None:
    op.drop_table("audit_anchors")
