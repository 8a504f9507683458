"""Migration 0003 gives every clock time its instant without changing a single shown value.

The demo vault is taken back to the schema before 0003 (no zones, no instants:
clock times only, as earlier versions wrote them), each note's shown times and
T+ are read the way the app showed them then, the vault is upgraded, and every
note must show the same.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from alembic import command

from kapnotes.domain.note_times import T_PLUS, read_times
from kapnotes.domain.templates import LogField, TemplateSpec, TimeField
from kapnotes.domain.timeline import INSTANTS_KEY, SessionTimeline
from kapnotes.store.demo import populate_demo
from kapnotes.store.models import Note
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import OpenVault, _alembic_config

Shown = dict[str, Any]


def shown_times(note: Note, timeline_zone: str | None) -> Shown:
    """Every clock time and T+ a note shows, by field, row and column."""
    spec = TemplateSpec.model_validate(note.template_snapshot)
    out: Shown = {}
    times = None
    if timeline_zone is not None:
        timeline = SessionTimeline.of(timeline_zone, note.session_date)
        times = read_times(spec, note.values, timeline)
    for field in spec.fields():
        if isinstance(field, TimeField):
            out[field.id] = note.values.get(field.id)
            if times is not None and field.id in times.fields:
                out[field.id + "@"] = times.timeline.hhmm(times.fields[field.id])
        if isinstance(field, LogField):
            rows = note.values.get(field.id) or []
            for position, row in enumerate(rows):
                for column in field.columns:
                    if isinstance(column, TimeField):
                        key = f"{field.id}[{position}].{column.id}"
                        out[key] = row.get(column.id)
                        instant = (
                            None if times is None else times.row(field.id, position, column.id)
                        )
                        if instant is not None:
                            out[key + "@"] = times.timeline.hhmm(instant) if times else None
                if T_PLUS in row or field.column(T_PLUS) is not None:
                    out[f"{field.id}[{position}].{T_PLUS}"] = row.get(T_PLUS)
    return out


def test_migration_leaves_every_demo_notes_shown_times_unchanged(open_vault: OpenVault) -> None:
    populate_demo(open_vault, today=date(2026, 11, 2))
    with open_vault.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0002")
    # the vault as an earlier version left it: clock times only
    with open_vault.engine.connect() as conn:
        columns = [row[1] for row in conn.exec_driver_sql("PRAGMA table_info(note)")]
        assert "time_zone" not in columns
        raw = [r[0] for r in conn.exec_driver_sql('SELECT "values" FROM note')]
        assert raw and not any(f'"{INSTANTS_KEY}"' in text for text in raw if text)
    with open_vault.engine.connect() as conn:
        before = {
            r[0]: r[1:]
            for r in conn.exec_driver_sql(
                'SELECT id, "values", template_snapshot, session_date FROM note'
            )
        }
    with open_vault.engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")

    notes = NoteStore(open_vault)
    drafts = rows = 0
    with open_vault.session() as session:
        stored = list(session.query(Note))
        assert len(stored) == len(before)
        for note in stored:
            zone = notes.get(note.id).time_zone
            old = Note(
                values=json.loads(before[note.id][0]),
                template_snapshot=json.loads(before[note.id][1]),
                session_date=note.session_date,
            )
            then = shown_times(old, None)
            now = shown_times(note, zone)
            rows += sum(1 for key in then if "[" in key)
            for key, value in then.items():
                assert now[key] == value, (note.id, key)
            # every clock time with an instant reads back as the same clock time
            for key, value in now.items():
                if key.endswith("@"):
                    assert value == now[key[:-1]], (note.id, key)
            if note.status == "draft":
                drafts += 1
                assert note.time_zone is not None
    assert drafts > 0
    assert rows > 20  # the demo's sessions have timed rows to compare
