"""Client form validation: messages next to the fields, Save refuses until fixed."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog, QPushButton
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput
from kapnotes.ui.dialogs.client_dialog import ClientDialog

TODAY = date(2025, 3, 14)

pytestmark = pytest.mark.usefixtures("us_locale")  # the form as a clinic in the US sees it


def _dialog(qtbot: QtBot, saved: list[ClientInput]) -> ClientDialog:
    def save(data: ClientInput) -> str:
        saved.append(data)
        return "new-id"

    dialog = ClientDialog(save, today=lambda: TODAY)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_future_dob_and_low_weight_show_messages_and_block_save(qtbot: QtBot) -> None:
    saved: list[ClientInput] = []
    dialog = _dialog(qtbot, saved)
    qtbot.keyClicks(dialog.name_edit, "Pell Arundel")
    qtbot.keyClicks(dialog.weight_edit, "12")
    qtbot.keyClicks(dialog.dob_edit.edit, "1/5/2030")

    assert dialog.errors["weight_kg"].isVisible()
    assert dialog.errors["weight_kg"].text() == "Weight must be between 20 and 300 kg"
    assert dialog.errors["date_of_birth"].isVisible()
    assert dialog.errors["date_of_birth"].text() == "Date of birth cannot be in the future"
    assert dialog.weight_edit.property("invalid") is True

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved == []
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted

    dialog.weight_edit.clear()
    qtbot.keyClicks(dialog.weight_edit, "72")
    dialog.dob_edit.edit.clear()
    qtbot.keyClicks(dialog.dob_edit.edit, "7/8/1991")
    assert not dialog.errors["weight_kg"].isVisible()
    assert not dialog.errors["date_of_birth"].isVisible()
    assert dialog.dob_hint.text() == "Jul 8, 1991 · age 33"  # the date read, in words
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert len(saved) == 1
    assert saved[0].weight_kg == 72
    assert saved[0].date_of_birth == date(1991, 7, 8)
    assert dialog.saved_id == "new-id"


def test_empty_name_is_refused(qtbot: QtBot) -> None:
    saved: list[ClientInput] = []
    dialog = _dialog(qtbot, saved)
    assert not dialog.errors["name"].isVisible()  # not before the user tried
    qtbot.keyClicks(dialog.name_edit, "   ")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved == []
    assert dialog.errors["name"].isVisible()
    assert dialog.errors["name"].text() == "Name is required"
    assert dialog.focusWidget() is dialog.name_edit


def test_weight_must_be_a_number_and_dob_can_stay_empty(qtbot: QtBot) -> None:
    saved: list[ClientInput] = []
    dialog = _dialog(qtbot, saved)
    qtbot.keyClicks(dialog.name_edit, "Tamsin Orle")
    qtbot.keyClicks(dialog.weight_edit, "heavy")
    assert dialog.errors["weight_kg"].text().startswith("'heavy' is not a weight; type a number")
    dialog.weight_edit.clear()
    qtbot.keyClicks(dialog.weight_edit, "61,5")
    assert dialog.dob_edit.text() == ""  # nothing prefilled: no made-up year
    assert not dialog.dob_hint.isVisible()
    dialog.try_save()
    assert saved[0].date_of_birth is None
    assert saved[0].weight_kg == 61.5


def test_weight_typed_in_pounds_is_stored_in_kilograms_with_the_conversion_shown(
    qtbot: QtBot,
) -> None:
    saved: list[ClientInput] = []
    dialog = _dialog(qtbot, saved)
    qtbot.keyClicks(dialog.name_edit, "Oswin Tally")
    qtbot.keyClicks(dialog.weight_edit, "154 lb")
    assert dialog.unit_combo.currentText() == "lb"  # the selector follows the unit typed
    assert dialog.weight_hint.text() == "= 69.9 kg"
    dialog.weight_edit.clear()
    qtbot.keyClicks(dialog.weight_edit, "400")  # 400 lb is 181.4 kg: plausible
    assert dialog.weight_hint.text() == "= 181.4 kg"
    dialog.weight_edit.clear()
    qtbot.keyClicks(dialog.weight_edit, "700")
    assert dialog.errors["weight_kg"].text() == "Weight must be between 44.1 and 661.4 lb"
    dialog.weight_edit.clear()
    qtbot.keyClicks(dialog.weight_edit, "150")
    dialog.unit_combo.setCurrentIndex(dialog.unit_combo.findText("kg"))  # 150 kg, then
    assert dialog.weight_hint.text() == "= 330.7 lb"
    dialog.unit_combo.setCurrentIndex(dialog.unit_combo.findText("lb"))
    assert dialog.weight_hint.text() == "= 68 kg"
    dialog.try_save()
    assert saved[0].weight_kg == 68.0


@pytest.mark.qt_log_ignore("does not support grabbing the keyboard")  # the offscreen popup
def test_the_date_of_birth_is_typed_in_the_locales_order_or_picked(qtbot: QtBot) -> None:
    saved: list[ClientInput] = []
    dialog = _dialog(qtbot, saved)
    assert dialog.dob_edit.edit.placeholderText() == "MM/DD/YYYY"
    qtbot.keyClicks(dialog.name_edit, "Bryn Castellane")
    qtbot.keyClicks(dialog.dob_edit.edit, "3/14/85")
    assert dialog.errors["date_of_birth"].text() == (
        "'3/14/85': type the year with four digits (e.g. 1985)"
    )
    dialog.dob_edit.edit.clear()
    qtbot.keyClicks(dialog.dob_edit.edit, "14 March 1985")
    qtbot.keyClick(dialog.dob_edit.edit, Qt.Key.Key_Return)  # leaving the field tidies it
    assert dialog.dob_edit.text() == "3/14/1985"
    assert not dialog.errors["date_of_birth"].isVisible()

    dialog.dob_edit.edit.clear()
    calendar = dialog.dob_edit.open_calendar()
    assert calendar.isVisible()
    assert dialog.dob_edit.text() == ""  # opening the calendar fills nothing in
    calendar.setCurrentPage(1979, 11)
    calendar.setSelectedDate(QDate(1979, 11, 2))
    calendar.clicked.emit(QDate(1979, 11, 2))
    assert not calendar.isVisible()
    assert dialog.dob_edit.text() == "11/2/1979"
    dialog.try_save()
    assert saved[0].date_of_birth == date(1979, 11, 2)


def test_edit_prefills_every_field(qtbot: QtBot) -> None:
    data = ClientInput(
        name="Cass Wendrow",
        preferred_name="Cass",
        date_of_birth=date(1980, 2, 29),
        pronouns="she/they",
        contact="(555) 010-4321",
        emergency_contact="Lee Wendrow (spouse)",
        weight_kg=66,
        diagnoses="GAD",
        medications="Escitalopram 10 mg",
        allergies="None known",
    )
    saved: list[ClientInput] = []

    def save(d: ClientInput) -> str:
        saved.append(d)
        return "id"

    dialog = ClientDialog(save, data, today=lambda: TODAY)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Edit client"
    dialog.try_save()
    assert saved == [data]


def test_saving_an_edited_client_keeps_a_weight_shown_rounded(qtbot: QtBot) -> None:
    """75.35 kg shows as 75.3: saved untouched it stays 75.35 kg (no silent change, no
    audit event for a weight nobody edited); a weight typed anew is saved as typed."""
    saved: list[ClientInput] = []
    data = ClientInput(name="Cass Wendrow", weight_kg=75.35)
    dialog = ClientDialog(lambda d: saved.append(d) or "id", data, today=lambda: TODAY)
    qtbot.addWidget(dialog)
    assert dialog.weight_edit.text() == "75.3"
    dialog.try_save()
    assert saved[-1].weight_kg == 75.35

    again = ClientDialog(lambda d: saved.append(d) or "id", data, today=lambda: TODAY)
    qtbot.addWidget(again)
    again.weight_edit.clear()
    qtbot.keyClicks(again.weight_edit, "76")
    again.try_save()
    assert saved[-1].weight_kg == 76


def test_enter_moves_to_the_next_field_and_never_saves(qtbot: QtBot) -> None:
    saved: list[ClientInput] = []

    def save(data: ClientInput) -> str:
        saved.append(data)
        return "c1"

    dialog = ClientDialog(save, today=lambda: date(2026, 11, 25))
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    qtbot.keyClicks(dialog.name_edit, "Ilka Nobodyson")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert saved == []
    assert dialog.isVisible()
    assert dialog.focusWidget() is dialog.preferred_edit
    qtbot.keyClick(dialog.preferred_edit, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert dialog.focusWidget() is dialog.dob_edit.edit
    qtbot.keyClicks(dialog.dob_edit.edit, "2/3/1990")
    qtbot.keyClick(dialog.dob_edit.edit, Qt.Key.Key_Return)
    assert saved == []
    assert not any(b.isDefault() or b.autoDefault() for b in dialog.findChildren(QPushButton))

    # the main button: its shortcut, from any field, and it says so
    assert "Ctrl+Enter" in dialog.save_button.toolTip()
    assert dialog.shortcut_hint.text().startswith("Ctrl+Enter saves")
    dialog.emergency_edit.setFocus()
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(
            dialog.emergency_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        )
    assert [(d.name, d.date_of_birth) for d in saved] == [("Ilka Nobodyson", date(1990, 2, 3))]
    assert dialog.emergency_edit.toPlainText() == ""  # Ctrl+Enter did not add a line


def test_cancel_after_a_change_asks_and_keep_editing_keeps_it(qtbot: QtBot) -> None:
    """Cancel or Esc with something typed asks first; untouched, it just closes."""
    saved: list[ClientInput] = []
    asked: list[bool] = []
    dialog = _dialog(qtbot, saved)
    dialog.confirm_discard = lambda: asked.append(True) or False  # type: ignore[method-assign]
    qtbot.keyClicks(dialog.name_edit, "Wren Halloway")
    cancel = dialog.buttons.button(dialog.buttons.StandardButton.Cancel)
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert asked == [True, True] and dialog.isVisible()
    assert dialog.name_edit.text() == "Wren Halloway" and not saved

    untouched = _dialog(qtbot, saved)
    untouched.confirm_discard = lambda: asked.append(True) or False  # type: ignore[method-assign]
    qtbot.keyClick(untouched, Qt.Key.Key_Escape)
    assert len(asked) == 2 and not untouched.isVisible()
