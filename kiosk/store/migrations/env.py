"""Alembic environment: migrations run in-process on the connection the store hands over."""

from __future__ import annotations

from alembic import context

from kiosk.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # run from the alembic CLI: build an engine from the ini's URL
    from sqlalchemy import create_engine

    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "sqlite://")
    connection = engine.connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
)
with context.begin_transaction():
    context.run_migrations()
