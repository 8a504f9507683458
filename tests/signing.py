"""Completing a bundled dosing note the way a clinician does before signing it.

Tests that need a signed note (to check the read-only state, say) fill in what
the bundled dosing template requires with fictional values, because the note
store refuses to sign a note with required fields empty.
"""

from __future__ import annotations

from typing import Any

from kapnotes.store.notes import NoteStore

THERAPIST = {"name": "Dr Ada Quill", "role": "therapist", "credential": "PsyD"}

#: What the bundled dosing template requires of an IM session that was dosed,
#: apart from its vitals (the session itself logs those).
COMPLETE_DOSING: dict[str, Any] = {
    "start_time": "09:45",
    "end_time": "12:00",
    "session_number": 1,
    "session_mode": "in_person",
    "clinicians": [THERAPIST],
    "planned_product": "ketamine_im",
    "pre_dose_checklist": [
        "fasted",
        "ride_home_confirmed",
        "no_intoxicants_24h",
        "consent_reconfirmed",
    ],
    "therapist_observations": "Settled after the first twenty minutes; calm at discharge.",
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
    "monitoring_end_time": "11:50",
    "discharge_time": "12:00",
    "escort_name": "Alder Example",
    "discharge_instructions_given": True,
    "narrative_subjective": "Client described a calm, spacious experience.",
    "narrative_objective": "Vitals within limits throughout.",
    "narrative_assessment": "Session tolerated well.",
    "narrative_plan": "Integration session in two days.",
}


def sign_completed(notes: NoteStore, note_id: str) -> str:
    """Fill what the dosing note still lacks (its own entries kept), sign it; the hash."""
    note = notes.get(note_id)
    values = dict(note.values)
    for key, value in COMPLETE_DOSING.items():
        if values.get(key) in (None, "", []):
            values[key] = value
    values.setdefault("session_date", note.session_date.isoformat())
    notes.save_values(note_id, values)
    return notes.sign(note_id)
