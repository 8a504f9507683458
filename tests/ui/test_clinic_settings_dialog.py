"""Settings → Clinic settings: each value checked with the reason beside it, restore
defaults, saving audited with old and new values (real widgets)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from kapnotes.domain.session import ClinicSettings
from kapnotes.store.audit_view import AuditQuery, audit_events
from kapnotes.store.catalog import Catalog
from kapnotes.store.vault import Vault
from kapnotes.ui.settings.clinic_dialog import ClinicSettingsDialog
from tests.ui.conftest import WindowFactory, unlock

SYSTOLIC = "alerts.hypertension.sustained_above.systolic"


def _edit(dialog: ClinicSettingsDialog, path: str) -> QLineEdit:
    widget = dialog.fields[path].widget
    assert isinstance(widget, QLineEdit)
    return widget


def test_a_bad_value_is_named_beside_it_and_nothing_is_saved(qtbot: QtBot) -> None:
    saved: list[ClinicSettings] = []
    dialog = ClinicSettingsDialog(ClinicSettings(), saved.append)
    qtbot.addWidget(dialog)
    dialog.show()
    _edit(dialog, SYSTOLIC).setText("abc")
    _edit(dialog, "alerts.tachycardia.above_bpm").setText("400")
    _edit(dialog, "dose_ranges.ketamine_im.min").setText("2")  # above its max of 1
    dialog.accept()
    assert not saved and dialog.isVisible()
    assert dialog.fields[SYSTOLIC].error.text() == "Must be a whole number"
    assert dialog.fields["alerts.tachycardia.above_bpm"].error.text() == "Must be at most 250"
    assert "above max" in dialog.fields["dose_ranges.ketamine_im.min"].error.text()
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Alerts"

    dialog.restore_defaults()
    assert _edit(dialog, SYSTOLIC).text() == "180"
    dialog.checklist_edit.setPlainText("no colon here")
    dialog.accept()
    assert "value: label" in dialog.checklist_error.text() and not saved


def test_the_threshold_change_from_the_menu_is_saved_and_audited(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, vault: Vault
) -> None:
    def run(dialog: QDialog) -> int:
        assert isinstance(dialog, ClinicSettingsDialog)
        qtbot.addWidget(dialog)
        dialog.show()
        edit = _edit(dialog, SYSTOLIC)
        edit.clear()
        qtbot.keyClicks(edit, "170")
        dialog.checklist_edit.setPlainText(
            dialog.checklist_edit.toPlainText() + "\nride_home: A ride home arranged"
        )
        dialog.accept()
        return int(dialog.result())

    window = make_window(run_dialog=run)
    unlock(qtbot, window)
    window.clinic_settings_action.trigger()
    settings, warning = Catalog(vault.data_dir).clinic_settings()
    assert warning is None
    assert settings.alerts.hypertension.sustained_above.systolic == 170
    assert settings.discharge_checklist[-1].value == "ride_home"
    opened = window.session.open_vault
    assert opened is not None
    (event,) = audit_events(opened, AuditQuery(actions=("settings.change",)))
    assert event.detail["changes"][SYSTOLIC] == {"old": 180, "new": 170}
    assert "discharge_checklist" in event.detail["changes"]
    assert "saved" in window.statusBar().currentMessage()


def test_a_hypertension_rule_that_could_never_fire_is_refused_in_its_group(qtbot: QtBot) -> None:
    saved: list[ClinicSettings] = []
    dialog = ClinicSettingsDialog(ClinicSettings(), saved.append)
    qtbot.addWidget(dialog)
    dialog.show()
    _edit(dialog, "alerts.hypertension.sustained_minutes").setText("60")
    _edit(dialog, "alerts.hypertension.window_minutes").setText("30")
    dialog.accept()
    assert not saved and dialog.isVisible()
    shown = [
        f.error.text() for path, f in dialog.fields.items() if path.startswith("alerts.hypert")
    ]
    assert any("could never fire" in text for text in shown), shown


def test_choices_read_as_words_and_save_their_stored_value(qtbot: QtBot) -> None:
    saved: list[ClinicSettings] = []
    dialog = ClinicSettingsDialog(ClinicSettings(), saved.append)
    qtbot.addWidget(dialog)
    dialog.show()
    combo = dialog.fields["alerts.pre_dose_hold.decide_on"].widget
    assert isinstance(combo, QComboBox)
    assert combo.currentText() == "any pre-dose reading"
    combo.setCurrentIndex(combo.findText("the latest pre-dose reading"))
    dialog.accept()
    assert [s.alerts.pre_dose_hold.decide_on for s in saved] == ["latest"]
