"""A measure belongs to a course: ``measure_result.course_id``.

A measure given in a note gets the note's course. One given on its own gets the
course whose days contain the administration (see
:func:`kapnotes.domain.clients.course_for_day`: a completed or discontinued course
ends on its last session's day), else the client's latest course, else stays
NULL (a client without a course). Days are read in this computer's time zone, as
the app read them before.

The column is added in place (``ALTER TABLE … ADD COLUMN … REFERENCES``), not in
batch mode: the table is never copied, so nothing around it (triggers, the FTS
index) is touched.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from kapnotes.domain.clients import CourseSpan, course_for_day, course_span
from kapnotes.domain.timeline import local_day, system_zone_name

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

INDEX = "ix_measure_result_course_id"


def _day(value: Any) -> date:
    return date.fromisoformat(str(value)[:10])


def _instant(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _spans(conn: sa.Connection) -> dict[str, list[CourseSpan]]:
    rows = conn.execute(
        sa.text(
            "SELECT course.id, course.client_id, course.start_date, course.status, "
            "MAX(note.session_date) FROM course LEFT JOIN note ON note.course_id = course.id "
            "GROUP BY course.id"
        )
    )
    spans: dict[str, list[CourseSpan]] = defaultdict(list)
    for course_id, client_id, start, status, last in rows:
        last_day = _day(last) if last is not None else None
        spans[client_id].append(course_span(course_id, _day(start), str(status), last_day))
    return spans


def upgrade() -> None:
    """Add ``measure_result.course_id`` (indexed) and give existing measures their course."""
    op.add_column(
        "measure_result",
        sa.Column(
            "course_id",
            sa.String(length=36),
            sa.ForeignKey("course.id"),
            nullable=True,
        ),
        inline_references=True,
    )
    op.create_index(INDEX, "measure_result", ["course_id"], unique=False)
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "UPDATE measure_result SET course_id = "
            "(SELECT note.course_id FROM note WHERE note.id = measure_result.note_id) "
            "WHERE note_id IS NOT NULL"
        )
    )
    spans = _spans(conn)
    zone = system_zone_name()
    loose = conn.execute(
        sa.text("SELECT id, client_id, administered_at FROM measure_result WHERE course_id IS NULL")
    )
    for measure_id, client_id, administered_at in list(loose):
        day = local_day(_instant(administered_at), zone)
        course_id = course_for_day(spans.get(client_id, []), day)
        if course_id is not None:
            conn.execute(
                sa.text("UPDATE measure_result SET course_id = :course WHERE id = :id"),
                {"course": course_id, "id": measure_id},
            )


def downgrade() -> None:
    """Drop the index and the column."""
    op.drop_index(INDEX, table_name="measure_result")
    op.execute("ALTER TABLE measure_result DROP COLUMN course_id")
