"""Creating a client in the dialog, finding it by search, and again after locking."""

from __future__ import annotations

import operator
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import Product
from kapnotes.ui.dates import typed_text
from kapnotes.ui.dialogs.client_dialog import ClientDialog
from kapnotes.ui.dialogs.course_dialog import CourseDialog
from kapnotes.ui.main_window import MainWindow
from tests.ui.conftest import WindowFactory, unlock

TODAY = date(2025, 3, 14)


def _client_runner(qtbot: QtBot, name: str, weight: str, dob: date) -> object:
    def run(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        assert isinstance(dialog, ClientDialog)
        qtbot.keyClicks(dialog.name_edit, name)
        qtbot.keyClicks(dialog.weight_edit, weight)
        qtbot.keyClicks(dialog.dob_edit.edit, typed_text(dob))
        assert dialog.dob_edit.day() == dob
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    return run


def _search(qtbot: QtBot, window: MainWindow, text: str) -> list[str]:
    ws = window.workspace
    window.find_action.trigger()
    assert ws.search_edit.hasFocus() or ws.search_edit.selectedText() == ws.search_edit.text()
    ws.search_edit.clear()
    qtbot.keyClicks(ws.search_edit, text)
    qtbot.waitUntil(lambda: not ws._debounce.isActive())
    model = ws.model
    return [str(model.data(model.index(r))) for r in range(model.rowCount())]


def test_create_find_lock_unlock_find_again(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window = make_window(
        run_dialog=_client_runner(qtbot, "Wren Halloway", "64.5", date(1988, 5, 17)),
        today=lambda: TODAY,
    )
    unlock(qtbot, window)
    window.new_client_action.trigger()

    page = window.workspace.page
    assert window.workspace.right.currentWidget() is page
    assert page.name_label.text() == "Wren Halloway"
    assert page.weight_chip.text() == "64.5 kg (142.2 lb)"
    assert "17 May 1988" in page.age_chip.text()
    assert page.courses_empty.isVisible()

    assert _search(qtbot, window, "hallo") == ["Wren Halloway"]
    assert _search(qtbot, window, "nobody") == []

    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentWidget() is window.lock_screen
    assert window.workspace.model.rowCount() == 0

    unlock(qtbot, window)
    assert _search(qtbot, window, "wren") == ["Wren Halloway"]


def test_client_survives_a_new_window_on_the_same_folder(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    first = make_window(
        run_dialog=_client_runner(qtbot, "Ilse Brennock", "70", date(1990, 2, 2)),
    )
    unlock(qtbot, first)
    first.new_client_action.trigger()
    first.close()
    assert not first.session.is_unlocked

    second = make_window()
    assert second.stack.currentWidget() is second.lock_screen
    unlock(qtbot, second)
    assert _search(qtbot, second, "brenn") == ["Ilse Brennock"]


def test_select_edit_and_add_course(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window = make_window(
        run_dialog=_client_runner(qtbot, "Odile Framp", "58", date(1975, 9, 9)),
    )
    unlock(qtbot, window)
    window.new_client_action.trigger()
    client_id = window.workspace.page.client_id
    assert client_id is not None

    def edit(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        assert isinstance(dialog, ClientDialog)
        assert dialog.name_edit.text() == "Odile Framp"
        assert dialog.weight_edit.text() == "58"
        dialog.allergies_edit.setPlainText("Penicillin")
        dialog.preferred_edit.setText("Odie")
        dialog.try_save()
        return dialog.result()

    window._run_dialog = edit
    qtbot.mouseClick(window.workspace.page.edit_button, Qt.MouseButton.LeftButton)
    page = window.workspace.page
    assert "Penicillin" in page.allergy_label.text()
    assert "Odie" in page.identity_label.text()

    def course(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        assert isinstance(dialog, CourseDialog)
        dialog.try_save()
        assert dialog.errors["indication"].isVisibleTo(dialog)
        qtbot.keyClicks(dialog.indication_edit, "Treatment-resistant depression")
        dialog.product_combo.setCurrentIndex(
            dialog.product_combo.findData(Product.ESKETAMINE_INTRANASAL.value)
        )
        dialog.try_save()
        return dialog.result()

    window._run_dialog = course
    qtbot.mouseClick(page.new_course_button, Qt.MouseButton.LeftButton)
    assert not page.courses_empty.isVisible()
    cards = [w for w in page.findChildren(QDialog)]
    assert cards == []
    texts = [lbl.text() for lbl in page.findChildren(type(page.name_label))]
    assert "Esketamine intranasal" in texts
    assert "Planned" in texts


def test_a_list_longer_than_shown_says_so_and_search_finds_the_others(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kapnotes.domain.clients import ClientInput
    from kapnotes.ui.views import workspace

    monkeypatch.setattr(workspace, "LISTED", 3)
    window = make_window()
    unlock(qtbot, window)
    clients = window.session.clients
    assert clients is not None
    for name in ("Ada Fictional", "Bo Fictional", "Cy Fictional", "Dee Fictional"):
        clients.create(ClientInput(name=name))
    window.workspace.refresh()
    assert window.workspace.model.rowCount() == 3
    window.workspace.refresh_marks()  # the badges read again: still the first three
    assert window.workspace.model.rowCount() == 3
    count = window.workspace.count_label.text()
    assert count.startswith("The first 3 clients by name") and "type more" in count
    assert _search(qtbot, window, "Dee") == ["Dee Fictional"]
    assert window.workspace.count_label.text() == "1 match"


@pytest.mark.parametrize(
    "action", ["new_client_action", "clinic_settings_action", "reports.letterhead_action"]
)
def test_the_lock_closes_a_changed_form_without_asking(
    make_window: WindowFactory, qtbot: QtBot, recovery_key: str, action: str
) -> None:
    """The idle lock (or Ctrl+L) never waits on "Discard changes?" in a form left open
    with a change: the screen locks, the change is dropped, nothing is saved."""
    from kapnotes.ui.dialogs.guarded import GuardedDialog
    from kapnotes.ui.settings.clinic_dialog import ClinicSettingsDialog
    from kapnotes.ui.settings.letterhead_dialog import LetterheadDialog

    asked: list[bool] = []

    def run(dialog: QDialog) -> int:
        assert isinstance(dialog, GuardedDialog)
        dialog.confirm_discard = lambda: asked.append(True) or False  # type: ignore[method-assign]
        qtbot.addWidget(dialog)
        dialog.show()
        if isinstance(dialog, ClinicSettingsDialog):
            systolic = dialog.fields["alerts.hypertension.sustained_above.systolic"].widget
            qtbot.keyClicks(systolic, "5")
        elif isinstance(dialog, LetterheadDialog):
            qtbot.keyClicks(dialog.name_edit, "Lakeside Ketamine Clinic")
        else:
            assert isinstance(dialog, ClientDialog)
            qtbot.keyClicks(dialog.name_edit, "Wren Halloway")
        window.lock()  # while the form is open with a change
        assert not dialog.isVisible()
        return int(dialog.result())

    window = make_window(run_dialog=run)
    unlock(qtbot, window)
    operator.attrgetter(action)(window).trigger()
    assert not asked and not window.session.is_unlocked
    settings = window.session.catalog.clinic_settings()[0]
    assert settings.alerts.hypertension.sustained_above.systolic == 180
    assert settings.letterhead.clinic_name == ""


def _audit_actions(window: MainWindow) -> list[str]:
    from sqlalchemy import select

    from kapnotes.store.models import AuditEvent

    opened = window.session._open  # the test reads the vault it opened
    assert opened is not None
    with opened.session() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_each_search_typed_is_one_audit_event_and_choosing_a_client_adds_none(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    from kapnotes.domain.clients import ClientInput

    window = make_window(today=lambda: TODAY)
    unlock(qtbot, window)
    clients = window.session.clients
    assert clients is not None
    for name in ("Wren Halloway", "Wren Hallett", "Odile Framp"):
        clients.create(ClientInput(name=name))
    window.workspace.refresh()
    before = _audit_actions(window)

    assert _search(qtbot, window, "hall") == ["Wren Hallett", "Wren Halloway"]
    ws = window.workspace
    for row in (0, 1, 0):  # choosing clients in the list: each opening recorded, no search
        qtbot.mouseClick(
            ws.list_view.viewport(),
            Qt.MouseButton.LeftButton,
            pos=ws.list_view.visualRect(ws.model.index(row)).center(),
        )
        qtbot.waitUntil(lambda r=row: ws.page.client_id == ws.model.client_id(r))
    assert _search(qtbot, window, "halloway") == ["Wren Halloway"]  # keeps the one shown

    new = _audit_actions(window)[len(before) :]
    assert new.count("client.search") == 2  # one a search typed, however often it re-reads
    assert new.count("client.open") == 3
