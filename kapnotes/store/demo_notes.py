"""Demo notes of all three phases, written from the bundled templates with fictional content.

They follow the sample clinic cases of the clinical spec: a preparation note
whose PHQ-9 sums to 18 with item 9 = 1 (risk flag); a lozenge course whose first
session has vomiting at T+25 and discharge at T+140, and whose PHQ-9 falls from
22 to 9 over six sessions; an esketamine session held at a pre-dose BP of 148/94
and cancelled with a reason. Everything goes through NoteStore and
MeasureStore, like notes a clinician writes, and log entries are also written
as timestamped events, as the editor does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from kapnotes.domain.instruments import load_instruments
from kapnotes.domain.notes import Phase
from kapnotes.domain.templates import TemplateSpec, load_templates
from kapnotes.domain.timeline import local_noon, system_zone_name
from kapnotes.store.measures import MeasureStore
from kapnotes.store.models import Course
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import OpenVault

THERAPIST = {
    "name": "Dr Morgan Demo",
    "role": "therapist",
    "credential": "PsyD",
    "in_person": True,
    "start_time": "09:00",
    "end_time": "11:30",
}
NURSE = {
    "name": "Casey Nurseworth",
    "role": "nurse",
    "credential": "RN",
    "in_person": True,
    "start_time": "09:00",
    "end_time": "11:40",
}
SOAP_PREP = {
    "narrative_subjective": "Client describes low mood most days and hopes to feel less numb.",
    "narrative_objective": "Calm, engaged, good eye contact; speech normal rate.",
    "narrative_assessment": "Suitable for KAP; expectations realistic; supports in place.",
    "narrative_plan": "First dosing session next week; bring music playlist and eye mask.",
}
SOAP_DOSE = {
    "narrative_subjective": "Client reported a wide, quiet space and some sadness early on.",
    "narrative_objective": "Dissociation peaked around T+30; vitals within limits.",
    "narrative_assessment": "Session tolerated; mild nausea managed.",
    "narrative_plan": "Integration session in two days.",
}
SOAP_INTEGRATION = {
    "narrative_subjective": "Client says the week felt lighter; slept better.",
    "narrative_objective": "Brighter affect, more spontaneous speech.",
    "narrative_assessment": "Early response; no safety concerns today.",
    "narrative_plan": "Continue course as planned; journaling between sessions.",
}


def _phq9(values: list[int]) -> dict[str, int]:
    return {f"phq9_{i}": v for i, v in enumerate(values, start=1)}


def _phq9_total(total: int) -> dict[str, int]:
    """Answers summing to `total`, items 1-8 filled first, item 9 left at 0."""
    return _phq9([min(3, max(0, total - 3 * i)) for i in range(8)] + [0])


def _gad7(values: list[int]) -> dict[str, int]:
    return {f"gad7_{i}": v for i, v in enumerate(values, start=1)}


@dataclass
class _Writer:
    """Writes demo notes for one vault."""

    notes: NoteStore
    measures: MeasureStore
    templates: dict[Phase, TemplateSpec]

    def note(
        self,
        course_id: str,
        kind: Phase,
        day: date,
        values: dict[str, Any],
        logs: dict[str, list[tuple[str, dict[str, Any]]]] | None = None,
        *,
        sign: bool,
        measures: tuple[tuple[str, str, dict[str, int], date], ...] = (),
    ) -> str:
        """Write a note (its measures, given as (client id, instrument, answers, day), before
        it is signed: a signed note's measures cannot change)."""
        spec = self.templates[kind]
        note_id = self.notes.create(course_id, kind, spec.snapshot(), day)
        all_values = {"session_date": day.isoformat(), **values}
        for field_id, rows in (logs or {}).items():
            stored = []
            for clock, row in rows:
                hh, mm = (int(x) for x in clock.split(":"))
                at = datetime.combine(day, time(hh, mm), tzinfo=UTC)
                data = {"time": clock, **row}
                offset = row.get("t_plus_min")
                event_id = self.notes.add_event(
                    note_id,
                    field_id,
                    data,
                    recorded_at=at,
                    t_offset_s=offset * 60 if isinstance(offset, int) else None,
                )
                stored.append({**data, "_event_id": event_id})
            all_values[field_id] = stored
        self.notes.save_values(note_id, all_values)
        for client_id, instrument, answers, given in measures:
            self.measure(client_id, instrument, answers, given, note_id)
        if sign:
            self.notes.sign(note_id)
        return note_id

    def measure(
        self, client_id: str, instrument: str, answers: dict[str, int], day: date, note_id: str
    ) -> None:
        spec = load_instruments().get(instrument)
        if spec is None:  # pragma: no cover - bundled instruments always load
            raise LookupError(instrument)
        # the note's day in its zone (this computer's, as the demo notes are written)
        when = local_noon(day, system_zone_name())
        self.measures.save(client_id, spec, answers, note_id=note_id, administered_at=when)


def _header(number: int, start: str = "09:00", end: str = "10:00") -> dict[str, Any]:
    return {
        "start_time": start,
        "end_time": end,
        "session_number": number,
        "session_mode": "in_person",
        "clinicians": [dict(THERAPIST, start_time=start, end_time=end)],
    }


def _preparation(
    product: str, phq9: dict[str, int], gad7: dict[str, int], day: date
) -> dict[str, Any]:
    """A complete preparation note (every field its template needs to sign), consent that day."""
    return {
        **_header(1),
        "medical_clearance": "cleared",
        "prescriber_name": "Dr Rowan Prescriber, MD",
        "contraindications": [],
        "sedating_or_bp_medications": [],
        "substance_use_history": "Alcohol socially, 2-3 drinks a week; no other substances.",
        "phq9": phq9,
        "gad7": gad7,
        "intentions_goals": "Feel less numb; reconnect with painting and friends.",
        "fears_concerns": "Worried about losing control and about nausea.",
        "psychoeducation": [
            "expected_effects",
            "dissociation",
            "nausea",
            "blood_pressure_rise",
            "no_driving",
        ],
        "fasting_instructions": "No food for 2 hours and no liquids for 30 minutes before dosing.",
        "consent_signed": True,
        "consent_date": day.isoformat(),
        "ride_home_arranged": True,
        "driver_name": "Alder Example",
        "driver_phone": "555-0102",
        "planned_product": product,
        "planned_dose_unit": "mg",
        "planned_dose_mg": 200,
        "safety_plan": "Crisis line and partner as contacts; no access to means at home.",
        "readiness": 7,
        **SOAP_PREP,
    }


def _lozenge_session(number: int, vomiting: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    values: dict[str, Any] = {
        **_header(number, "09:00", "11:30"),
        "clinicians": [THERAPIST, NURSE],
        "planned_product": "ketamine_sublingual",
        "pre_dose_checklist": [
            "fasted",
            "ride_home_confirmed",
            "no_intoxicants_24h",
            "consent_reconfirmed",
        ],
        "interventions": ["reassurance", "music_or_eye_mask_change"],
        "client_account": "Felt like floating above a calm lake; some grief about her father.",
        "therapist_observations": "Quiet for most of the peak, tearful at T+50, then settled.",
        "discharge_criteria": [
            "vitals_near_baseline",
            "alert_and_oriented",
            "steady_on_feet",
            "tolerating_fluids",
            "nausea_minimal",
            "escort_present",
            "written_instructions_given",
            "no_driving",
        ],
        "monitoring_end_time": "11:20",
        "discharge_time": "11:20",
        "escort_name": "Alder Example",
        "discharge_instructions_given": True,
        **SOAP_DOSE,
    }
    logs: dict[str, list[tuple[str, dict[str, Any]]]] = {
        "vitals_log": [
            (
                "09:05",
                {
                    "timepoint": "pre_dose",
                    "systolic": 124,
                    "diastolic": 78,
                    "heart_rate": 72,
                    "spo2": 98,
                    "moaas": 5,
                },
            ),
            (
                "09:40",
                {
                    "t_plus_min": 40,
                    "timepoint": "monitoring",
                    "systolic": 138,
                    "diastolic": 86,
                    "heart_rate": 84,
                    "spo2": 97,
                    "moaas": 4,
                    "dissociation": 6,
                },
            ),
            (
                "10:20",
                {
                    "t_plus_min": 80,
                    "timepoint": "monitoring",
                    "systolic": 130,
                    "diastolic": 82,
                    "heart_rate": 78,
                    "spo2": 98,
                    "moaas": 5,
                    "dissociation": 3,
                },
            ),
            (
                "11:15",
                {
                    "t_plus_min": 135,
                    "timepoint": "pre_discharge",
                    "systolic": 126,
                    "diastolic": 80,
                    "heart_rate": 74,
                    "spo2": 98,
                    "moaas": 5,
                    "dissociation": 0,
                },
            ),
        ],
        "dose_log": [
            (
                "09:00",
                {
                    "product": "racemic_ketamine",
                    "route": "sublingual",
                    "dose_mg": 200,
                    "lot_number": "DEMO-LZ-0424",
                },
            ),
        ],
        "observation_log": [
            ("09:12", {"text": "Eyes closed, music on, breathing slow.", "tags": ["resting"]}),
            (
                "09:50",
                {
                    "text": "Tearful; said 'I can finally feel it.'",
                    "tags": ["tearful", "client_quote"],
                },
            ),
        ],
    }
    if vomiting:
        logs["observation_log"].insert(
            1,
            (
                "09:25",
                {
                    "text": "Vomited once; ondansetron given. Dose possibly incomplete.",
                    "tags": ["nausea", "intervention"],
                },
            ),
        )
        logs["adverse_events"] = [
            (
                "09:25",
                {
                    "kind": "vomiting",
                    "severity": "mild",
                    "onset_time": "09:25",
                    "resolution_time": "09:35",
                    "action_taken": "Ondansetron 4 mg ODT; dose possibly incomplete.",
                },
            ),
        ]
        values["interventions"] = ["reassurance", "antiemetic"]
    return values, logs


def _integration(number: int, dosing_id: str, mood: int, phq9: dict[str, int]) -> dict[str, Any]:
    return {
        **_header(number),
        "linked_dosing_session": dosing_id,
        "client_narrative": "Remembered the lake image; felt her father's absence less sharply.",
        "themes": ["grief_and_loss", "self_compassion"],
        "insights": "Noticed she can hold sadness without shutting down.",
        "mood_since": mood,
        "sleep_since": "better",
        "side_effects": [],
        "suicide_risk_screen": "none",
        "phq9": phq9,
        "intentions_reviewed": "Painting twice this week; call a friend.",
        "practices": ["journaling", "time_in_nature"],
        "prescriber_recommendation": "same",
        **SOAP_INTEGRATION,
    }


def write_demo_notes(vault: OpenVault, today: date) -> None:
    """Write the demo notes into the demo vault's courses (see the module docstring)."""
    templates = {spec.phase: spec for spec in load_templates().templates.values()}
    writer = _Writer(NoteStore(vault), MeasureStore(vault), templates)
    with vault.session() as session:
        courses = [
            (c.id, c.client_id, c.client.name, c.planned_product, c.start_date)
            for c in session.scalars(select(Course).order_by(Course.created_at))
        ]
    by_client: dict[str, list[tuple[str, str, str, date]]] = {}
    for course_id, client_id, name, product, start in courses:
        by_client.setdefault(name, []).append((course_id, client_id, product, start))

    # Six-session lozenge course: PHQ-9 falls from 22 to 9.
    course_id, client_id, product, start = by_client["Juniper Example"][0]
    prep_day = start + timedelta(days=2)
    writer.note(
        course_id,
        Phase.PREPARATION,
        prep_day,
        _preparation(product, _phq9_total(22), _gad7([2, 2, 2, 1, 1, 2, 2]), prep_day),
        sign=True,
        measures=((client_id, "phq9", _phq9_total(22), prep_day),),
    )
    for session_no, phq in enumerate([19, 16, 13, 11, 10, 9], start=1):
        day = prep_day + timedelta(days=7 * session_no)
        values, logs = _lozenge_session(session_no, vomiting=session_no == 1)
        dosing = writer.note(course_id, Phase.DOSING, day, values, logs, sign=True)
        later = day + timedelta(days=2)
        writer.note(
            course_id,
            Phase.INTEGRATION,
            later,
            _integration(session_no, dosing, 4 + session_no, _phq9_total(phq)),
            sign=later < today - timedelta(days=3),
            measures=((client_id, "phq9", _phq9_total(phq), later),),
        )

    # IM course: PHQ-9 of 18 with item 9 = 1 raises the risk flag.
    course_id, client_id, product, start = by_client["Marlow Sample"][0]
    answers = _phq9([3, 3, 2, 2, 2, 2, 2, 1, 1])
    prep_day = start + timedelta(days=1)
    writer.note(
        course_id,
        Phase.PREPARATION,
        prep_day,
        _preparation(product, answers, _gad7([2, 2, 1, 1, 1, 1, 1]), prep_day),
        sign=True,
        measures=((client_id, "phq9", answers, prep_day),),
    )

    # Esketamine: pre-dose 148/94, dosing cancelled with a reason, still signed.
    course_id, client_id, product, start = by_client["Sasha Fictive"][0]
    writer.note(
        course_id,
        Phase.DOSING,
        start + timedelta(days=10),
        {
            **_header(1, "13:00", "13:45"),
            "planned_product": product,
            "pre_dose_checklist": [
                "fasted",
                "ride_home_confirmed",
                "no_intoxicants_24h",
                "consent_reconfirmed",
                "rems_enrolled",
            ],
            "dosing_cancelled": True,
            "cancellation_reason": "Pre-dose BP 148/94 twice, 10 minutes apart; above the "
            "clinic's 140/90 hold. Rebooked; prescriber informed.",
            "therapist_observations": "Client anxious about traffic on the way in.",
            # The template asks for these even when no dose was given: filled as they were.
            "monitoring_end_time": "13:40",
            "discharge_time": "13:45",
            "escort_name": "Jordan Placeholder",
            "discharge_instructions_given": True,
            "rems_bp_pre_dose_systolic": 148,
            "rems_bp_pre_dose_diastolic": 94,
            "rems_bp_40_min_systolic": 142,
            "rems_bp_40_min_diastolic": 90,
            "rems_bp_pre_discharge_systolic": 142,
            "rems_bp_pre_discharge_diastolic": 90,
            "rems_vitals_ok_pre_dose": False,
            "rems_vitals_ok_pre_discharge": True,
            "rems_direct_supervision": True,
            "rems_minutes_ready_without_minimum": 0,
            "rems_sedation": False,
            "rems_dissociation": False,
            "rems_other_adverse_event": False,
            "narrative_subjective": "Client felt rushed and tense after a difficult drive.",
            "narrative_objective": "BP 148/94 and 146/94 before dosing; 142/90 at 13:40.",
            "narrative_assessment": "Above the pre-dose hold; no dose given, no adverse event.",
            "narrative_plan": "Rebook next week; arrive early; prescriber to review BP.",
        },
        {
            "vitals_log": [
                (
                    "13:05",
                    {
                        "timepoint": "pre_dose",
                        "systolic": 148,
                        "diastolic": 94,
                        "heart_rate": 88,
                        "spo2": 98,
                    },
                ),
                (
                    "13:15",
                    {
                        "timepoint": "pre_dose",
                        "systolic": 146,
                        "diastolic": 94,
                        "heart_rate": 84,
                        "spo2": 98,
                    },
                ),
                (
                    "13:40",
                    {
                        "timepoint": "pre_discharge",
                        "systolic": 142,
                        "diastolic": 90,
                        "heart_rate": 80,
                        "spo2": 98,
                    },
                ),
            ]
        },
        sign=True,
    )

    # A draft preparation note to continue, and today's dosing session to run live.
    course_id, client_id, product, start = by_client["Robin Mockup"][0]
    writer.note(
        course_id,
        Phase.PREPARATION,
        min(today, start + timedelta(days=2)),
        {**_header(1), "planned_product": product, "intentions_goals": "Sleep through the night."},
        sign=False,
    )
    writer.note(
        course_id,
        Phase.DOSING,
        today,
        {"session_number": 1, "session_mode": "in_person", "planned_product": product},
        sign=False,
    )


def sample_values(phase: Phase, day: date, product: str) -> dict[str, Any]:
    """Complete fictional values for a note of ``phase`` on ``day`` (what its bundled template
    needs to sign, log rows aside), as the demo writes them; the self-test signs with them."""
    if phase is Phase.PREPARATION:
        return _preparation(product, _phq9_total(12), _gad7([1, 1, 1, 1, 0, 1, 1]), day)
    if phase is Phase.DOSING:
        values, _logs = _lozenge_session(1, vomiting=False)
        return {**values, "planned_product": product}
    return _integration(1, "", 6, _phq9_total(9))
