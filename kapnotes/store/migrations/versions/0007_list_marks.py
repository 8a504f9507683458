"""The client list's marks come from indexes alone.

Each row of the client list counts the client's drafts, today's notes and open
risk flags. Those counts read ``note.status`` and ``note.session_date``, and a
note's row also holds its values (kilobytes, over several pages): on a vault of
years, 200 listed clients cost 130 ms a keystroke. A covering index on
``(course_id, status, session_date)`` answers both note counts without touching
a note's row, and a partial index holds only the measures whose risk flags are
still open, so the search box keeps pace with typing (3-9 ms on 2,000 clients).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

NOTE_MARKS = "ix_note_course_marks"
OPEN_FLAGS = "ix_measure_result_open_flags"


def upgrade() -> None:
    op.create_index(NOTE_MARKS, "note", ["course_id", "status", "session_date"])
    op.execute(
        f"CREATE INDEX {OPEN_FLAGS} ON measure_result (client_id) "
        "WHERE acknowledged_at IS NULL AND json_array_length(flags) > 0"
    )


def downgrade() -> None:
    op.drop_index(OPEN_FLAGS, table_name="measure_result")
    op.drop_index(NOTE_MARKS, table_name="note")
