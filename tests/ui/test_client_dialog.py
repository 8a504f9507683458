"""Client form validation: messages next to the fields, Save refuses until fixed."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPushButton
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput
from kapnotes.ui.dialogs.client_dialog import ClientDialog
from tests.ui.conftest import type_date

TODAY = date(2025, 3, 14)


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
    qtbot.mouseClick(dialog.dob_edit.set_button, Qt.MouseButton.LeftButton)
    type_date(qtbot, dialog.dob_edit.date_edit, date(2030, 1, 5))

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
    type_date(qtbot, dialog.dob_edit.date_edit, date(1991, 7, 8))
    assert not dialog.errors["weight_kg"].isVisible()
    assert not dialog.errors["date_of_birth"].isVisible()
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
    assert "number" in dialog.errors["weight_kg"].text()
    dialog.weight_edit.clear()
    qtbot.keyClicks(dialog.weight_edit, "61,5")
    qtbot.mouseClick(dialog.dob_edit.set_button, Qt.MouseButton.LeftButton)
    assert dialog.dob_edit.value() is not None
    qtbot.mouseClick(dialog.dob_edit.clear_button, Qt.MouseButton.LeftButton)
    assert dialog.dob_edit.value() is None
    dialog.try_save()
    assert saved[0].date_of_birth is None
    assert saved[0].weight_kg == 61.5


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


def test_enter_in_the_name_field_saves_and_never_sets_a_date(qtbot: QtBot) -> None:
    saved: list[ClientInput] = []

    def save(data: ClientInput) -> str:
        saved.append(data)
        return "c1"

    dialog = ClientDialog(save, today=lambda: date(2026, 11, 25))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.name_edit, "Ilka Nobodyson")
    qtbot.keyClick(dialog.name_edit, Qt.Key.Key_Return)
    assert [d.name for d in saved] == ["Ilka Nobodyson"]
    assert saved[0].date_of_birth is None
    buttons = dialog.findChildren(QPushButton)
    assert [b for b in buttons if b.autoDefault()] == [dialog.save_button]
