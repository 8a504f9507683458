"""Integrity: versioned signatures that cover client, template and signer; more triggers.

* ``note.signature_version`` and ``note.signer`` (the signer's name, credential
  and role as at signing), the same two on ``addendum``: new signatures are
  version 2 (:mod:`kapnotes.domain.signatures`); existing ones stay version 1 and
  keep verifying as they were made (no signed row is touched).
* Triggers (:data:`kapnotes.store.protection.TRIGGERS_0006`): addenda only on
  signed notes; the measures of a signed note cannot be added, changed or
  removed (acknowledging a flag stays possible); a course with signed notes keeps
  its client; template snapshots never change; an audit event must link to the
  last one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kapnotes.store.protection import TRIGGERS_0006

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Add the signature columns and the triggers."""
    for table in ("note", "addendum"):
        op.add_column(table, sa.Column("signature_version", sa.Integer(), nullable=True))
        op.add_column(table, sa.Column("signer", sa.JSON(), nullable=True))
    for sql in TRIGGERS_0006.values():
        op.execute(sql)


def downgrade() -> None:
    """Drop them again (version 2 signatures then no longer verify)."""
    for name in TRIGGERS_0006:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in ("note", "addendum"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN signer")
        op.execute(f"ALTER TABLE {table} DROP COLUMN signature_version")
