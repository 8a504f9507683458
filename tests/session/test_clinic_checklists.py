"""The clinic's pre-dose and discharge checklists: a dosing note started under them asks
for their items (gates, signing, print) and keeps them when the settings change later."""

from __future__ import annotations

from datetime import date
from typing import Any

from kapnotes.domain.clients import Product
from kapnotes.domain.session import ClinicSettings
from kapnotes.domain.session.checklists import with_clinic_checklists
from kapnotes.domain.session.settings import SETTINGS_KEY
from kapnotes.domain.templates import ChecklistField
from kapnotes.session import DoseRequest, Logged, NeedsReason
from kapnotes.session.clinic_settings import settings_for_note
from kapnotes.session.new_note import start_note
from tests.session.conftest import Clinic, Clock

DAY = date(2026, 3, 2)
ZONE = "America/New_York"


def _with(settings: ClinicSettings, **lists: list[dict[str, Any]]) -> ClinicSettings:
    return ClinicSettings.model_validate({**settings.model_dump(mode="json"), **lists})


def _clinic_lists() -> ClinicSettings:
    defaults = ClinicSettings().model_dump(mode="json")
    return _with(
        ClinicSettings(),
        pre_dose_checklist=[
            *defaults["pre_dose_checklist"],
            {"value": "pulse_oximeter_on", "label": "Pulse oximeter on"},
        ],
        discharge_checklist=[
            *defaults["discharge_checklist"],
            {"value": "ecg_normal", "label": "ECG back to normal"},
        ],
    )


def test_a_note_started_under_the_clinic_lists_asks_for_their_items(
    clinic: Clinic, clock: Clock
) -> None:
    settings = _clinic_lists()
    note_id = start_note(
        clinic.notes, clinic.course_id, clinic.dosing, DAY, time_zone=ZONE, settings=settings
    )
    session = clinic.live(note_id, clock, settings=settings, checks_done=False)
    assert "Pulse oximeter on" in session.open_pre_dose_checks()
    assert "Esketamine REMS enrolment" not in session.open_pre_dose_checks()  # IM planned

    ticked = ["fasted", "ride_home_confirmed", "no_intoxicants_24h", "consent_reconfirmed"]
    assert isinstance(session.set_checklist(ticked), Logged)
    assert session.open_pre_dose_checks() == ["Pulse oximeter on"]
    clock.at(DAY, 9, 50)
    assert isinstance(session.log_vitals({"systolic": "124", "diastolic": "80"}), Logged)
    clock.at(DAY, 10, 0)
    first = session.log_dose(DoseRequest(Product.KETAMINE_IM, "0.5", "mg/kg"))
    assert isinstance(first, NeedsReason) and "Pulse oximeter on" in first.message

    assert isinstance(session.set_checklist([*ticked, "pulse_oximeter_on"]), Logged)
    assert session.open_pre_dose_checks() == []
    assert isinstance(session.log_dose(DoseRequest(Product.KETAMINE_IM, "0.5", "mg/kg")), Logged)
    # The clinic's own discharge criterion is one the note can store.
    criteria = [item.value for item in settings.discharge_checklist]
    assert isinstance(session.set_discharge_criteria(criteria), Logged)
    assert clinic.notes.get(note_id).values["discharge_criteria"][-1] == "ecg_normal"


def test_a_note_keeps_the_lists_and_rules_it_was_started_under(
    clinic: Clinic, clock: Clock
) -> None:
    started = _clinic_lists()
    note_id = start_note(
        clinic.notes, clinic.course_id, clinic.dosing, DAY, time_zone=ZONE, settings=started
    )
    # The clinic changes its settings before the note is first run.
    changed = _with(
        started,
        pre_dose_checklist=[{"value": "fasted", "label": "Fasted 6 h"}],
        discharge_checklist=[{"value": "escort_present", "label": "Escort present"}],
    )
    kept = settings_for_note(clinic.notes, note_id, changed)
    assert [item.label for item in kept.discharge_checklist][-1] == "ECG back to normal"
    assert kept.pre_dose_checklist == started.pre_dose_checklist
    session = clinic.live(note_id, clock, settings=kept, checks_done=False)
    assert "Pulse oximeter on" in session.open_pre_dose_checks()
    assert "Fasted 6 h" not in session.open_pre_dose_checks()

    newer = start_note(
        clinic.notes, clinic.course_id, clinic.dosing, DAY, time_zone=ZONE, settings=changed
    )
    assert clinic.live(
        newer, clock, settings=changed, checks_done=False
    ).open_pre_dose_checks() == ["Fasted 6 h"]


def test_the_default_lists_leave_the_template_as_shipped(clinic: Clinic) -> None:
    assert with_clinic_checklists(clinic.dosing, ClinicSettings()) == clinic.dosing
    note_id = start_note(
        clinic.notes,
        clinic.course_id,
        clinic.dosing,
        DAY,
        time_zone=ZONE,
        settings=ClinicSettings(),
    )
    note = clinic.notes.get(note_id)
    assert note.template_snapshot == clinic.dosing.snapshot()
    assert note.values[SETTINGS_KEY] == ClinicSettings().session_part()


def test_an_item_for_one_product_is_asked_only_when_it_is_planned(clinic: Clinic) -> None:
    settings = _with(
        ClinicSettings(),
        pre_dose_checklist=[
            {"value": "fasted", "label": "Fasted"},
            {
                "value": "nasal_clear",
                "label": "Nasal passages clear",
                "only_for": "esketamine_intranasal",
            },
        ],
    )
    spec = with_clinic_checklists(clinic.dosing, settings)
    field = spec.field("pre_dose_checklist")
    assert isinstance(field, ChecklistField)
    assert [item.label for item in field.items] == ["Fasted", "Nasal passages clear"]
    condition = field.items[1].show_if
    assert condition is not None
    assert (condition.field, condition.equals) == ("planned_product", "esketamine_intranasal")
    assert field.items[0].show_if is None
