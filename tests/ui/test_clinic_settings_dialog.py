"""Settings → Clinic settings: each value checked with the reason beside it, restore
defaults, saving audited with old and new values (real widgets)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.session import ClinicSettings
from kapnotes.store.audit_view import AuditQuery, audit_events
from kapnotes.store.catalog import Catalog
from kapnotes.store.vault import Vault
from kapnotes.ui.editor import NewNoteDialog
from kapnotes.ui.settings.clinic_dialog import ClinicSettingsDialog
from tests.ui.conftest import WindowFactory, turn_wheel, unlock

SYSTOLIC = "alerts.hypertension.sustained_above.systolic"


ASK_DISCARD = ClinicSettingsDialog.confirm_discard  # the real question, for its own test


def _shown(qtbot: QtBot) -> tuple[ClinicSettingsDialog, list[ClinicSettings]]:
    """The dialog on the defaults, shown; what it saves is appended to the list."""
    saved: list[ClinicSettings] = []
    dialog = ClinicSettingsDialog(ClinicSettings(), saved.append)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog, saved


def _edit(dialog: ClinicSettingsDialog, path: str) -> QLineEdit:
    widget = dialog.fields[path].widget
    assert isinstance(widget, QLineEdit)
    return widget


def _add_item(qtbot: QtBot, dialog: ClinicSettingsDialog, checklist: str, words: str) -> None:
    """On the Checklists tab, Add item under ``checklist`` and type ``words`` in the new row."""
    dialog.tabs.setCurrentIndex(dialog.tabs.indexOf(dialog.pages["checklists"]))
    editor = dialog.checklists[checklist]
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    typed = editor.table.viewport().findChild(QLineEdit)  # the new row, open to type
    assert typed is not None
    qtbot.keyClicks(typed, words)


def test_a_bad_value_is_named_beside_it_and_nothing_is_saved(qtbot: QtBot) -> None:
    dialog, saved = _shown(qtbot)
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
    discharge = dialog.checklists["discharge_checklist"]
    discharge.add_button.click()  # a new item left blank
    dialog.accept()
    assert not saved and dialog.isVisible()
    assert discharge.error.text().startswith("Item 9 is blank")
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Checklists"


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
        _add_item(qtbot, dialog, "discharge_checklist", "A ride home arranged")
        dialog.accept()
        return int(dialog.result())

    window = make_window(run_dialog=run)
    unlock(qtbot, window)
    window.clinic_settings_action.trigger()
    settings, warning = Catalog(vault.data_dir).clinic_settings()
    assert warning is None
    assert settings.alerts.hypertension.sustained_above.systolic == 170
    assert settings.discharge_checklist[-1].value == "a_ride_home_arranged"
    assert settings.discharge_checklist[-1].label == "A ride home arranged"
    opened = window.session.open_vault
    assert opened is not None
    (event,) = audit_events(opened, AuditQuery(actions=("settings.change",)))
    assert event.detail["changes"][SYSTOLIC] == {"old": 180, "new": 170}
    assert "discharge_checklist" in event.detail["changes"]
    assert "saved" in window.statusBar().currentMessage()


def test_a_hypertension_rule_that_could_never_fire_is_refused_in_its_group(qtbot: QtBot) -> None:
    dialog, saved = _shown(qtbot)
    _edit(dialog, "alerts.hypertension.sustained_minutes").setText("60")
    _edit(dialog, "alerts.hypertension.window_minutes").setText("30")
    dialog.accept()
    assert not saved and dialog.isVisible()
    shown = [
        f.error.text() for path, f in dialog.fields.items() if path.startswith("alerts.hypert")
    ]
    assert any("could never fire" in text for text in shown), shown


def test_choices_read_as_words_and_save_their_stored_value(qtbot: QtBot) -> None:
    dialog, saved = _shown(qtbot)
    combo = dialog.fields["alerts.pre_dose_hold.decide_on"].widget
    assert isinstance(combo, QComboBox)
    assert combo.currentText() == "any pre-dose reading"
    combo.setCurrentIndex(combo.findText("the latest pre-dose reading"))
    dialog.accept()
    assert [s.alerts.pre_dose_hold.decide_on for s in saved] == ["latest"]


def test_the_wheel_over_a_choice_scrolls_past_it_in_the_apps_dialogs(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, vault: Vault
) -> None:
    def run(dialog: QDialog) -> int:
        assert isinstance(dialog, ClinicSettingsDialog)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        combo = dialog.fields["alerts.pre_dose_hold.decide_on"].widget
        assert isinstance(combo, QComboBox) and not combo.hasFocus()
        for notches in (-1, -2, 1, -1):
            turn_wheel(combo, notches)
        assert combo.currentText() == "any pre-dose reading"
        dialog.accept()
        return int(dialog.result())

    window = make_window(run_dialog=run)
    qtbot.waitUntil(lambda: window._curtain_watching)  # drawn: its filter guards every window
    unlock(qtbot, window)
    window.clinic_settings_action.trigger()
    settings, _warning = Catalog(vault.data_dir).clinic_settings()
    assert settings.alerts.pre_dose_hold.decide_on == "any"


def test_a_pre_dose_check_added_in_settings_is_asked_in_the_next_live_session(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str
) -> None:
    def run(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        if isinstance(dialog, NewNoteDialog):
            dialog.phase_buttons["dosing"].setChecked(True)
            dialog.accept()
            return int(dialog.result())
        assert isinstance(dialog, ClinicSettingsDialog)
        dialog.show()
        dialog.tabs.setCurrentIndex(dialog.tabs.indexOf(dialog.pages["checklists"]))
        pre_dose = dialog.checklists["pre_dose_checklist"]
        pre_dose.table.setCurrentCell(4, 0)  # the REMS check: moved to the top
        for _ in range(4):
            qtbot.mouseClick(pre_dose.up_button, Qt.MouseButton.LeftButton)
        _add_item(qtbot, dialog, "pre_dose_checklist", "Pulse oximeter on")
        dialog.accept()
        return int(dialog.result())

    window = make_window(run_dialog=run)
    unlock(qtbot, window)
    window.clinic_settings_action.trigger()
    clients = window.session.clients
    assert clients is not None
    client_id = clients.create(ClientInput(name="Odalys Quillfeather", weight_kg=68))
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 10, 20),
            indication="Treatment-resistant depression (fictional)",
            planned_product=Product.ESKETAMINE_INTRANASAL,
        ),
    )
    window.workspace.refresh(select_id=client_id)
    window.new_note(course_id)
    (note_id,) = window.note_windows
    window.note_windows[note_id].close()
    live = window.open_live_session(note_id)
    assert live is not None
    panel = live.view.predose_panel
    shown = [box.text() for box in panel.boxes.values()]
    assert shown[0] == "Esketamine REMS enrolment"
    assert shown[-1] == "Pulse oximeter on"
    assert "Pulse oximeter on" in panel.open_items()
    live.close()


def test_a_nurse_reads_the_clinic_rules_but_only_an_administrator_changes_them(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, vault: Vault, tmp_path: Path
) -> None:
    from kapnotes.session.clinic_settings import save
    from kapnotes.store.clinicians import Clinicians, NotAllowedError
    from kapnotes.ui.backups import BackupSettingsDialog
    from tests.ui.test_backups_ui import FakePrompts

    nurse_passphrase = "fictional nurse passphrase 7"
    admin = make_window()
    unlock(qtbot, admin)
    opened = admin.session.open_vault
    assert opened is not None
    Clinicians(opened).add("Nia Fictional", "RN", "nurse", nurse_passphrase)
    admin.session.lock()

    seen: list[QDialog] = []

    def run(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.show()
        seen.append(dialog)
        if isinstance(dialog, ClinicSettingsDialog):
            assert dialog.read_only_note.isVisible()
            assert not dialog.save_button.isEnabled()
            assert dialog.close_button.text() == "Close"
            assert _edit(dialog, SYSTOLIC).isReadOnly() and _edit(dialog, SYSTOLIC).text() == "180"
            assert not dialog.checklists["pre_dose_checklist"].add_button.isEnabled()
            dialog.accept()  # Enter: nothing happens
            assert dialog.isVisible()
        elif isinstance(dialog, BackupSettingsDialog):
            assert not dialog.folder_edit.isEnabled()
        dialog.reject()
        return int(dialog.result())

    window = make_window(run_dialog=run)
    prompts = FakePrompts(open_=tmp_path / "b.kapbackup")
    window.backups.prompts = prompts
    unlock(qtbot, window, nurse_passphrase)
    window.clinic_settings_action.trigger()
    window.backups.settings_action.trigger()
    assert [type(d).__name__ for d in seen] == ["ClinicSettingsDialog", "BackupSettingsDialog"]
    window.backups.restore_action.trigger()
    assert prompts.told[-1][0] == "Not restored" and "administrator" in prompts.told[-1][1]

    nurse = window.session.open_vault
    assert nurse is not None
    lowered = ClinicSettings.model_validate(
        {"alerts": {"hypertension": {"sustained_above": {"systolic": 170, "diastolic": 110}}}}
    )
    catalog = window.session.catalog
    with pytest.raises(NotAllowedError, match="administrator"):
        save(nurse, catalog, lowered)
    assert catalog.clinic_settings()[0].alerts.hypertension.sustained_above.systolic == 180
    assert not audit_events(nurse, AuditQuery(actions=("settings.change",)))


def test_the_same_check_twice_is_refused_under_its_list(qtbot: QtBot) -> None:
    dialog, saved = _shown(qtbot)
    pre_dose = dialog.checklists["pre_dose_checklist"]
    _add_item(qtbot, dialog, "pre_dose_checklist", "fasted PER instructions")
    dialog.accept()
    assert not saved and dialog.isVisible()
    assert pre_dose.error.text() == ("Checklist item 'fasted PER instructions' appears twice")


def test_a_message_goes_once_its_value_is_changed(qtbot: QtBot) -> None:
    """The reason beside a refused value stays until that value is typed again, not until
    the next Save; the other values' messages stay."""
    dialog = ClinicSettingsDialog(ClinicSettings(), lambda _s: None)
    qtbot.addWidget(dialog)
    dialog.show()
    _edit(dialog, SYSTOLIC).setText("abc")
    _edit(dialog, "alerts.tachycardia.above_bpm").setText("400")
    dialog.accept()
    assert dialog.fields[SYSTOLIC].error.text() == "Must be a whole number"
    systolic = _edit(dialog, SYSTOLIC)
    systolic.selectAll()
    qtbot.keyClicks(systolic, "175")
    assert dialog.fields[SYSTOLIC].error.isHidden()
    assert systolic.property("invalid") in (None, False)
    assert dialog.fields["alerts.tachycardia.above_bpm"].error.text() == "Must be at most 250"


def test_cancel_asks_before_dropping_changes(qtbot: QtBot) -> None:
    """Cancel (or Esc) after a change asks first: keeping on editing leaves the dialog
    open with the change; Discard closes it and nothing is saved. Untouched, it just
    closes."""
    saved: list[ClinicSettings] = []
    asked: list[bool] = []
    answer = {"discard": False}

    def confirm() -> bool:
        asked.append(True)
        return answer["discard"]

    dialog = ClinicSettingsDialog(ClinicSettings(), saved.append)
    dialog.confirm_discard = confirm  # type: ignore[method-assign]
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    systolic = _edit(dialog, SYSTOLIC)
    systolic.selectAll()
    qtbot.keyClicks(systolic, "175")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert asked == [True] and dialog.isVisible()
    assert systolic.text() == "175"

    answer["discard"] = True
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)  # Cancel
    assert len(asked) == 2 and not dialog.isVisible() and not saved

    untouched = ClinicSettingsDialog(ClinicSettings(), saved.append)
    untouched.confirm_discard = confirm  # type: ignore[method-assign]
    qtbot.addWidget(untouched)
    untouched.show()
    _add_item(qtbot, untouched, "discharge_checklist", "Walks steadily")
    untouched.checklists["discharge_checklist"].remove_button.click()
    untouched.cancel()  # added then removed: as shown, so no question
    assert len(asked) == 2 and not untouched.isVisible()


def test_the_letterhead_is_an_administrators_and_each_change_is_audited(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, vault: Vault
) -> None:
    """Settings → Clinic letterhead…: the administrator's new clinic name is written to the
    audit trail with its old and new value; a nurse opens the same dialog read only."""
    from kapnotes.store.clinicians import Clinicians
    from kapnotes.ui.settings.letterhead_dialog import LetterheadDialog

    nurse_passphrase = "fictional nurse passphrase 8"
    seen: list[LetterheadDialog] = []

    def run(dialog: QDialog) -> int:
        assert isinstance(dialog, LetterheadDialog)  # the window's: it deletes it once done
        dialog.show()
        seen.append(dialog)
        if dialog.editable:
            dialog.name_edit.clear()
            qtbot.keyClicks(dialog.name_edit, "Lakeside Ketamine Clinic")
            dialog.save()
        else:
            assert dialog.read_only_note.isVisible()
            assert dialog.name_edit.isReadOnly()
            assert dialog.name_edit.text() == "Lakeside Ketamine Clinic"
            assert not dialog.buttons.button(dialog.buttons.StandardButton.Save).isEnabled()
            assert dialog.buttons.button(dialog.buttons.StandardButton.Cancel).text() == "Close"
            assert not dialog.save()
            dialog.reject()
        return int(dialog.result())

    admin = make_window(run_dialog=run)
    unlock(qtbot, admin)
    opened = admin.session.open_vault
    assert opened is not None
    Clinicians(opened).add("Nia Fictional", "RN", "nurse", nurse_passphrase)
    admin.reports.letterhead_action.trigger()
    (event,) = audit_events(opened, AuditQuery(actions=("settings.change",)))
    assert event.detail["changes"]["letterhead.clinic_name"]["new"] == ("Lakeside Ketamine Clinic")
    admin.session.lock()

    nurse = make_window(run_dialog=run)
    unlock(qtbot, nurse, nurse_passphrase)
    nurse.reports.letterhead_action.trigger()
    assert [d.editable for d in seen] == [True, False]
    assert nurse.session.catalog.clinic_settings()[0].letterhead.clinic_name == (
        "Lakeside Ketamine Clinic"
    )


def test_a_negative_monitoring_time_is_refused_beside_it(qtbot: QtBot) -> None:
    """Minimum monitoring and vitals intervals have bounds like every other value; the
    esketamine minimum never goes below its REMS' 120 minutes."""
    dialog, saved = _shown(qtbot)
    _edit(dialog, "monitoring.minimum_monitoring_min.ketamine_im").setText("-5")
    _edit(dialog, "monitoring.vitals_interval_min.ketamine_iv").setText("0")
    dialog.accept()
    assert not saved and dialog.isVisible()
    errors = {p: f.error.text() for p, f in dialog.fields.items() if f.error.text()}
    assert errors == {
        "monitoring.minimum_monitoring_min.ketamine_im": "Must be at least 0",
        "monitoring.vitals_interval_min.ketamine_iv": "Must be at least 1",
    }
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Monitoring"

    _edit(dialog, "monitoring.minimum_monitoring_min.ketamine_im").setText("60")
    _edit(dialog, "monitoring.vitals_interval_min.ketamine_iv").setText("10")
    _edit(dialog, "monitoring.minimum_monitoring_min.esketamine_intranasal").setText("90")
    dialog.accept()
    assert not saved
    errors = {p: f.error.text() for p, f in dialog.fields.items() if f.error.text()}
    assert list(errors) == ["monitoring.minimum_monitoring_min.esketamine_intranasal"]
    assert "Esketamine intranasal needs at least 120 minutes" in next(iter(errors.values()))


def test_a_vitals_limit_wider_than_any_reading_is_refused_beside_it(qtbot: QtBot) -> None:
    """A clinic may widen what a typed reading may be, but not so far that a slip
    (BP 1200/80) would be stored as a reading."""
    dialog, saved = _shown(qtbot)
    _edit(dialog, "vitals_limits.systolic.max").setText("1200")
    dialog.accept()
    assert not saved
    assert dialog.fields["vitals_limits.systolic.max"].error.text() == (
        "Must lie within 30 to 350, not 1200"
    )
    assert dialog.fields["vitals_limits.systolic.min"].error.isHidden()
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Vitals limits"


def test_a_checklist_message_goes_once_the_item_is_written(qtbot: QtBot) -> None:
    """A blank item is named under its list at Save; writing the item takes the message
    away at once."""
    dialog = ClinicSettingsDialog(ClinicSettings(), lambda _s: None)
    qtbot.addWidget(dialog)
    dialog.show()
    discharge = dialog.checklists["discharge_checklist"]
    discharge.add_button.click()
    discharge.commit_typing()
    dialog.accept()
    assert discharge.error.text().startswith("Item 9 is blank")
    row = discharge.table.rowCount() - 1
    item = discharge.table.item(row, 0)
    assert item is not None
    discharge.table.setCurrentCell(row, 0)
    discharge.table.editItem(item)
    (typed,) = [e for e in discharge.table.viewport().findChildren(QLineEdit) if e.isVisible()]
    qtbot.keyClicks(typed, "Pulse oximeter off")
    discharge.commit_typing()  # the row left (another clicked), as the user does
    assert item.text() == "Pulse oximeter off"
    assert discharge.error.isHidden()


@pytest.mark.parametrize(
    ("button", "dropped"), [("Keep editing", False), ("Discard changes", True)]
)
def test_the_discard_question_names_its_choices(qtbot: QtBot, button: str, dropped: bool) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    dialog = ClinicSettingsDialog(ClinicSettings(), lambda _s: None)
    qtbot.addWidget(dialog)
    dialog.show()
    shown: list[list[str]] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        shown.append([b.text() for b in box.buttons()])
        next(b for b in box.buttons() if b.text() == button).click()

    QTimer.singleShot(0, answer)
    assert ASK_DISCARD(dialog) is dropped
    assert sorted(shown[0]) == ["Discard changes", "Keep editing"]
