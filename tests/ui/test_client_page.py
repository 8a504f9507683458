"""The client page header: allergies are a warning only when there are any."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput
from kapnotes.store.clients import ClientRecord
from kapnotes.ui.views.client_page import ClientPage


@pytest.mark.parametrize(
    ("allergies", "role", "shown"),
    [
        ("Penicillin (rash)", "allergy", "⚠  Allergies: Penicillin (rash)"),
        ("None known", "muted", "Allergies: None known"),
        ("NKDA.", "muted", "Allergies: NKDA."),
        (None, "muted", "No allergies recorded"),
    ],
)
def test_allergy_line(qtbot: QtBot, allergies: str | None, role: str, shown: str) -> None:
    page = ClientPage()
    qtbot.addWidget(page)
    record = ClientRecord("c1", ClientInput(name="Wynn Imaginary", allergies=allergies), ())
    page.show_record(record)
    assert page.allergy_label.text() == shown
    assert page.allergy_label.property("role") == role
