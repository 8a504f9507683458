"""A clinic settings change applies to new notes; a note keeps the settings it was run under,
and the change is in the audit trail with its old and new value."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kapnotes.domain.clients import Product
from kapnotes.domain.session import ClinicSettings, RuleId
from kapnotes.domain.session.settings import SETTINGS_KEY, BloodPressure
from kapnotes.session import DoseRequest, Logged
from kapnotes.session.clinic_settings import changes, save, settings_for_note
from kapnotes.store.audit_view import AuditQuery, audit_events
from kapnotes.store.catalog import Catalog
from tests.session.conftest import Clinic, Clock, tick_pre_dose_checks

DAY = date(2026, 3, 2)


def _run_with_high_bp(
    clinic: Clinic, clock: Clock, note_id: str, settings: ClinicSettings
) -> set[RuleId]:
    session = clinic.live(note_id, clock, settings=settings, checks_done=False)
    tick_pre_dose_checks(session)
    clock.at(DAY, 9, 50)
    assert isinstance(session.log_vitals({"systolic": "124", "diastolic": "80"}), Logged)
    clock.at(DAY, 10, 0)
    assert isinstance(session.log_dose(DoseRequest(Product.KETAMINE_IM, "0.5", "mg/kg")), Logged)
    clock.at(DAY, 10, 10)
    session.log_vitals({"systolic": "175", "diastolic": "100"})
    clock.at(DAY, 10, 16)
    session.log_vitals({"systolic": "176", "diastolic": "100"})
    return {a.rule for a in session.check_alerts()}


def test_threshold_180_to_170_changes_new_notes_only_and_is_audited(
    clinic: Clinic, clock: Clock, tmp_path: Path
) -> None:
    catalog = Catalog(tmp_path / "folder")
    current, _ = catalog.clinic_settings()
    older = clinic.note(DAY)
    kept = settings_for_note(clinic.notes, older, current)
    assert clinic.notes.get(older).values[SETTINGS_KEY]["alerts"]["hypertension"][
        "sustained_above"
    ] == {"systolic": 180, "diastolic": 110}

    rule = current.alerts.hypertension
    lowered = current.model_copy(
        update={
            "alerts": current.alerts.model_copy(
                update={
                    "hypertension": rule.model_copy(
                        update={"sustained_above": BloodPressure(systolic=170, diastolic=110)}
                    )
                }
            )
        }
    )
    diff = save(clinic.vault, catalog, lowered)
    assert diff == {"alerts.hypertension.sustained_above.systolic": {"old": 180, "new": 170}}
    assert save(clinic.vault, catalog, lowered) == {}  # no change, no event
    now, _ = catalog.clinic_settings()
    assert now.alerts.hypertension.sustained_above.systolic == 170

    newer = clinic.note(DAY)
    assert RuleId.HYPERTENSION in _run_with_high_bp(
        clinic, clock, newer, settings_for_note(clinic.notes, newer, now)
    )
    # The older note, opened again after the change, keeps 180: no alert at 175/176.
    again = settings_for_note(clinic.notes, older, now)
    assert again.alerts.hypertension.sustained_above.systolic == 180
    assert kept.alerts == again.alerts
    assert RuleId.HYPERTENSION not in _run_with_high_bp(clinic, clock, older, again)

    events = audit_events(clinic.vault, AuditQuery(actions=("settings.change",)))
    assert len(events) == 1
    assert events[0].detail["changes"] == diff
    assert events[0].actor_name == "Dr Ada Quill"


def test_changes_lists_nested_paths() -> None:
    a = ClinicSettings()
    b = a.model_copy(update={"reminder_sound": True})
    assert changes(a, b) == {"reminder_sound": {"old": False, "new": True}}
