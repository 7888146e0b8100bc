"""Seal levels: the PAdES level each certificate reached, and the encrypted archive copies
(those below B-LTA wait for a document time stamp).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issued_certificates") as batch:
        # Certificates issued before this revision carry no proven level: B-B is the honest floor.
        batch.add_column(sa.Column("seal_level", sa.String(8), nullable=False,
                                   server_default="B-B"))
    op.create_table(
        "seal_archive",
        sa.Column("verification_code", sa.String(40), primary_key=True),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(200), nullable=False, server_default=""),
        sa.Column("document", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_seal_archive_level", "seal_archive", ["level"])


def downgrade() -> None:
    op.drop_index("ix_seal_archive_level", "seal_archive")
    op.drop_table("seal_archive")
    with op.batch_alter_table("issued_certificates") as batch:
        batch.drop_column("seal_level")
