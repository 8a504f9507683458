"""A note's values are stored compressed (:class:`kapnotes.store.models.PackedJSON`).

A note's values are mostly repeated keys, clock times and instants; compact JSON
compressed with zlib keeps about a third of the bytes (on a vault of 20,000
notes, 58 MB of values become 18 MB). Every note is rewritten once, signed ones
included: their content is the same JSON value, so their content hashes and
signatures verify as before (they are computed over the canonical JSON, never
over the stored bytes); the read-only trigger is lifted for that one statement
and put back word for word. Downgrading writes plain JSON text again.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from kapnotes.store.models import pack_json, unpack_json
from kapnotes.store.protection import TRIGGERS_0002

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

_TRIGGER = "note_signed_no_update"


def _rewrite(stored_as: str, encode: Callable[[Any], Any]) -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text('SELECT id, "values" FROM note WHERE typeof("values") = :kind'),
        {"kind": stored_as},
    ).all()
    if not rows:
        return
    op.execute(f"DROP TRIGGER IF EXISTS {_TRIGGER}")
    conn.execute(
        sa.text('UPDATE note SET "values" = :values WHERE id = :id'),
        [{"id": note_id, "values": encode(unpack_json(raw))} for note_id, raw in rows],
    )
    op.execute(TRIGGERS_0002[_TRIGGER])


def upgrade() -> None:
    """Compress every note's values."""
    _rewrite("text", pack_json)


def downgrade() -> None:
    """Write every note's values as plain JSON text again."""
    _rewrite("blob", json.dumps)
