"""Alembic environment: migrations always run on the vault's own, already keyed connection."""

from __future__ import annotations

from alembic import context

from kapnotes.store.models import Base, include_name

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the vault always hands one in
    raise RuntimeError("kapnotes migrations run through kapnotes.store.vault, not the alembic CLI")


context.configure(
    connection=connection,
    include_name=include_name,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
