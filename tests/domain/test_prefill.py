"""What a new note starts with: the rule, on the bundled templates."""

from __future__ import annotations

import pytest

from kapnotes.domain.prefill import Author, NoteStart, prefill
from kapnotes.domain.templates import TemplateSpec, load_templates, parse_template

START = NoteStart(
    earlier_of_phase=2,
    author=Author("Dr Ada Quill", "PsyD", "therapist"),
    planned_product="esketamine_intranasal",
    planned_route_detail="56 mg intranasal, two devices",
    emergency_contact="Alder Example (partner), 555-0100",
    medications="Sertraline 100 mg mornings",
)


@pytest.fixture(scope="module")
def templates() -> dict[str, TemplateSpec]:
    loaded = load_templates()
    return {phase: loaded.for_phase(phase)[0] for phase in ("preparation", "dosing", "integration")}


def test_a_preparation_note_starts_from_the_course_the_client_and_the_clinician(
    templates: dict[str, TemplateSpec],
) -> None:
    filled = prefill(templates["preparation"], START)
    assert filled.values == {
        "session_number": 3,
        "planned_product": "esketamine_intranasal",
        "planned_route_detail": "56 mg intranasal, two devices",
        "emergency_contact": "Alder Example (partner), 555-0100",
        "medication_notes": "Sertraline 100 mg mornings",
    }
    assert filled.rows == {
        "clinicians": [{"name": "Dr Ada Quill", "role": "therapist", "credential": "PsyD"}]
    }


def test_only_the_fields_a_template_has_are_filled(templates: dict[str, TemplateSpec]) -> None:
    dosing = prefill(templates["dosing"], START)
    assert dosing.values == {"session_number": 3, "planned_product": "esketamine_intranasal"}
    integration = prefill(templates["integration"], START)
    assert integration.values == {"session_number": 3}
    assert list(integration.rows) == ["clinicians"]


def test_nothing_is_invented(templates: dict[str, TemplateSpec]) -> None:
    unknown = NoteStart(
        author=Author("Sam Staff", "", "receptionist"),  # not one of the role options
        planned_product="psilocybin",  # not one of the product options
        emergency_contact="   ",
    )
    filled = prefill(templates["preparation"], unknown)
    assert filled.values == {"session_number": 1}
    assert filled.rows == {"clinicians": [{"name": "Sam Staff"}]}
    assert prefill(templates["preparation"], NoteStart()).rows == {}


def test_a_text_too_long_for_its_field_is_left_for_the_clinician() -> None:
    spec = parse_template(
        {
            "id": "short",
            "version": 1,
            "title": "Short",
            "phase": "preparation",
            "sections": [
                {
                    "id": "s",
                    "title": "S",
                    "fields": [
                        {
                            "id": "emergency_contact",
                            "type": "short_text",
                            "label": "Emergency contact",
                            "max_length": 10,
                        },
                        {"id": "session_number", "type": "short_text", "label": "Session"},
                    ],
                }
            ],
        }
    )
    assert prefill(spec, START).values == {}  # too long; and a session number must be a number
