"""Through the main window: the client list's marks, the empty first screen, and a flag
acknowledged in the client's header showing at once in every view."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QPushButton
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.templates import load_templates
from kapnotes.ui.editor.instrument import InstrumentWidget
from kapnotes.ui.main_window import MainWindow
from kapnotes.ui.models.client_list import MarksRole
from tests.ui.conftest import WindowFactory, unlock

PHQ9 = {f"phq9_{i}": v for i, v in enumerate([3, 3, 2, 2, 2, 2, 2, 1, 1], start=1)}


def _marks(window: MainWindow, name: str) -> list[str]:
    model = window.workspace.model
    row = next(r for r in range(model.rowCount()) if model.index(r).data() == name)
    return [mark.kind for mark in model.index(row).data(MarksRole)]


def test_the_empty_first_screen_offers_one_way_to_add_a_client(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window = make_window()
    unlock(qtbot, window)
    labels = [
        b.text().replace("&", "").rstrip("…")
        for b in window.findChildren(QAbstractButton)
        if b.isVisible()
    ]
    assert labels.count("New client") == 1  # the toolbar's
    workspace = window.workspace
    assert workspace.first_client_button.isVisible()
    assert workspace.first_client_button.text() == "Add your first client"
    assert workspace.placeholder_title.text() == "No clients yet"

    clients = window.session.clients
    assert clients is not None
    clients.create(ClientInput(name="Io Firstcomer"))
    workspace.refresh()
    assert not workspace.first_client_button.isVisible()
    assert "New client (Ctrl+N)" in workspace.placeholder_text.text()


def test_acknowledging_a_flag_updates_every_view_at_once(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    today = date.today()
    window = make_window()
    unlock(qtbot, window)
    clients, notes = window.session.clients, window.session.notes
    assert clients is not None and notes is not None
    client_id = clients.create(ClientInput(name="Oriel Castwright", weight_kg=70))
    course_id = clients.add_course(
        client_id,
        CourseInput(start_date=today, indication="Depression", planned_product=Product.KETAMINE_IM),
    )
    spec = load_templates().for_phase("preparation")[0]
    note_id = notes.create(course_id, "preparation", spec.snapshot(), today)
    window.workspace.refresh(select_id=client_id)
    assert _marks(window, "Oriel Castwright") == ["draft", "today"]

    # the PHQ-9 is answered in the note: the flag shows in the note, header and list
    note_window = window.open_note(note_id)
    assert note_window is not None
    phq = note_window.editor.widgets["phq9"]
    assert isinstance(phq, InstrumentWidget) and phq.form is not None
    for item_id, value in PHQ9.items():
        qtbot.mouseClick(phq.form.rows[item_id].buttons[value], Qt.MouseButton.LeftButton)
    page = window.workspace.page
    qtbot.waitUntil(lambda: len(page.risk_banner.rows) == 1, timeout=3000)
    assert _marks(window, "Oriel Castwright") == ["flag", "draft", "today"]
    (banner,) = phq.form.flag_banners
    assert banner.text.endswith("— review safety")
    card = page.measures_panel.card("phq9")
    assert card.model.index(0, 3).data().endswith("— open")

    # acknowledged in the client's header, as a clinician does it
    (row,) = page.risk_banner.rows
    qtbot.mouseClick(row.ack_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(row.note_edit, "Safety plan reviewed; no intent or plan")
    qtbot.mouseClick(row.confirm_button, Qt.MouseButton.LeftButton)

    assert page.risk_banner.isHidden()
    card = page.measures_panel.card("phq9")
    assert card.model.index(0, 3).data().endswith("— acknowledged by Dr Ada Quill, PsyD")
    assert card.acknowledgement_texts[0].endswith(": Safety plan reviewed; no intent or plan")
    assert _marks(window, "Oriel Castwright") == ["draft", "today"]
    (banner,) = phq.form.flag_banners  # the open note window, without reopening it
    assert banner.text == "Suicide-risk flag: item 9 answered above 0 — acknowledged"
    assert banner.description.startswith("Acknowledged by Dr Ada Quill, PsyD on ")
    assert banner.description.endswith(": Safety plan reviewed; no intent or plan")
    assert banner.property("role") == "risk-done"

    # a note window opened later says so too
    note_window.close()
    again = window.open_note(note_id)
    assert again is not None
    phq = again.editor.widgets["phq9"]
    assert isinstance(phq, InstrumentWidget) and phq.form is not None
    (banner,) = phq.form.flag_banners
    assert banner.text.endswith("— acknowledged")
    assert [b for b in page.findChildren(QPushButton, "acknowledgeButton") if b.isVisible()] == []
