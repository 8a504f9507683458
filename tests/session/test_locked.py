"""A live session kept through a lock: clock and reminders from memory, nothing from the vault."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from kapnotes.domain.clients import Product
from kapnotes.domain.timeline import to_iso
from kapnotes.session.locked import RunningSession
from kapnotes.store.notes import NewEntry, new_entry_id
from tests.session.conftest import Clinic, Clock

DAY = date(2026, 3, 2)


def _row(clock: Clock, hour: int, minute: int, **values: Any) -> dict[str, Any]:
    at = clock.at(DAY, hour, minute)
    return {
        "time": f"{hour:02d}:{minute:02d}",
        "_instants": {"time": to_iso(at)},
        "_event_id": new_entry_id(),
        **values,
    }


def _dosed_note(clinic: Clinic, clock: Clock) -> str:
    """Pre-dose vitals at 09:50 and 56 mg esketamine at 10:00 (T0), as the live view stores them."""
    note_id = clinic.note(DAY)
    vitals = _row(clock, 9, 50, systolic=124, diastolic=80, timepoint="pre_dose")
    dose = _row(clock, 10, 0, product="esketamine", route="intranasal", dose_mg=56)
    values = {"vitals_log": [vitals], "dose_log": [dose]}
    entries = [
        NewEntry(row["_event_id"], log, {"time": row["time"]}, datetime.now(UTC))
        for log, row in (("vitals_log", vitals), ("dose_log", dose))
    ]
    clinic.notes.save_values(note_id, values, new_entries=entries)
    return note_id


def test_the_clock_and_reminders_go_on_with_the_vault_closed(clinic: Clinic, clock: Clock) -> None:
    note_id = _dosed_note(clinic, clock)
    clock.at(DAY, 10, 5)
    live = clinic.live(note_id, clock, Product.ESKETAMINE_INTRANASAL)
    running = RunningSession(note_id, live)
    assert running.monitoring
    clinic.vault.close()  # locked: nothing may read the vault now

    clock.at(DAY, 10, 12)
    status = running.status()
    assert status.clock == "T+12:00"
    assert not status.sound  # nothing newly due
    assert not any("Vitals due" in line for line in status.reminders)

    clock.at(DAY, 10, 16)  # esketamine vitals every 15 minutes by default
    status = running.status()
    assert status.clock == "T+16:00"
    assert any(line.startswith("Vitals due") for line in status.reminders)
    assert status.sound  # newly due: the soft sound may play
    assert not running.status().sound  # once

    clock.at(DAY, 10, 41)
    status = running.status()
    assert any("40-minute BP check" in line for line in status.reminders)
    text = " ".join([status.clock, *status.reminders])
    assert "Sam Fictional" not in text and "Fictional" not in text
