"""Alembic's environment for the server's database.

Runs only from :func:`ui.storage.migrate.upgrade` (or ``python -m ui.storage.migrate``), which
passes the connection to migrate, already locked, in ``config.attributes["connection"]``.
"""

from alembic import context

from ui.storage.schema import metadata

context.configure(connection=context.config.attributes["connection"], target_metadata=metadata,
                  render_as_batch=True)  # batch: SQLite alters a table by copying it
with context.begin_transaction():
    context.run_migrations()
