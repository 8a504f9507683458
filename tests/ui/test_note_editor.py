"""The note editor: every field type round-trips through autosave, signing, show_if, versions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QDateTimeEdit,
    QLabel,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.session import ClinicSettings
from kapnotes.domain.templates import TemplateSpec, load_templates, parse_template
from kapnotes.domain.timeline import INSTANTS_KEY, from_iso
from kapnotes.session import DoseRequest, LiveSession, Logged, SessionClient
from kapnotes.store.clients import ClientStore
from kapnotes.store.measures import MeasureStore
from kapnotes.store.notes import APP_ORIGIN, EVENT_KEY, ORIGIN_KEY, NoteStore
from kapnotes.store.vault import OpenVault, Vault
from kapnotes.ui import theme
from kapnotes.ui.curtain import PrivacyCurtain
from kapnotes.ui.editor import NoteEditor, NoteWindow, new_note_dialog
from kapnotes.ui.editor.editor import bundled_instruments
from kapnotes.ui.editor.fields import (
    ChecklistWidget,
    DateWidget,
    LongTextWidget,
    MultiChoiceWidget,
    NoteLinkWidget,
    NumberWidget,
    ScaleWidget,
    ShortTextWidget,
    SingleChoiceWidget,
    TimeWidget,
    YesNoWidget,
)
from kapnotes.ui.editor.instrument import InstrumentWidget
from kapnotes.ui.editor.log_table import LogWidget
from kapnotes.ui.editor.window import client_context
from tests.conftest import PASSPHRASE
from tests.ui.conftest import turn_wheel, type_date

NOW = datetime(2026, 3, 2, 10, 42, 13)

EVERY_TYPE: dict[str, Any] = {
    "id": "every_type",
    "version": 1,
    "title": "Every field type",
    "phase": "dosing",
    "sections": [
        {
            "id": "all",
            "title": "All types",
            "fields": [
                {"id": "short_text", "type": "short_text", "label": "Short text"},
                {"id": "long_text", "type": "long_text", "label": "Long text"},
                {
                    "id": "number",
                    "type": "number",
                    "label": "Dose",
                    "unit": "mg",
                    "range": [0, 1000],
                    "plausible": [5, 300],
                },
                {"id": "integer", "type": "integer", "label": "Session number", "range": [1, 200]},
                {
                    "id": "single_choice",
                    "type": "single_choice",
                    "label": "Mode",
                    "options": [
                        {"value": "in_person", "label": "In person"},
                        {"value": "telehealth", "label": "Telehealth"},
                    ],
                },
                {
                    "id": "multi_choice",
                    "type": "multi_choice",
                    "label": "Interventions",
                    "options": [
                        {"value": "reassurance", "label": "Reassurance"},
                        {"value": "music", "label": "Music change"},
                    ],
                },
                {
                    "id": "checklist",
                    "type": "checklist",
                    "label": "Pre-dose checklist",
                    "items": [
                        {"value": "fasted", "label": "Fasted"},
                        {"value": "ride", "label": "Ride home confirmed"},
                    ],
                },
                {
                    "id": "scale",
                    "type": "scale",
                    "label": "Readiness",
                    "anchors": {"low": "Not ready", "high": "Fully ready"},
                },
                {"id": "date", "type": "date", "label": "Consent date"},
                {"id": "time", "type": "time", "label": "Start time"},
                {"id": "yes_no", "type": "yes_no", "label": "Ride home arranged"},
                {
                    "id": "instrument",
                    "type": "instrument",
                    "label": "PHQ-9",
                    "instrument_id": "phq9",
                },
                {
                    "id": "note_link",
                    "type": "note_link",
                    "label": "Preparation session",
                    "link_phase": "preparation",
                },
                {
                    "id": "observation_log",
                    "type": "observation_log",
                    "label": "Observations",
                    "columns": [
                        {"id": "time", "type": "time", "label": "Time"},
                        {"id": "text", "type": "long_text", "label": "Observation"},
                    ],
                },
            ],
        }
    ],
}

PHQ9_ANSWERS = {
    f"phq9_{n}": v for n, v in zip(range(1, 10), (2, 2, 2, 2, 2, 2, 2, 3, 1), strict=True)
}


@dataclass
class Clinic:
    """Stores over an open test vault, with one fictional client and course."""

    vault: Vault
    open_vault: OpenVault
    notes: NoteStore
    clients: ClientStore
    client_id: str
    course_id: str

    def reopen(self) -> None:
        """Close the vault and unlock it again (every store rebuilt)."""
        self.open_vault.close()
        self.open_vault = self.vault.unlock(PASSPHRASE)
        self.notes = NoteStore(self.open_vault)
        self.clients = ClientStore(self.open_vault)

    def note(self, spec: TemplateSpec, values: dict[str, Any] | None = None) -> str:
        """A draft note from `spec`."""
        return self.notes.create(
            self.course_id, spec.phase, spec.snapshot(), date(2026, 3, 2), values or {}
        )


@pytest.fixture
def clinic(vault: Vault, open_vault: OpenVault) -> Iterator[Clinic]:
    """A vault with the fictional client Robin Example (70 kg) and a course."""
    clients = ClientStore(open_vault)
    client_id = clients.create(ClientInput(name="Robin Example", weight_kg=70.0))
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 2, 1),
            indication="Treatment-resistant depression",
            planned_product=Product.KETAMINE_SUBLINGUAL,
        ),
    )
    state = Clinic(vault, open_vault, NoteStore(open_vault), clients, client_id, course_id)
    yield state
    if state.open_vault is not open_vault:
        state.open_vault.close()


@pytest.fixture
def templates() -> dict[str, TemplateSpec]:
    """The bundled templates by phase."""
    loaded = load_templates()
    return {phase: loaded.for_phase(phase)[0] for phase in ("preparation", "dosing", "integration")}


EditorFactory = Callable[..., NoteEditor]


@pytest.fixture
def make_editor(qtbot: QtBot, clinic: Clinic) -> EditorFactory:
    """Build editors over the clinic's current note store, shown and registered."""

    def make(note_id: str, **kwargs: Any) -> NoteEditor:
        record = clinic.notes.get(note_id)
        options: dict[str, Any] = {"autosave_ms": 50, "now": lambda: NOW}
        options.update(kwargs)
        editor = NoteEditor(
            clinic.notes,
            note_id,
            TemplateSpec.model_validate(record.template_snapshot),
            {"client": {"weight_kg": 70.0}},
            **options,
        )
        qtbot.addWidget(editor)
        editor.resize(1000, 800)
        editor.show()
        qtbot.waitExposed(editor)
        return editor

    return make


def click(qtbot: QtBot, widget: Any) -> None:
    """A left click: on the box of a check box or radio button, else in the middle."""
    if isinstance(widget, QCheckBox | QRadioButton):
        spot = QPoint(8, widget.height() // 2)
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=spot)
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_time(qtbot: QtBot, edit: QDateTimeEdit, hours: str, minutes: str) -> None:
    """Type a time section by section."""
    edit.setFocus()
    edit.setSelectedSection(QDateTimeEdit.Section.HourSection)
    qtbot.keyClicks(edit, hours)
    edit.setSelectedSection(QDateTimeEdit.Section.MinuteSection)
    qtbot.keyClicks(edit, minutes)


def enter(qtbot: QtBot, editor: NoteEditor, field_id: str) -> None:
    """Enter a value into one field as a user would."""
    widget = editor.widgets[field_id]
    if isinstance(widget, ShortTextWidget | LongTextWidget):
        qtbot.keyClicks(widget.edit, "Calm and curious")
    elif isinstance(widget, NumberWidget):
        qtbot.keyClicks(widget.edit, "37.5" if not widget.integer else "12")
    elif isinstance(widget, SingleChoiceWidget):
        click(qtbot, widget.radios[1])
    elif isinstance(widget, MultiChoiceWidget | ChecklistWidget):
        boxes = (
            widget.boxes if isinstance(widget, MultiChoiceWidget) else list(widget.boxes.values())
        )
        click(qtbot, boxes[1])
    elif isinstance(widget, ScaleWidget):
        click(qtbot, widget.buttons[7])
    elif isinstance(widget, DateWidget):
        click(qtbot, widget.set_button)
        type_date(qtbot, widget.edit, date(2026, 2, 27))
    elif isinstance(widget, TimeWidget):
        click(qtbot, widget.set_button)
        type_time(qtbot, widget.edit, "09", "41")
    elif isinstance(widget, YesNoWidget):
        click(qtbot, widget.no)
    elif isinstance(widget, InstrumentWidget):
        assert widget.form is not None
        for item_id, value in PHQ9_ANSWERS.items():
            click(qtbot, widget.form.rows[item_id].buttons[value])
    elif isinstance(widget, NoteLinkWidget):
        widget.combo.setFocus()
        qtbot.keyClick(widget.combo, Qt.Key.Key_Down)
    elif isinstance(widget, LogWidget):
        click(qtbot, widget.add_button)
        line = widget.view.findChild(QLineEdit)
        assert line is not None, "adding an entry opens the first empty cell"
        qtbot.keyClicks(line, "Resting, eyes closed")
        qtbot.keyClick(line, Qt.Key.Key_Return)  # the view commits on its next loop turn
        qtbot.waitUntil(lambda: "text" in widget.model.rows[-1])
    else:  # pragma: no cover
        raise AssertionError(f"no input helper for {type(widget).__name__}")


def expected(field_id: str, link_id: str) -> Any:
    """The value `enter` leaves in a field."""
    return {
        "short_text": "Calm and curious",
        "long_text": "Calm and curious",
        "number": 37.5,
        "integer": 12,
        "single_choice": "telehealth",
        "multi_choice": ["music"],
        "checklist": ["ride"],
        "scale": 7,
        "date": "2026-02-27",
        "time": "09:41",
        "yes_no": False,
        "instrument": PHQ9_ANSWERS,
        "note_link": link_id,
        "observation_log": [{"time": "10:42", "text": "Resting, eyes closed"}],
    }[field_id]


def without_instants(data: dict[str, Any]) -> dict[str, Any]:
    """An entry without the instants kept beside its clock times."""
    return {k: v for k, v in data.items() if k != INSTANTS_KEY}


def without_event_ids(value: Any) -> Any:
    """Log rows without the event id the editor keeps in them."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [
            {k: v for k, v in row.items() if k not in (EVENT_KEY, INSTANTS_KEY)} for row in value
        ]
    return value


def wait_saved(qtbot: QtBot, editor: NoteEditor) -> None:
    """Wait until the autosave timer has written every change."""
    qtbot.waitUntil(lambda: not editor.has_unsaved_changes, timeout=2000)


@pytest.mark.parametrize("field_id", [f["id"] for f in EVERY_TYPE["sections"][0]["fields"]])
def test_every_field_type_survives_autosave_and_reopening(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory, field_id: str
) -> None:
    spec = parse_template(EVERY_TYPE)
    prep = load_templates().for_phase("preparation")[0]
    link_id = clinic.note(prep)
    note_id = clinic.note(spec)
    editor = make_editor(note_id)

    enter(qtbot, editor, field_id)
    want = expected(field_id, link_id)
    assert without_event_ids(editor.widgets[field_id].value()) == want
    wait_saved(qtbot, editor)
    assert editor.status_label.text().startswith("Saved ")
    assert without_event_ids(clinic.notes.get(note_id).values[field_id]) == want

    again = make_editor(note_id)
    assert without_event_ids(again.widgets[field_id].value()) == want

    clinic.reopen()
    reopened = make_editor(note_id)
    assert without_event_ids(reopened.widgets[field_id].value()) == want


def test_log_entries_are_events_written_at_once(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory
) -> None:
    note_id = clinic.note(parse_template(EVERY_TYPE))
    editor = make_editor(note_id, autosave_ms=60_000)
    log = editor.widgets["observation_log"]
    assert isinstance(log, LogWidget)
    click(qtbot, log.add_button)
    events = clinic.notes.get(note_id).events
    assert [(e.kind, without_instants(e.data)) for e in events] == [
        ("observation_log", {"time": "10:42"})
    ]
    # the row keeps the instant it was added (the event's), read back as the clock time shown
    row = clinic.notes.get(note_id).values["observation_log"][0]
    stamped = from_iso(row[INSTANTS_KEY]["time"])
    assert stamped is not None
    assert stamped == events[0].recorded_at
    assert editor.draft.timeline.hhmm(stamped) == "10:42"
    line = log.view.findChild(QLineEdit)
    assert line is not None
    qtbot.keyClicks(line, "Tearful, then settled")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "text" in log.model.rows[0])
    editor.flush()
    event = clinic.notes.get(note_id).events[0]
    # typed into a row just added: the entry is completed, not "corrected"
    assert without_instants(event.data) == {"time": "10:42", "text": "Tearful, then settled"}
    values = clinic.notes.get(note_id).values["observation_log"]
    assert [without_instants(v) for v in values] == [
        {"time": "10:42", "text": "Tearful, then settled", "_event_id": event.id}
    ]

    # opened again later, a change to that entry is a correction: the first text is kept
    editor.close()
    later = make_editor(note_id, autosave_ms=60_000)
    again = later.widgets["observation_log"]
    assert isinstance(again, LogWidget)
    again.edit_cell(0, "text")
    cell = again.view.findChild(QLineEdit)
    assert cell is not None
    cell.selectAll()
    qtbot.keyClicks(cell, "Tearful, then settled and smiling")
    qtbot.keyClick(cell, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "smiling" in str(again.model.rows[0].get("text")))
    later.flush()
    event = clinic.notes.get(note_id).events[0]
    assert event.data["text"] == "Tearful, then settled and smiling"
    assert without_instants(event.data["original"]) == {
        "time": "10:42",
        "text": "Tearful, then settled",
    }


def test_number_warns_in_amber_and_rejects_out_of_range(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory
) -> None:
    editor = make_editor(clinic.note(parse_template(EVERY_TYPE)))
    widget = editor.widgets["number"]
    assert isinstance(widget, NumberWidget)
    qtbot.keyClicks(widget.edit, "400")
    assert widget.issue.isVisible() and widget.issue.property("role") == "warning"
    assert widget.value() == 400
    widget.edit.clear()
    qtbot.keyClicks(widget.edit, "5000")
    assert widget.issue.property("role") == "field-error"
    assert "between 0 and 1000" in widget.issue.text()
    assert widget.value() is None


def test_instrument_scores_live_and_flags_item_nine(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory
) -> None:
    editor = make_editor(clinic.note(parse_template(EVERY_TYPE)))
    widget = editor.widgets["instrument"]
    assert isinstance(widget, InstrumentWidget)
    assert widget.form is not None
    click(qtbot, widget.form.rows["phq9_1"].buttons[2])
    assert "Not scored" in widget.score_text and "2–9" in widget.score_text
    for item_id, value in PHQ9_ANSWERS.items():
        click(qtbot, widget.form.rows[item_id].buttons[value])
    assert widget.score_text == "Score 18 · Moderately severe"
    assert any("Suicide-risk" in text for text in widget.flag_texts)
    assert widget.form.flag_banners[0].isVisible()


MINI: dict[str, Any] = {
    "id": "mini",
    "version": 1,
    "title": "Brief check-in",
    "phase": "integration",
    "sections": [
        {
            "id": "main",
            "title": "Check-in",
            "fields": [
                {
                    "id": "mood",
                    "type": "short_text",
                    "label": "Mood today",
                    "required_to_sign": True,
                    "help": "In the client's words.",
                },
                {
                    "id": "readiness",
                    "type": "scale",
                    "label": "Readiness",
                    "required_to_sign": True,
                    "anchors": {"low": "Not ready", "high": "Fully ready"},
                },
                {"id": "notes", "type": "long_text", "label": "Notes"},
            ],
        }
    ],
}


def test_signing_lists_missing_fields_then_freezes_the_note(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory
) -> None:
    note_id = clinic.note(parse_template(MINI))
    editor = make_editor(note_id)
    mood = editor.widgets["mood"]
    assert isinstance(mood, ShortTextWidget)
    assert mood.required and "•" in mood.title.text()

    with patch.object(QMessageBox, "question") as ask:
        click(qtbot, editor.sign_button)
        ask.assert_not_called()
    assert editor.missing_panel.isVisible()
    assert editor.missing_labels == ["Mood today", "Readiness"]
    assert not clinic.notes.get(note_id).is_signed

    qtbot.keyClicks(mood.edit, "Hopeful")
    scale = editor.widgets["readiness"]
    assert isinstance(scale, ScaleWidget)
    click(qtbot, scale.buttons[8])
    with (
        patch.object(
            QMessageBox, "question", return_value=QMessageBox.StandardButton.Yes
        ) as confirm,
        qtbot.waitSignal(editor.signed, timeout=3000) as signed,
    ):
        click(qtbot, editor.sign_button)
    assert "as Dr Ada Quill, PsyD?" in confirm.call_args.args[2]  # says who signs
    record = clinic.notes.get(note_id)
    assert record.is_signed and record.values["mood"] == "Hopeful"
    assert signed.args == [record.content_hash]
    assert editor.signature_banner.isVisible()
    assert editor.verified_badge.text() == "✓ Signature verified"
    # The hash is not in the way, but one click (or the badge's tooltip) away.
    assert record.content_hash is not None and not editor.hash_label.isVisible()
    assert record.content_hash in editor.verified_badge.toolTip()
    click(qtbot, editor.hash_toggle)
    assert editor.hash_label.isVisible() and record.content_hash in editor.hash_label.text()
    assert "Dr Ada Quill" in editor.signature_label.text()
    assert mood.edit.isReadOnly()
    assert not scale.buttons[0].isEnabled()
    notes = editor.widgets["notes"]
    assert isinstance(notes, LongTextWidget) and notes.edit.isReadOnly()
    assert not editor.sign_button.isVisible()

    qtbot.keyClicks(mood.edit, " and more")
    qtbot.keyClicks(notes.edit, "late edit")
    assert mood.edit.text() == "Hopeful"
    assert not editor.has_unsaved_changes
    assert clinic.notes.get(note_id).values["mood"] == "Hopeful"

    assert editor.addendum_card.isVisible()
    qtbot.keyClicks(editor.addendum_edit, "Client phoned next day: slept well.")
    with (
        patch.object(QMessageBox, "question", return_value=QMessageBox.StandardButton.Yes),
        qtbot.waitSignal(editor.addendum_added, timeout=3000),
    ):
        click(qtbot, editor.addendum_button)
    assert editor.addendum_texts == ["Client phoned next day: slept well."]
    assert clinic.notes.get(note_id).addenda[0].text == "Client phoned next day: slept well."
    shown = [w.text() for w in editor.addendum_card.findChildren(type(mood.title))]
    assert "Client phoned next day: slept well." in shown


def test_the_vaults_refusal_to_sign_lists_the_missing_fields(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory
) -> None:
    spec = parse_template(
        {
            "id": "dose_plan",
            "version": 1,
            "title": "Dose plan",
            "phase": "preparation",
            "sections": [
                {
                    "id": "dose",
                    "title": "Dose",
                    "fields": [
                        {"id": "mg_per_kg", "type": "number", "label": "Planned dose (mg/kg)"},
                        {
                            "id": "mg",
                            "type": "number",
                            "label": "Planned dose (mg)",
                            "required_to_sign": True,
                            "computed": {
                                "op": "multiply",
                                "args": ["mg_per_kg", "$client.weight_kg"],
                            },
                        },
                    ],
                }
            ],
        }
    )
    note_id = clinic.note(spec, {"mg_per_kg": 0.5})
    editor = make_editor(note_id)  # opened while the client record said 70 kg
    assert editor.missing() == []
    # Meanwhile the weight is taken off the client record: the vault now computes no dose.
    clinic.clients.update(clinic.client_id, ClientInput(name="Robin Example"))
    with patch.object(QMessageBox, "question", return_value=QMessageBox.StandardButton.Yes):
        assert not editor.sign_note()
    assert editor.missing_panel.isVisible()
    assert editor.missing_labels == ["Planned dose (mg)"]
    assert "1 item still to fill in" in editor.missing_title.text()
    assert not clinic.notes.get(note_id).is_signed
    assert not editor.widgets["mg_per_kg"].read_only


def test_cancelled_confirmation_does_not_sign(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory
) -> None:
    note_id = clinic.note(parse_template(MINI), {"mood": "Settled", "readiness": 6})
    editor = make_editor(note_id)
    with patch.object(QMessageBox, "question", return_value=QMessageBox.StandardButton.Cancel):
        assert not editor.sign_note()
    assert not clinic.notes.get(note_id).is_signed
    assert not editor.widgets["mood"].read_only


def test_old_note_renders_with_its_original_template(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory, tmp_path: Path
) -> None:
    v1 = parse_template(MINI)
    note_id = clinic.note(v1, {"mood": "Grounded"})
    v2_data = json.loads(json.dumps(MINI))
    v2_data["version"] = 2
    v2_data["sections"][0]["fields"][0] = {
        "id": "energy",
        "type": "short_text",
        "label": "Energy today",
    }
    (tmp_path / "mini.json").write_text(json.dumps(v2_data), encoding="utf-8")
    loaded = load_templates([tmp_path])
    assert loaded.templates["mini"].version == 2

    editor = make_editor(note_id)
    assert "mood" in editor.widgets and "energy" not in editor.widgets
    assert editor.widgets["mood"].value() == "Grounded"
    window = NoteWindow(clinic.notes, note_id, client_store=clinic.clients)
    qtbot.addWidget(window)
    assert "mood" in window.editor.widgets and "energy" not in window.editor.widgets
    new_id = clinic.note(loaded.templates["mini"])
    assert "energy" in make_editor(new_id).widgets


def test_esketamine_shows_the_rems_section(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory, templates: dict[str, TemplateSpec]
) -> None:
    editor = make_editor(clinic.note(templates["dosing"]))
    rems = editor.section_cards["rems"]
    product = editor.widgets["planned_product"]
    assert isinstance(product, SingleChoiceWidget) and product.combo is not None
    assert not rems.isVisible()
    product.combo.setFocus()
    values = product.choice_field.option_values()
    for _ in range(values.index("esketamine_intranasal") + 1):
        qtbot.keyClick(product.combo, Qt.Key.Key_Down)
    assert product.value() == "esketamine_intranasal"
    assert rems.isVisible()
    qtbot.keyClick(product.combo, Qt.Key.Key_Up)
    assert product.value() == "ketamine_oral"
    assert not rems.isVisible()


@pytest.fixture
def app_filter() -> Iterator[PrivacyCurtain]:
    """The application's event filter, installed as the main window installs it once drawn."""
    app = QApplication.instance()
    assert app is not None
    curtain = PrivacyCurtain()
    app.installEventFilter(curtain)
    yield curtain
    app.removeEventFilter(curtain)


@pytest.mark.usefixtures("app_filter")
def test_the_wheel_passing_over_a_choice_or_date_does_not_change_it(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory, templates: dict[str, TemplateSpec]
) -> None:
    note_id = clinic.note(templates["dosing"])
    editor = make_editor(note_id)
    product = editor.widgets["planned_product"]
    assert isinstance(product, SingleChoiceWidget) and product.combo is not None
    combo = product.combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    chosen = product.value()
    wait_saved(qtbot, editor)
    boxes = editor.findChildren(QAbstractSpinBox)  # the dates and times of the form
    assert boxes
    shown_before = [box.text() for box in boxes]
    editor.scroll_area.setFocus()  # the user scrolls the page, the pointer over the list
    assert not combo.hasFocus()
    assert combo.focusPolicy() != Qt.FocusPolicy.WheelFocus  # a wheel turn does not focus it

    for notches in (-1, -1, -3, 2):
        turn_wheel(combo, notches)
        for box in boxes:
            turn_wheel(box, notches)
    assert product.value() == chosen
    assert [box.text() for box in boxes] == shown_before
    qtbot.wait(120)  # past the autosave delay: nothing changed, nothing written
    assert not editor.has_unsaved_changes
    assert clinic.notes.get(note_id).values["planned_product"] == chosen

    combo.setFocus()  # still focused after a choice, as the user scrolls on: unchanged
    turn_wheel(combo, -1)
    assert product.value() == chosen
    box = next(b for b in boxes if b.isVisible() and b.isEnabled())
    box.setFocus()  # a date or time clicked or tabbed into turns with the wheel as usual
    before = box.text()
    turn_wheel(box, 1)
    assert box.text() != before


def test_show_if_field_and_computed_dose(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory, templates: dict[str, TemplateSpec]
) -> None:
    editor = make_editor(clinic.note(templates["preparation"]))
    driver = editor.widgets["driver_name"]
    assert not driver.isVisible()
    ride = editor.widgets["ride_home_arranged"]
    assert isinstance(ride, YesNoWidget)
    click(qtbot, ride.yes)
    assert driver.isVisible()
    unit = editor.widgets["planned_dose_unit"]
    assert isinstance(unit, SingleChoiceWidget)
    per_kg = next(i for i, v in enumerate(unit.choice_field.option_values()) if v == "mg_per_kg")
    if unit.radios:
        click(qtbot, unit.radios[per_kg])
    else:
        assert unit.combo is not None
        unit.combo.setCurrentIndex(per_kg + 1)
    dose = editor.widgets["planned_dose_mg_per_kg"]
    assert isinstance(dose, NumberWidget)
    qtbot.keyClicks(dose.edit, "0.5")
    mg = editor.widgets["planned_dose_mg"]
    assert isinstance(mg, NumberWidget)
    assert mg.value() == 35 and mg.edit.isReadOnly()
    assert editor.values()["planned_dose_mg"] == 35


def test_an_open_note_window_follows_a_light_dark_switch(
    qtbot: QtBot, qapp: QApplication, clinic: Clinic, templates: dict[str, TemplateSpec]
) -> None:
    """The editor's own rules (tables, time boxes, banners) change colour with the rest
    (they stayed light: a white table on a dark window)."""
    note_id = clinic.note(templates["preparation"])
    original = qapp.palette()
    window = NoteWindow(clinic.notes, note_id, client_store=clinic.clients)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    log = next(w for w in window.editor.widgets.values() if isinstance(w, LogWidget))

    def table_colour() -> str:
        image = log.view.grab().toImage()  # the table's empty area, below its rows
        return image.pixelColor(log.view.width() // 2, log.view.height() - 4).name()

    assert table_colour() == theme.palettes()["light"]["base"]
    try:
        qapp.setPalette(theme.qpalette("dark"))
        qtbot.waitUntil(lambda: table_colour() == theme.palettes()["dark"]["base"], timeout=2000)
    finally:
        qapp.setPalette(original)
    qtbot.waitUntil(lambda: table_colour() == theme.palettes()["light"]["base"], timeout=2000)


def test_the_note_window_s_scroll_bar_is_drawn_in_the_window_colour(
    qtbot: QtBot, clinic: Clinic, templates: dict[str, TemplateSpec]
) -> None:
    """editor.qss gives the editor's scroll area (and its bar) the window colour, as the
    main window's; the rule names the area, so it must be named before it is styled."""
    window = NoteWindow(clinic.notes, clinic.note(templates["preparation"]))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    bar = window.editor.scroll_area.verticalScrollBar()
    qtbot.waitUntil(bar.isVisible)  # laid out: the note is longer than the window
    bar.setValue(0)  # the handle at the top: the bottom of the track is bare
    image = bar.grab().toImage()
    track = image.pixelColor(bar.width() // 2, bar.height() - bar.width() - 6).name()
    assert track == theme.colour("window", "light")


def test_note_window_header_and_ctrl_w(
    qtbot: QtBot, clinic: Clinic, templates: dict[str, TemplateSpec]
) -> None:
    note_id = clinic.note(templates["integration"])
    window = NoteWindow(clinic.notes, note_id, client_store=clinic.clients, autosave_ms=10_000)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.client_label.text() == "Robin Example"
    assert window.title_label.text() == "Integration session"
    assert "2026" in window.date_label.text() and window.status_chip.text() == "Draft"
    notes = window.editor.widgets["client_narrative"]
    assert isinstance(notes, LongTextWidget)
    qtbot.keyClicks(notes.edit, "A sense of spaciousness")
    assert window.editor.has_unsaved_changes
    window.activateWindow()
    window.close_shortcut.activated.emit()
    qtbot.waitUntil(lambda: not window.isVisible())
    assert clinic.notes.get(note_id).values["client_narrative"] == "A sense of spaciousness"


def test_new_note_dialog_returns_phase_date_and_template(qtbot: QtBot) -> None:
    def run(dialog: Any) -> int:
        qtbot.addWidget(dialog)
        click(qtbot, dialog.phase_buttons["dosing"])
        dialog.date_edit.setDate(QDate(2026, 3, 9))
        return 1

    choice = new_note_dialog(today=lambda: date(2026, 3, 1), run=run)
    assert choice is not None
    assert choice.phase == "dosing" and choice.session_date == date(2026, 3, 9)
    assert choice.template.id == "dosing"
    assert new_note_dialog(run=lambda d: (qtbot.addWidget(d), 0)[1]) is None


def test_tab_order_follows_the_form(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory
) -> None:
    editor = make_editor(clinic.note(parse_template(MINI)))
    mood = editor.widgets["mood"]
    assert isinstance(mood, ShortTextWidget)
    scale = editor.widgets["readiness"]
    assert isinstance(scale, ScaleWidget)
    assert next_tab_stop(mood.edit) is scale.buttons[0]
    assert next_tab_stop(scale.buttons[-1]) is editor.widgets["notes"].focus_widgets()[0]


def next_tab_stop(widget: Any) -> Any:
    """The next widget in the focus chain that takes tab focus."""
    nxt = widget.nextInFocusChain()
    while nxt is not widget and not (nxt.focusPolicy() & Qt.FocusPolicy.TabFocus):
        nxt = nxt.nextInFocusChain()
    return nxt


def test_log_model_passes_the_model_tester(
    qtbot: QtBot,
    qtmodeltester: Any,
    clinic: Clinic,
    make_editor: EditorFactory,
    templates: dict[str, TemplateSpec],
) -> None:
    note_id = clinic.note(
        templates["dosing"],
        {
            "vitals_log": [
                {"time": "10:00", "systolic": 132, "diastolic": 84, "heart_rate": 78, "spo2": 98},
                {"time": "10:40", "systolic": 210, "diastolic": 95, "heart_rate": 88, "spo2": 97},
            ]
        },
    )
    editor = make_editor(note_id)
    vitals = editor.widgets["vitals_log"]
    assert isinstance(vitals, LogWidget)
    qtmodeltester.check(vitals.model)
    assert vitals.issue.isVisible() and "unusual" in vitals.issue.text()


def test_steady_typing_is_saved_without_waiting_for_a_pause(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = make_editor(clinic.note(parse_template(MINI)))
    mood = editor.widgets["mood"]
    assert isinstance(mood, ShortTextWidget)
    starts: list[int] = []
    real_start = editor.save_timer.start
    monkeypatch.setattr(editor.save_timer, "start", lambda *a: (starts.append(1), real_start(*a)))
    qtbot.keyClicks(mood.edit, "Hopeful")  # seven changes in a burst
    assert len(starts) == 1  # the first change starts the clock; later ones don't reset it
    with qtbot.waitSignal(editor.saved, timeout=2000):
        pass
    assert clinic.notes.get(editor.note_id).values["mood"] == "Hopeful"


def test_a_failed_autosave_logs_no_client_text(
    qtbot: QtBot,
    clinic: Clinic,
    make_editor: EditorFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    editor = make_editor(clinic.note(parse_template(MINI)))
    mood = editor.widgets["mood"]
    assert isinstance(mood, ShortTextWidget)

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        # database errors quote the parameters they were writing
        raise RuntimeError("database is locked [parameters: ('Canaryfeather secret',)]")

    monkeypatch.setattr(editor.store, "save_values", refuse)
    qtbot.keyClicks(mood.edit, "Canaryfeather secret")
    assert not editor.flush()
    assert "Not saved" in editor.status_label.text()
    assert "autosave failed" in caplog.text
    assert "Canaryfeather" not in caplog.text


def test_a_note_window_whose_save_fails_stays_open(
    qtbot: QtBot, clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    note_id = clinic.note(parse_template(MINI))
    window = NoteWindow(clinic.notes, note_id, client_store=clinic.clients)
    qtbot.addWidget(window)
    window.show()
    mood = window.editor.widgets["mood"]
    assert isinstance(mood, ShortTextWidget)
    qtbot.keyClicks(mood.edit, "Hopeful")

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(window.editor.store, "save_values", refuse)
    assert not window.close()
    assert window.isVisible() and "Not saved" in window.editor.status_label.text()
    assert mood.edit.text() == "Hopeful"
    monkeypatch.undo()
    assert window.close()
    assert clinic.notes.get(note_id).values["mood"] == "Hopeful"


def test_a_search_hit_deep_in_a_log_is_scrolled_into_view(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory, templates: dict[str, TemplateSpec]
) -> None:
    rows = [{"time": f"10:{m:02d}", "text": f"quiet minute {m}"} for m in range(40)]
    rows[37]["text"] = "floating above the ocean"
    note_id = clinic.notes.create(
        clinic.course_id,
        "dosing",
        templates["dosing"].snapshot(),
        date(2026, 2, 27),
        {"observation_log": rows},
    )
    editor = make_editor(note_id)
    assert editor.highlight("ocean") == "observation_log"
    log_widget = editor.widgets["observation_log"]
    assert isinstance(log_widget, LogWidget)

    def hit_visible() -> bool:
        cell = log_widget.view.visualRect(log_widget.view.currentIndex())
        viewport = editor.scroll_area.viewport()
        centre = log_widget.view.viewport().mapTo(viewport, cell.center())
        return viewport.rect().contains(centre)

    qtbot.waitUntil(hit_visible, timeout=2000)


def test_the_note_window_computes_with_the_context_signing_uses(clinic: Clinic) -> None:
    note_id = clinic.note(parse_template(MINI))
    # The same $client values on screen as when the vault checks the note for signing.
    assert client_context(clinic.clients, clinic.client_id) == clinic.notes.template_context(
        note_id
    )
    assert client_context(clinic.clients, clinic.client_id)["client"]["weight_kg"] == 70.0


def test_editor_reopened_the_next_day_agrees_with_the_live_view_on_every_t_plus(
    qtbot: QtBot, clinic: Clinic, templates: dict[str, TemplateSpec], make_editor: EditorFactory
) -> None:
    zone = ZoneInfo("America/New_York")
    day = date(2026, 11, 27)
    note_id = clinic.notes.create(
        clinic.course_id, "dosing", templates["dosing"].snapshot(), day, time_zone=zone.key
    )
    moment = [datetime(2026, 11, 27, 9, 50, tzinfo=zone)]
    live = LiveSession(
        clinic.notes,
        note_id,
        SessionClient("Robin Example", 70.0),
        Product.KETAMINE_SUBLINGUAL,
        ClinicSettings(),
        lambda: moment[0],
    )
    assert isinstance(live.log_vitals({"systolic": "122", "diastolic": "80"}), Logged)
    moment[0] = datetime(2026, 11, 27, 10, 0, tzinfo=zone)
    dose = DoseRequest(
        Product.KETAMINE_SUBLINGUAL, "200", reason="Checks done on paper (fictional)"
    )
    assert isinstance(live.log_dose(dose), Logged)

    next_morning = datetime(2026, 11, 28, 9, 0, tzinfo=zone)
    editor = make_editor(note_id, now=lambda: next_morning)
    vitals = editor.widgets["vitals_log"]
    assert isinstance(vitals, LogWidget)
    click(qtbot, vitals.add_button)
    stored = clinic.notes.get(note_id).values["vitals_log"]
    assert [(r["time"], r.get("t_plus_min")) for r in stored] == [("09:50", -10), ("09:00", 1380)]
    # the editor's table shows the T+ the live view computes for each row
    column = vitals.model.column_index("t_plus_min")
    shown = [vitals.model.data(vitals.model.index(r, column)) for r in range(2)]
    moment[0] = next_morning
    again = LiveSession(
        clinic.notes,
        note_id,
        SessionClient("Robin Example", 70.0),
        Product.KETAMINE_SUBLINGUAL,
        ClinicSettings(),
        lambda: moment[0],
    )
    assert shown == [
        str(again.record.t_plus_min(i)) for _r, i in again.record.timed_rows("vitals_log")
    ]
    assert again.clock_label(next_morning) == "T+23:00:00"


def test_a_time_the_spring_change_skipped_is_refused_in_the_editor(
    qtbot: QtBot, clinic: Clinic, templates: dict[str, TemplateSpec], make_editor: EditorFactory
) -> None:
    day = date(2026, 3, 8)
    note_id = clinic.notes.create(
        clinic.course_id,
        "dosing",
        templates["dosing"].snapshot(),
        day,
        {"vitals_log": [{"time": "01:40", "systolic": 120, "diastolic": 80}]},
        time_zone="America/New_York",
    )
    editor = make_editor(note_id)
    vitals = editor.widgets["vitals_log"]
    assert isinstance(vitals, LogWidget)
    index = vitals.model.index(0, vitals.model.column_index("time"))
    with qtbot.waitSignal(vitals.model.rejected) as refused:
        assert not vitals.model.setData(index, "02:30")
    assert "02:30 does not exist on 08 Mar 2026 in America/New_York" in refused.args[0]
    assert vitals.model.rows[0]["time"] == "01:40"
    start = editor.widgets["start_time"]
    assert isinstance(start, TimeWidget)
    start.set_value("02:30")
    start.changed.emit()
    assert "does not exist" in start.issue.text()
    assert editor.values().get("start_time") != "02:30"
    with patch.object(QMessageBox, "question") as ask:
        assert not editor.sign_note()  # never signed behind the red time
    ask.assert_not_called()
    assert editor.status_label.text().startswith("Not signed: Start time 02:30 does not exist")


# -- signing: times, risk flags, addenda, the signed look ----------------------------------

TIMED: dict[str, Any] = {
    "id": "timed",
    "version": 1,
    "title": "Timed check-in",
    "phase": "integration",
    "sections": [
        {
            "id": "main",
            "title": "Session",
            "fields": [
                {"id": "start_time", "type": "time", "label": "Start time"},
                {"id": "end_time", "type": "time", "label": "End time"},
                {"id": "mood", "type": "short_text", "label": "Mood today"},
                {"id": "notes", "type": "long_text", "label": "Notes"},
            ],
        }
    ],
}


def test_times_that_do_not_add_up_are_shown_before_any_confirmation(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory
) -> None:
    note_id = clinic.note(parse_template(TIMED), {"start_time": "11:00", "end_time": "10:00"})
    editor = make_editor(note_id)
    with patch.object(QMessageBox, "question") as ask:
        assert not editor.sign_note()
        ask.assert_not_called()
    assert editor.missing_panel.isVisible()
    assert editor.missing_title.text() == "Not signed yet: 1 time does not add up"
    assert editor.missing_labels == ["End time 10:00 is before Start time 11:00"]
    end = editor.widgets["end_time"]
    assert isinstance(end, TimeWidget)
    assert editor.focusWidget() is end.edit  # taken to the time to correct
    assert not clinic.notes.get(note_id).is_signed

    type_time(qtbot, end.edit, "12", "00")
    wait_saved(qtbot, editor)
    with patch.object(QMessageBox, "question", return_value=QMessageBox.StandardButton.Yes):
        assert editor.sign_note()
    assert clinic.notes.get(note_id).is_signed


def test_the_confirmation_names_the_clients_open_risk_flag(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory
) -> None:
    measures = MeasureStore(clinic.open_vault, "UTC")
    phq9 = bundled_instruments().get("phq9")
    assert phq9 is not None
    flagged = measures.save(
        clinic.client_id,
        phq9,
        PHQ9_ANSWERS,
        administered_at=datetime(2026, 2, 20, 15, 0, tzinfo=ZoneInfo("UTC")),
    )
    note_id = clinic.note(parse_template(MINI), {"mood": "Settled", "readiness": 6})
    editor = make_editor(note_id, measures=measures)
    with patch.object(
        QMessageBox, "question", return_value=QMessageBox.StandardButton.Cancel
    ) as ask:
        assert not editor.sign_note()
    text = ask.call_args.args[2]
    assert "open risk flag" in text
    assert "PHQ-9 of 20 Feb 2026: Suicide-risk flag: item 9 answered above 0" in text

    measures.acknowledge(flagged.id, "Safety plan reviewed; no intent (fictional).")
    with patch.object(QMessageBox, "question", return_value=QMessageBox.StandardButton.Yes) as ask:
        assert editor.sign_note()
    assert "risk flag" not in ask.call_args.args[2]


def test_an_addendum_is_signed_only_after_confirming(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory
) -> None:
    note_id = clinic.note(parse_template(MINI), {"mood": "Settled", "readiness": 6})
    editor = make_editor(note_id)
    with patch.object(QMessageBox, "question", return_value=QMessageBox.StandardButton.Yes):
        assert editor.sign_note()
    qtbot.keyClicks(editor.addendum_edit, "Called the next day: sleeping well.")
    with patch.object(
        QMessageBox, "question", return_value=QMessageBox.StandardButton.Cancel
    ) as ask:
        click(qtbot, editor.addendum_button)
    assert "Sign this addendum now as Dr Ada Quill, PsyD?" in ask.call_args.args[2]
    assert clinic.notes.get(note_id).addenda == ()
    assert editor.addendum_edit.toPlainText() == "Called the next day: sleeping well."  # kept

    with (
        patch.object(QMessageBox, "question", return_value=QMessageBox.StandardButton.Yes),
        qtbot.waitSignal(editor.addendum_added, timeout=3000),
    ):
        click(qtbot, editor.addendum_button)
    (addendum,) = clinic.notes.get(note_id).addenda
    assert addendum.text == "Called the next day: sleeping well."
    badge = editor.addendum_card.findChild(QLabel, "addendumBadge")
    assert badge is not None and badge.text() == "✓ Signature verified"
    assert addendum.content_hash in badge.toolTip()


def test_a_signature_that_no_longer_matches_is_shown_as_a_warning(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    note_id = clinic.note(parse_template(MINI), {"mood": "Settled", "readiness": 6})
    clinic.notes.sign(note_id)
    # As if the file had been altered behind the app's back (the triggers stop the app).
    monkeypatch.setattr(clinic.notes, "verify_signature", lambda _nid: False)
    editor = make_editor(note_id)
    assert editor.verified_badge.text() == "⚠ Content does not match its signature"
    assert "kapnotes verify" in editor.verified_badge.toolTip()
    assert editor.verified_badge.property("role") == "signature-mismatch"


def _pixel(editor: NoteEditor, widget: QWidget, x: int) -> QColor:
    """The colour on screen at ``x`` px into ``widget``, half-way down."""
    image = editor.grab().toImage()
    spot = widget.mapTo(editor, QPoint(x, widget.height() // 2))
    return image.pixelColor(spot)


def test_a_signed_note_shows_values_without_input_boxes_or_focus_ring(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory
) -> None:
    note_id = clinic.note(parse_template(TIMED), {"mood": "Settled"})
    editor = make_editor(note_id)
    mood = editor.widgets["mood"]
    assert isinstance(mood, ShortTextWidget)
    card = editor.section_cards["main"]
    card_colour = _pixel(editor, card, 4)
    assert _pixel(editor, mood.edit, 4) != card_colour  # a draft: an input box

    with patch.object(QMessageBox, "question", return_value=QMessageBox.StandardButton.Yes):
        assert editor.sign_note()
    qtbot.wait(20)  # the new style's layout settles
    assert _pixel(editor, mood.edit, 4) == card_colour  # signed: the value on the card
    unfocused = mood.edit.grab().toImage()
    mood.edit.setFocus()
    qtbot.waitUntil(mood.edit.hasFocus)
    assert mood.edit.grab().toImage() == unfocused  # no focus ring either
    notes = editor.widgets["notes"]
    assert isinstance(notes, LongTextWidget)
    assert notes.edit.placeholderText() == "—"  # empty, said plainly
    assert notes.edit.height() < 60  # not an empty box


def test_a_rejected_number_never_erases_the_value_saved_before(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory
) -> None:
    note_id = clinic.note(parse_template(EVERY_TYPE), {"number": 40})
    editor = make_editor(note_id)
    widget = editor.widgets["number"]
    assert isinstance(widget, NumberWidget)
    widget.edit.selectAll()
    qtbot.keyClicks(widget.edit, "two")
    assert widget.issue.property("role") == "field-error"
    assert "not saved" in editor.status_label.text() and "kept" in editor.status_label.text()
    assert editor.flush()  # as closing the window does
    assert clinic.notes.get(note_id).values["number"] == 40
    with patch.object(QMessageBox, "question") as ask:
        assert not editor.sign_note()  # never signed behind a red field
    ask.assert_not_called()
    assert editor.status_label.text().startswith("Not signed:")
    assert not clinic.notes.get(note_id).is_signed

    widget.edit.setText("5000")  # pasted, out of range: rejected the same way
    assert editor.flush()
    assert clinic.notes.get(note_id).values["number"] == 40

    widget.edit.clear()
    widget.set_value(40)
    qtbot.keyClicks(widget.edit, "5000")  # "5", "50", "500" are numbers it takes on the way
    qtbot.wait(120)  # the autosave (50 ms here) may run on the way
    assert editor.flush()
    assert clinic.notes.get(note_id).values["number"] == 40  # from before the typing
    assert "not saved" in editor.status_label.text()  # not "Saved", which would hide it

    widget.edit.selectAll()
    qtbot.keyClicks(widget.edit, "45")
    qtbot.waitUntil(lambda: clinic.notes.get(note_id).values.get("number") == 45)
    assert editor.status_label.text().startswith("Saved")

    widget.edit.clear()  # emptied on purpose: stored as empty
    assert editor.flush()
    assert clinic.notes.get(note_id).values.get("number") is None


def test_the_apps_own_log_rows_cannot_be_edited_in_the_note(
    qtbot: QtBot, clinic: Clinic, make_editor: EditorFactory
) -> None:
    """An alert line the app wrote: the vault refuses a change to it, so the table
    offers none (typing over it left a note that could not be saved or closed)."""
    editor = make_editor(clinic.note(parse_template(EVERY_TYPE)))
    log = editor.widgets["observation_log"]
    assert isinstance(log, LogWidget)
    log.model.set_rows(
        [
            {"time": "10:40", "text": "ALERT: Desaturation", ORIGIN_KEY: APP_ORIGIN},
            {"time": "10:41", "text": "Breathing deeply, SpO2 back to 96"},
        ]
    )
    text_column = next(i for i, c in enumerate(log.model.columns) if c.id == "text")
    editable = Qt.ItemFlag.ItemIsEditable
    assert not log.model.flags(log.model.index(0, text_column)) & editable
    assert log.model.flags(log.model.index(1, text_column)) & editable
