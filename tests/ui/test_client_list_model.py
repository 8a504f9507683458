"""The client list model passes Qt's model tester and formats its rows."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from kapnotes.store.clients import ClientSummary
from kapnotes.ui.models.client_list import ClientIdRole, ClientListModel, SubtitleRole

ROWS = [
    ClientSummary("a", "Avery Bellwether", "Ave", date(1990, 3, 4)),
    ClientSummary("b", "Brook Callan", None, None),
]


def test_model_tester(qtmodeltester: object) -> None:
    model = ClientListModel()
    model.set_rows(ROWS)
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
