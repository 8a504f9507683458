"""Migration 0004: every existing measure gets its course, and nothing around it changes.

The vault is taken back to 0003 (measures without courses, as earlier versions
wrote them), upgraded, and each measure must sit in its note's course, else the
course whose days contain it, else the client's latest course; a client without a
course keeps NULL. The read-only triggers survive (the column is added in place).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from kapnotes.domain.clients import ClientInput, CourseInput, CourseStatus, Product
from kapnotes.domain.instruments import load_instruments
from kapnotes.store.clients import ClientStore
from kapnotes.store.measures import MeasureStore
from kapnotes.store.models import id_from_stored
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import OpenVault, _alembic_config


def _course(clients: ClientStore, client_id: str, start: date, status: CourseStatus) -> str:
    return clients.add_course(
        client_id,
        CourseInput(
            start_date=start,
            indication="Depression",
            planned_product=Product.KETAMINE_SUBLINGUAL,
            status=status,
        ),
    )


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def _triggers(open_vault: OpenVault) -> list[str]:
    with open_vault.engine.connect() as conn:
        rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        return sorted(r[0] for r in rows)


def test_upgrade_from_0003_gives_existing_measures_their_course(open_vault: OpenVault) -> None:
    clients, notes = ClientStore(open_vault), NoteStore(open_vault)
    measures = MeasureStore(open_vault, "UTC")
    phq9 = load_instruments().get("phq9")
    assert phq9 is not None
    answers = {f"phq9_{i}": 1 for i in range(1, 10)}

    client = clients.create(ClientInput(name="Arden Imaginary"))
    first = _course(clients, client, date(2026, 1, 5), CourseStatus.COMPLETED)
    prep = notes.create(first, "preparation", {"id": "p", "version": 1}, date(2026, 1, 6))
    notes.create(first, "dosing", {"id": "d", "version": 1}, date(2026, 2, 20))
    second = _course(clients, client, date(2026, 6, 1), CourseStatus.ACTIVE)
    lonely = clients.create(ClientInput(name="Bexley Nocourse"))

    given = {
        "in the preparation note": measures.save(client, phq9, answers, note_id=prep),
        "within the first course": measures.save(
            client, phq9, answers, administered_at=_noon(date(2026, 2, 1))
        ),
        "between the courses": measures.save(
            client, phq9, answers, administered_at=_noon(date(2026, 4, 1))
        ),
        "before any course": measures.save(
            client, phq9, answers, administered_at=_noon(date(2025, 12, 1))
        ),
        "in the second course": measures.save(
            client, phq9, answers, administered_at=_noon(date(2026, 7, 1))
        ),
        "of a client without a course": measures.save(lonely, phq9, answers),
    }
    triggers = _triggers(open_vault)
    assert "note_signed_no_update" in triggers

    with open_vault.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0003")
    with open_vault.engine.connect() as conn:
        columns = [row[1] for row in conn.exec_driver_sql("PRAGMA table_info(measure_result)")]
    assert "course_id" not in columns  # the vault as version 0003 left it

    with open_vault.engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")

    expected = {
        "in the preparation note": first,
        "within the first course": first,
        "between the courses": second,
        "before any course": second,
        "in the second course": second,
        "of a client without a course": None,
    }
    with open_vault.engine.connect() as conn:
        stored = {
            id_from_stored(m): id_from_stored(c)
            for m, c in conn.execute(text("SELECT id, course_id FROM measure_result"))
        }
    assert {what: stored[m.id] for what, m in given.items()} == expected
    assert _triggers(open_vault) == triggers  # the table was not copied: triggers intact

    # the triggers still guard a signed note after the upgrade
    with open_vault.engine.connect() as conn:
        signed = conn.execute(text("SELECT id FROM note WHERE kind = 'dosing'")).scalar()
    with open_vault.engine.begin() as conn:
        conn.execute(text("UPDATE note SET status = 'signed' WHERE id = :id"), {"id": signed})
    with (
        pytest.raises(DatabaseError, match="read-only"),
        open_vault.engine.begin() as conn,
    ):
        conn.execute(text("UPDATE note SET kind = 'integration' WHERE id = :id"), {"id": signed})
