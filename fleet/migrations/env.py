"""Alembic environment: migrations run in-process on the connection handed over."""

from __future__ import annotations

from alembic import context

from fleet.db.engine import VERSION_TABLE
from fleet.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # run from the alembic CLI: build an engine from the ini's URL
    from sqlalchemy import create_engine

    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "sqlite://")
    connection = engine.connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
