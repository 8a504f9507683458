"""Report fixtures: a fictional client with a Unicode name, a dosing session run live, notes.

The dosing session is run through the session layer the way the live view runs
it (vitals, a dose and a booster, alerts written once, an observation in Greek
and Russian, an adverse event, a treatment, discharge), then completed and
signed through the note store, so its PDF shows what a clinic would file.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.letterhead import Letterhead
from kapnotes.domain.notes import Phase
from kapnotes.domain.session import ClinicSettings
from kapnotes.domain.templates import TemplateSpec, load_templates
from kapnotes.session import (
    DoseRequest,
    LiveSession,
    Logged,
    PresenceRequest,
    SessionClient,
)
from kapnotes.store.clients import ClientStore
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import OpenVault
from tests.session.conftest import Clock, tick_pre_dose_checks

NEW_YORK = "America/New_York"
DAY = date(2026, 3, 2)
PRINTED = datetime(2026, 3, 3, 15, 30, tzinfo=UTC)
CLIENT_NAME = "Zoë Ñúñez-Ołowska"
GREEK = "ψυχή"
CYRILLIC = "спокойствие"
DISCHARGE_CRITERIA = [
    "vitals_near_baseline",
    "alert_and_oriented",
    "steady_on_feet",
    "tolerating_fluids",
    "nausea_minimal",
    "escort_present",
    "written_instructions_given",
    "no_driving",
]
SOAP = {
    "narrative_subjective": "Client described a calm, wide space; some sadness early on.",
    "narrative_objective": "BP rose to 184/110 at T+15 and settled by T+20.",
    "narrative_assessment": "Session tolerated; hypertension and low SpO2 managed.",
    "narrative_plan": "Integration session in two days.",
}


def settings() -> ClinicSettings:
    """The clinic's settings for these tests: New York, a letterhead, US letter paper."""
    return ClinicSettings(
        time_zone=NEW_YORK,
        letterhead=Letterhead(
            clinic_name="Lakeside Ketamine Clinic",
            address="12 Example Way, Suite 4\nSpringfield, OR 97000",
            phone="555-0100",
        ),
    )


def pages_text(data: bytes) -> list[str]:
    """The text of each page of a PDF, as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    """Text with every run of white space as one space (wrapped lines joined)."""
    return " ".join(text.split())


@dataclass
class ReportClinic:
    """A vault with one fictional client (Unicode name, 80 kg), a course and the tools to
    write notes for reports."""

    vault: OpenVault
    notes: NoteStore
    clients: ClientStore
    client_id: str
    course_id: str
    templates: dict[Phase, TemplateSpec]
    settings: ClinicSettings

    def new_note(
        self, phase: Phase, day: date = DAY, values: Mapping[str, Any] | None = None
    ) -> str:
        """A draft note of ``phase`` from the bundled template, in New York."""
        return self.notes.create(
            self.course_id,
            phase,
            self.templates[phase].snapshot(),
            day,
            dict(values or {}),
            time_zone=NEW_YORK,
        )

    def fill(self, note_id: str, values: Mapping[str, Any]) -> None:
        """Add values to a draft (as the editor's autosave does)."""
        current = dict(self.notes.get(note_id).values)
        current.update(values)
        self.notes.save_values(note_id, current)

    def live(
        self, note_id: str, clock: Clock, product: Product = Product.KETAMINE_IM
    ) -> LiveSession:
        """The note as a live session of ``product`` read by ``clock``."""
        return LiveSession(
            self.notes,
            note_id,
            SessionClient(CLIENT_NAME, 80.0),
            product,
            self.settings,
            clock,
        )

    def dosing_session(self, *, sign: bool = True, observation: str | None = None) -> str:
        """A dosing session with two alerts, a booster, an adverse event and a treatment,
        discharged, completed and (by default) signed. Returns the note id."""
        clock = Clock(NEW_YORK)
        note_id = self.new_note(Phase.DOSING, DAY, {"session_number": 3})
        session = self.live(note_id, clock)
        tick_pre_dose_checks(session)
        clock.at(DAY, 9, 40)
        ok(session.start_presence(PresenceRequest("Dr Ada Quill", "therapist", "PsyD")))
        ok(session.start_presence(PresenceRequest("Casey Nurseworth", "nurse", "RN")))
        clock.at(DAY, 9, 50)
        ok(session.log_vitals(_vitals(124, 80, 72, 98)))
        clock.at(DAY, 10, 0)
        ok(session.log_dose(DoseRequest(Product.KETAMINE_IM, "0.5", "mg/kg", lot="LOT-Ω-42")))
        for minute, reading in ((10, (182, 112, 96, 97)), (15, (184, 110, 98, 97))):
            clock.at(DAY, 10, minute)
            ok(session.log_vitals(_vitals(*reading)))
            session.check_alerts()
        clock.at(DAY, 10, 20)
        ok(session.log_vitals(_vitals(150, 90, 88, 91)))
        session.check_alerts()
        clock.at(DAY, 10, 25)
        text = observation or f"Said «{CYRILLIC}» and wrote the word {GREEK} on the pad."
        ok(session.log_observation(text, ["verbalising", "client_quote"]))
        clock.at(DAY, 10, 30)
        ok(session.record_adverse("nausea", "mild", "", "Ondansetron 4 mg ODT given."))
        clock.at(DAY, 10, 32)
        ok(session.give_treatment("Ondansetron", "4 mg", "oral"))
        clock.at(DAY, 10, 45)
        ok(session.log_dose(DoseRequest(Product.KETAMINE_IM, "20", "mg", lot="LOT-Ω-42")))
        for hour, minute, reading in ((11, 0, (130, 84, 76, 98)), (11, 50, (126, 80, 74, 98))):
            clock.at(DAY, hour, minute)
            ok(session.log_vitals(_vitals(*reading)))
            session.check_alerts()
        clock.at(DAY, 12, 10)
        ok(session.record_discharge(DISCHARGE_CRITERIA, "Alder Example", ""))
        self.fill(
            note_id,
            {
                "session_date": DAY.isoformat(),
                "start_time": "09:40",
                "session_mode": "in_person",
                "therapist_observations": "Quiet at the peak; tearful at T+50, then settled.",
                **SOAP,
            },
        )
        if sign:
            self.notes.sign(note_id)
        return note_id


def _vitals(systolic: int, diastolic: int, heart_rate: int, spo2: int) -> dict[str, str]:
    return {
        "systolic": str(systolic),
        "diastolic": str(diastolic),
        "heart_rate": str(heart_rate),
        "spo2": str(spo2),
        "respiratory_rate": "14",
        "moaas": "5",
    }


def ok(outcome: object) -> None:
    """The session accepted the entry."""
    assert isinstance(outcome, Logged), outcome


@pytest.fixture
def clinic(open_vault: OpenVault) -> ReportClinic:
    """The fictional client Zoë Ñúñez-Ołowska (born 1985-03-14, 80 kg) and an IM course."""
    clients = ClientStore(open_vault, NEW_YORK)
    client_id = clients.create(
        ClientInput(
            name=CLIENT_NAME,
            date_of_birth=date(1985, 3, 14),
            pronouns="she/her",
            weight_kg=80.0,
        )
    )
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 2, 1),
            indication="Treatment-resistant depression (fictional)",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    loaded = load_templates()
    templates = {phase: loaded.for_phase(phase)[0] for phase in Phase}
    return ReportClinic(
        open_vault,
        NoteStore(open_vault),
        clients,
        client_id,
        course_id,
        templates,
        settings(),
    )
