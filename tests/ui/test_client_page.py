"""The client page header: allergies are a warning only when there are any."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput
from kapnotes.domain.notes import NoteStatus
from kapnotes.store.clients import ClientRecord, ClientSummary, CourseRecord
from kapnotes.ui.models.client_list import ClientListModel, SubtitleRole
from kapnotes.ui.views.client_page import ClientPage

DRAFT = NoteStatus.DRAFT


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


@pytest.mark.usefixtures("us_locale")
def test_dates_on_the_page_and_in_the_list_follow_the_system_locale(qtbot: QtBot) -> None:
    page = ClientPage()
    qtbot.addWidget(page)
    born = date(1988, 3, 4)
    course = CourseRecord("k1", date(2026, 2, 1), "Depression", "ketamine_im", None, "active", ())
    page.show_record(
        ClientRecord("c1", ClientInput(name="Wynn Imaginary", date_of_birth=born), (course,)),
        today=date(2026, 5, 1),
    )
    assert page.age_chip.text() == "Age 38  ·  born Mar 4, 1988"  # month first, as in the US
    texts = [lbl.text() for lbl in page.findChildren(QLabel)]
    assert any(text.startswith("Started Feb 1, 2026") for text in texts)

    model = ClientListModel()
    model.set_rows([ClientSummary("c1", "Wynn Imaginary", None, born)])
    assert model.data(model.index(0), SubtitleRole) == "DOB Mar 4, 1988"

    QLocale.setDefault(QLocale("de_DE"))
    model.set_rows([ClientSummary("c1", "Wynn Imaginary", None, born)])
    assert model.data(model.index(0), SubtitleRole) == "DOB 4. März 1988"
