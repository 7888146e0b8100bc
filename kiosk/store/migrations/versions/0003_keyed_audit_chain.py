"""Keyed audit chain, one print job per request, growing PIN lockout, config PIN tracking.

Rows written before this revision keep their unkeyed SHA-256 links and are marked
`chain = 'sha256'`; they are numbered in order. The first keyed entry links to the last of them
under the audit key, so the old rows are sealed by the new chain from then on (see
kiosk.store.audit). The key is not available to a migration, so nothing is re-hashed here.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("seq", sa.Integer, nullable=True))
        batch.add_column(sa.Column("chain", sa.String(8), nullable=False,
                                   server_default="sha256"))
    bind = op.get_bind()
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM audit_log ORDER BY id"))]
    for seq, row_id in enumerate(ids, start=1):
        bind.execute(sa.text("UPDATE audit_log SET seq = :seq WHERE id = :id"),
                     {"seq": seq, "id": row_id})
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("seq", existing_type=sa.Integer, nullable=False)
        batch.create_unique_constraint("uq_audit_log_seq", ["seq"])
    with op.batch_alter_table("print_jobs") as batch:
        batch.add_column(sa.Column("request_key", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_print_jobs_request_key", ["request_key"])
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("lockouts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("config_hash", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.drop_column("config_hash")
        batch.drop_column("lockouts")
    with op.batch_alter_table("print_jobs") as batch:
        batch.drop_constraint("uq_print_jobs_request_key", type_="unique")
        batch.drop_column("request_key")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint("uq_audit_log_seq", type_="unique")
        batch.drop_column("chain")
        batch.drop_column("seq")
