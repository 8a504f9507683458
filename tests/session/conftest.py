"""Session-layer fixtures: a fictional client, a course, dosing notes in a chosen zone, a clock.

No Qt here: these tests drive :class:`~kapnotes.session.LiveSession` and
:class:`~kapnotes.session.NoteDraft` the way the widgets do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.session import ClinicSettings
from kapnotes.domain.templates import ChecklistField, TemplateSpec, load_templates, visible_items
from kapnotes.session import LiveSession, Logged, SessionClient
from kapnotes.store.clients import ClientStore
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import OpenVault

NEW_YORK = "America/New_York"


class Clock:
    """An injected clock: an aware instant that moves only when the test says so."""

    def __init__(self, zone: str = NEW_YORK) -> None:
        self.zone = ZoneInfo(zone)
        self.moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment

    def at(self, day: date, hour: int, minute: int, *, fold: int = 0) -> datetime:
        """Set the clock to the clinic's wall-clock reading (``fold=1``: the repeated hour)."""
        local = datetime.combine(day, time(hour, minute), tzinfo=self.zone).replace(fold=fold)
        self.moment = local.astimezone(UTC)
        return self.moment

    def advance(self, minutes: float) -> datetime:
        """Move the clock on by real minutes."""
        self.moment += timedelta(minutes=minutes)
        return self.moment


@dataclass
class Clinic:
    """A vault with the fictional client Sam Fictional (80 kg) and one course."""

    vault: OpenVault
    notes: NoteStore
    clients: ClientStore
    client_id: str
    course_id: str
    dosing: TemplateSpec

    def note(self, day: date, zone: str = NEW_YORK) -> str:
        """A fresh dosing note on ``day`` in the clinic's ``zone``."""
        return self.notes.create(
            self.course_id, "dosing", self.dosing.snapshot(), day, {}, time_zone=zone
        )

    def live(
        self,
        note_id: str,
        clock: Clock,
        product: Product = Product.KETAMINE_IM,
        settings: ClinicSettings | None = None,
        *,
        checks_done: bool = True,
    ) -> LiveSession:
        """The note as a live session, read by ``clock``, its pre-dose checks ticked."""
        session = LiveSession(
            self.notes,
            note_id,
            SessionClient("Sam Fictional", 80.0),
            product,
            settings or ClinicSettings(),
            clock,
        )
        if checks_done:
            tick_pre_dose_checks(session)
        return session


def tick_pre_dose_checks(session: LiveSession) -> None:
    """Tick every pre-dose check the note asks for (as the F5 panel does)."""
    field = session.record.spec.field("pre_dose_checklist")
    assert isinstance(field, ChecklistField)
    shown = visible_items(field, session.record.values, session.record.context())
    assert isinstance(session.set_checklist([item.value for item in shown]), Logged)


@pytest.fixture
def clinic(open_vault: OpenVault) -> Clinic:
    """The fictional client and course, IM ketamine planned."""
    clients = ClientStore(open_vault)
    client_id = clients.create(ClientInput(name="Sam Fictional", weight_kg=80.0))
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 2, 1),
            indication="Treatment-resistant depression (fictional)",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    dosing = load_templates().for_phase("dosing")[0]
    return Clinic(open_vault, NoteStore(open_vault), clients, client_id, course_id, dosing)


@pytest.fixture
def clock() -> Clock:
    """The session's clock, in New York."""
    return Clock()
