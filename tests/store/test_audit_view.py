"""The audit viewer's one-line detail: a setting as old → new, a checklist as its edits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kapnotes.domain.session import ClinicSettings
from kapnotes.session.clinic_settings import changes
from kapnotes.store.audit_view import AuditRow, describe


def _row(detail: dict[str, Any]) -> AuditRow:
    return AuditRow(
        1,
        datetime(2026, 3, 2, tzinfo=UTC),
        None,
        "Dr Ada Quill",
        "settings.change",
        "settings",
        None,
        None,
        "",
        detail,
    )


def test_a_checklist_change_reads_as_what_was_added_removed_reworded_and_moved() -> None:
    old = ClinicSettings()
    items = old.model_dump(mode="json")["pre_dose_checklist"]
    items[1]["label"] = "Ride home arranged"
    items[4]["only_for"] = None
    new_items = [items[1], items[0], *items[2:3], *items[4:]]  # consent removed, two swapped
    new_items.append({"value": "pulse_oximeter_on", "label": "Pulse oximeter on"})
    new = ClinicSettings.model_validate(
        {**old.model_dump(mode="json"), "pre_dose_checklist": new_items}
    )
    line = describe(_row({"changes": changes(old, new)}))
    assert line.startswith("pre_dose_checklist: ")
    assert "added 'Pulse oximeter on'" in line
    assert "removed 'Consent reconfirmed'" in line
    assert "reworded 'Ride home confirmed' → 'Ride home arranged'" in line
    assert "'Esketamine REMS enrolment' now shown for every product" in line
    assert "order changed" in line
    assert "{" not in line  # never the raw data


def test_a_value_reads_as_old_to_new() -> None:
    detail = {"changes": {"alerts.hypertension.sustained_above.systolic": {"old": 180, "new": 170}}}
    assert describe(_row(detail)) == "alerts.hypertension.sustained_above.systolic: 180 → 170"
