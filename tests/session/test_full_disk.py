"""A full disk in the live session (issue 12): refused entries are never written twice, and
the message names the cause.

The probe: fill the disk, press Enter twice (refused), free space, press Enter —
the note held the entry three times, two without their event, and the message
said only "the vault refused". Here the vault fails the way SQLite fails on a full
disk (``SQLITE_FULL``), reads included, as they can when the disk is full.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy.exc import OperationalError

from kapnotes.session import Logged, NoteDraft, Refused
from kapnotes.session.record import OBSERVATIONS
from kapnotes.store.faults import WriteFault, not_saved, write_fault
from kapnotes.store.notes import EVENT_KEY
from tests.session.conftest import Clinic, Clock

DAY = date(2026, 3, 2)


def _sqlite_error(message: str, code: int) -> OperationalError:
    orig = sqlcipher.OperationalError(message)
    orig.sqlite_errorcode = code  # type: ignore[attr-defined]
    return OperationalError("INSERT INTO note_event …", {}, orig)


class Disk:
    """Makes the note store fail as a full disk does, until space is freed."""

    def __init__(self, clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full = False
        for name in ("save_values", "get", "add_event"):
            real = getattr(clinic.notes, name)
            monkeypatch.setattr(clinic.notes, name, self._guard(real))

    def _guard(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if self.full:
                raise _sqlite_error("database or disk is full", 13)
            return real(*args, **kwargs)

        return call


@pytest.fixture
def disk(clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> Iterator[Disk]:
    yield Disk(clinic, monkeypatch)


def test_enter_twice_on_a_full_disk_then_once_after_freeing_space_writes_one_entry(
    clinic: Clinic, clock: Clock, disk: Disk
) -> None:
    clock.at(DAY, 10, 5)
    session = clinic.live(clinic.note(DAY), clock)
    disk.full = True
    for _ in range(2):
        refused = session.log_observation("Tearful; asked for the music to change")
        assert isinstance(refused, Refused)
        folder = clinic.notes.folder
        assert refused.reason.startswith(
            f"Not saved — the disk is full (the vault folder: {folder})."
        )
        assert (
            "Free some space" in refused.reason and "What you typed is kept here" in refused.reason
        )
    disk.full = False
    assert isinstance(session.log_observation("Tearful; asked for the music to change"), Logged)
    stored = clinic.notes.get(session.record.note_id)
    rows = [r for r in stored.values[OBSERVATIONS] if r.get("text", "").startswith("Tearful")]
    events = [e for e in stored.events if e.data.get("text", "").startswith("Tearful")]
    assert len(rows) == 1 and len(events) == 1
    assert rows[0][EVENT_KEY] == events[0].id
    assert session.record.values == stored.values  # memory is what is stored


def test_a_correction_refused_on_a_full_disk_leaves_the_entry_as_it_was(
    clinic: Clinic, clock: Clock, disk: Disk
) -> None:
    clock.at(DAY, 10, 5)
    session = clinic.live(clinic.note(DAY), clock)
    written = session.log_observation("Resting")
    assert isinstance(written, Logged) and written.entry is not None
    disk.full = True
    refused = session.correct_observation(written.entry[EVENT_KEY], "Resting, eyes closed", [])
    assert isinstance(refused, Refused) and "the disk is full" in refused.reason
    assert [r.get("text") for r in session.record.rows(OBSERVATIONS)] == ["Resting"]
    assert session.record.originals == {}


def test_the_editor_says_why_a_save_failed(clinic: Clinic) -> None:
    note = clinic.notes.get(clinic.note(DAY))
    draft = NoteDraft(clinic.notes, note, clinic.dosing)
    message = draft.why_not_saved(_sqlite_error("database or disk is full", 13))
    assert message.startswith("Not saved — the disk is full (the vault folder: ")
    assert "Free some space on that disk" in message
    assert "the next change saves it all" in message


@pytest.mark.parametrize(
    ("error", "fault", "words"),
    [
        (_sqlite_error("database or disk is full", 13), WriteFault.DISK_FULL, "the disk is full"),
        (
            _sqlite_error("attempt to write a readonly database", 8),
            WriteFault.READ_ONLY,
            "cannot be written (read-only, or not yours)",
        ),
        (
            _sqlite_error("database disk image is malformed", 11),
            WriteFault.DAMAGED,
            "the vault database is damaged",
        ),
        (OSError(errno.ENOSPC, "No space left on device"), WriteFault.DISK_FULL, "disk is full"),
        (OSError(errno.EROFS, "Read-only file system"), WriteFault.READ_ONLY, "read-only"),
        (RuntimeError("something else"), WriteFault.OTHER, "the vault refused it"),
    ],
)
def test_each_cause_is_named(error: BaseException, fault: WriteFault, words: str) -> None:
    assert write_fault(error) is fault
    assert words in not_saved(error)
