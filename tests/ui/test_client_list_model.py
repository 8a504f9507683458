"""The client list model passes Qt's model tester, formats its rows and words their marks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kapnotes.store.clients import ClientSummary
from kapnotes.ui.models.client_list import (
    ClientIdRole,
    ClientListModel,
    MarksRole,
    SubtitleRole,
)

ROWS = [
    ClientSummary("a", "Avery Bellwether", "Ave", date(1990, 3, 4)),
    ClientSummary("b", "Brook Callan", None, None, open_flags=1, drafts=2, sessions_today=1),
]


def test_model_tester(qtmodeltester: object) -> None:
    model = ClientListModel()
    model.set_rows(ROWS)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    model.update_rows([ROWS[0], replace(ROWS[1], drafts=0)])
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    model.set_rows([])
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_rows_and_roles() -> None:
    model = ClientListModel()
    model.set_rows(ROWS)
    first = model.index(0)
    assert model.data(first) == "Avery Bellwether"
    assert model.data(first, SubtitleRole) == "“Ave”  ·  DOB 4 Mar 1990"
    assert model.data(model.index(1), SubtitleRole) == "DOB not recorded"
    assert model.data(first, ClientIdRole) == "a"
    assert "Avery Bellwether" in str(model.data(first, Qt.ItemDataRole.ToolTipRole))
    assert model.row_of("b") == 1
    assert model.row_of("zzz") is None
    assert model.client_id(5) is None


def test_marks_have_words_for_the_tooltip_and_screen_readers() -> None:
    model = ClientListModel()
    model.set_rows(ROWS)
    assert model.data(model.index(0), MarksRole) == []
    second = model.index(1)
    assert [(m.kind, m.short) for m in model.data(second, MarksRole)] == [
        ("flag", "Flag"),
        ("draft", "2 drafts"),
        ("today", "Today"),
    ]
    assert model.data(second, Qt.ItemDataRole.AccessibleTextRole) == (
        "Brook Callan, DOB not recorded, 1 open risk flag, 2 draft notes, session today"
    )
    assert "1 open risk flag\n2 draft notes\nsession today" in str(
        model.data(second, Qt.ItemDataRole.ToolTipRole)
    )


def test_new_marks_for_the_same_clients_keep_the_rows(qtbot: QtBot) -> None:
    model = ClientListModel()
    model.set_rows(ROWS)
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.dataChanged) as changed:
        model.update_rows([ROWS[0], replace(ROWS[1], open_flags=0)])
    assert changed.args[0].row() == changed.args[1].row() == 1
    assert [m.kind for m in model.data(model.index(1), MarksRole)] == ["draft", "today"]
    with qtbot.waitSignal(model.modelReset):
        model.update_rows([ROWS[1]])  # another list: rows replaced
    assert model.rowCount() == 1
