"""Note search: full text over every note, bold matches, activation opens the hit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.templates import TemplateSpec, load_templates
from kapnotes.store.clients import ClientStore
from kapnotes.store.notes import NoteStore
from kapnotes.store.search_index import MARK_CLOSE, MARK_OPEN
from kapnotes.store.vault import OpenVault
from kapnotes.ui.editor import NoteEditor, NoteSearchDialog, SearchResultsModel
from kapnotes.ui.editor.search import HtmlRole, NoteIdRole, snippet_html


@pytest.fixture
def notes(open_vault: OpenVault) -> Iterator[tuple[NoteStore, dict[str, str]]]:
    """A preparation note with prose and a dosing note with an observation entry."""
    clients = ClientStore(open_vault)
    client_id = clients.create(ClientInput(name="Sam Fictional", weight_kg=64.0))
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 1, 5),
            indication="Post-traumatic stress",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    store = NoteStore(open_vault)
    loaded = load_templates()
    prep: TemplateSpec = loaded.for_phase("preparation")[0]
    dosing: TemplateSpec = loaded.for_phase("dosing")[0]
    prep_id = store.create(
        course_id,
        "preparation",
        prep.snapshot(),
        date(2026, 1, 12),
        {"intentions_goals": "Hoping to feel less numb around family gatherings."},
    )
    dosing_id = store.create(course_id, "dosing", dosing.snapshot(), date(2026, 1, 19))
    row = {"time": "10:25", "text": "Describes a wide green meadow, smiling."}
    event_id = store.add_event(dosing_id, "observation_log", row)
    store.save_values(dosing_id, {"observation_log": [row | {"_event_id": event_id}]})
    yield store, {"prep": prep_id, "dosing": dosing_id}


def make_dialog(qtbot: QtBot, store: NoteStore) -> NoteSearchDialog:
    dialog = NoteSearchDialog(store, debounce_ms=10)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def search(qtbot: QtBot, dialog: NoteSearchDialog, text: str) -> None:
    dialog.query_edit.clear()
    with qtbot.waitSignal(dialog.model.modelReset, timeout=2000):
        qtbot.keyClicks(dialog.query_edit, text)
    qtbot.waitUntil(lambda: dialog.query_edit.text() == text and not dialog.timer.isActive())


def test_finds_a_word_in_a_long_text_field(
    qtbot: QtBot, notes: tuple[NoteStore, dict[str, str]]
) -> None:
    store, ids = notes
    dialog = make_dialog(qtbot, store)
    search(qtbot, dialog, "numb")
    assert dialog.model.rowCount() == 1
    index = dialog.model.index(0, 0)
    assert index.data(NoteIdRole) == ids["prep"]
    text = str(index.data(Qt.ItemDataRole.DisplayRole))
    assert "Sam Fictional" in text and "Preparation session" in text and "2026-01-12" in text
    assert "<b>numb</b>" in str(index.data(HtmlRole))
    assert dialog.count_label.text() == "1 note found"


def test_finds_a_word_in_an_observation_and_activation_emits_the_note(
    qtbot: QtBot, notes: tuple[NoteStore, dict[str, str]]
) -> None:
    store, ids = notes
    dialog = make_dialog(qtbot, store)
    search(qtbot, dialog, "meadow")
    assert dialog.model.rowCount() == 1
    with qtbot.waitSignal(dialog.noteActivated, timeout=2000) as activated:
        qtbot.keyClick(dialog.query_edit, Qt.Key.Key_Return)
    assert activated.args == [ids["dosing"], "meadow"]
    with qtbot.waitSignal(dialog.noteActivated, timeout=2000) as activated:
        dialog.activate_row(0)
    assert activated.args[0] == ids["dosing"]


def test_nothing_found_says_so(qtbot: QtBot, notes: tuple[NoteStore, dict[str, str]]) -> None:
    store, _ids = notes
    dialog = make_dialog(qtbot, store)
    search(qtbot, dialog, "zeppelin")
    assert dialog.model.rowCount() == 0
    assert dialog.count_label.text() == "No note contains these words."


def test_editor_highlights_the_hit(qtbot: QtBot, notes: tuple[NoteStore, dict[str, str]]) -> None:
    store, ids = notes
    editor = NoteEditor(store, ids["dosing"], autosave_ms=50)
    qtbot.addWidget(editor)
    editor.resize(1000, 800)
    editor.show()
    assert editor.highlight("meadow") == "observation_log"
    log = editor.widgets["observation_log"]
    current = log.view.currentIndex()  # type: ignore[attr-defined]
    assert current.isValid() and "meadow" in str(current.data())

    prep = NoteEditor(store, ids["prep"], autosave_ms=50)
    qtbot.addWidget(prep)
    prep.show()
    assert prep.highlight("numb") == "intentions_goals"
    edit = prep.widgets["intentions_goals"].edit  # type: ignore[attr-defined]
    assert edit.textCursor().selectedText() == "numb"
    assert prep.highlight("zeppelin") is None


def test_snippet_marks_become_bold_and_text_is_escaped() -> None:
    marked = f"a <b> [148/94] {MARK_OPEN}word{MARK_CLOSE} here"
    assert snippet_html(marked) == "a &lt;b&gt; [148/94] <b>word</b> here"  # its own brackets


def test_results_model_passes_the_model_tester(
    qtmodeltester: Any, notes: tuple[NoteStore, dict[str, str]]
) -> None:
    store, _ids = notes
    model = SearchResultsModel()
    model.set_hits(store.search("meadow") + store.search("numb"))
    qtmodeltester.check(model)


def test_a_word_in_more_notes_than_are_listed_lists_the_newest_and_says_so(
    qtbot: QtBot, notes: tuple[NoteStore, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, ids = notes
    monkeypatch.setattr("kapnotes.ui.editor.search.SHOWN_AT_MOST", 1)
    store.save_values(ids["dosing"], {"session_summary": "Less numb by the end."})
    dialog = make_dialog(qtbot, store)
    search(qtbot, dialog, "numb")
    assert dialog.model.rowCount() == 1
    assert dialog.model.index(0, 0).data(NoteIdRole) == ids["dosing"]  # the newer note
    assert "More than 1 notes hold these words" in dialog.count_label.text()
    assert "Add a word" in dialog.count_label.text()
