"""`NoteEditor`: the form a note's template describes, autosaved, signed, amended.

The form is generated from the template snapshot stored with the note, so an
old note renders with the template it was written with. Every change schedules
a save (a single-shot timer, 400 ms by default) and log entries are written as
note events the moment they are added; there is no Save button. Signing checks
what is still missing and which times do not add up (shown inline, first one
focused), asks once (naming any open risk flag of the client), then freezes
every input and shows the signature with a "Signature verified" badge (the
SHA-256 itself on demand); addenda go below, each signed after a confirmation.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from functools import cache, partial
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.instruments import LoadedInstruments, load_instruments
from kapnotes.domain.note_times import NoteTimes
from kapnotes.domain.templates import (
    AnyField,
    ChecklistField,
    DateField,
    InstrumentField,
    IntegerField,
    LogField,
    LongTextField,
    MultiChoiceField,
    NarrativeLayout,
    NoteLinkField,
    NumberField,
    ScaleField,
    Section,
    ShortTextField,
    SingleChoiceField,
    TemplateSpec,
    TimeField,
    YesNoField,
    evaluate_computed,
    evaluate_condition,
    linked_note_values,
    missing_for_signing,
    section_visible,
    visible_items,
)
from kapnotes.domain.timeline import INSTANTS_KEY, as_utc
from kapnotes.session import NoteDraft
from kapnotes.session.signing import TimeProblem, open_risk_flags, time_problems
from kapnotes.store.measures import MeasureStore
from kapnotes.store.notes import (
    EVENT_KEY,
    InconsistentTimesError,
    MissingFieldsError,
    NewEntry,
    NoteRecord,
    NoteStore,
    SignedNoteError,
    event_data,
)
from kapnotes.ui.editor.fields import (
    ChecklistWidget,
    DateWidget,
    FieldWidget,
    LongTextWidget,
    MultiChoiceWidget,
    NoteLinkWidget,
    NumberWidget,
    ScaleWidget,
    ShortTextWidget,
    SingleChoiceWidget,
    TimeWidget,
    YesNoWidget,
    words_of,
)
from kapnotes.ui.editor.instrument import InstrumentWidget
from kapnotes.ui.editor.log_table import LogWidget
from kapnotes.ui.editor.style import editor_style_sheet
from kapnotes.ui.errors import log_failure
from kapnotes.ui.widgets import Card, label, set_role

log = logging.getLogger(__name__)

AUTOSAVE_MS = 400


@cache
def bundled_instruments() -> LoadedInstruments:
    """The instruments shipped with the app (read once)."""
    return load_instruments()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def format_stamp(moment: datetime) -> str:
    """A stored UTC time as local ``YYYY-MM-DD HH:MM``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


class NoteEditor(QWidget):
    """The generated form of one note.

    Signals: `saved(str)` with the time saved, `signed(str)` with the content
    hash, `addendum_added(str)` with the addendum id, `status_changed(str)`.
    ``styled=False`` leaves the editor's style sheet (editor.qss) to the window it
    is made in (``parent``), which must carry it already: :class:`NoteWindow` does.
    """

    saved = Signal(str)
    measures_changed = Signal(int)
    signed = Signal(str)
    addendum_added = Signal(str)
    status_changed = Signal(str)

    def __init__(
        self,
        note_store: NoteStore,
        note_id: str,
        spec: TemplateSpec | None = None,
        context: Mapping[str, Any] | None = None,
        layout: NarrativeLayout = NarrativeLayout.SOAP,
        *,
        instruments: LoadedInstruments | None = None,
        autosave_ms: int = AUTOSAVE_MS,
        now: Callable[[], datetime] = _utc_now,
        measures: MeasureStore | None = None,
        styled: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("noteEditor")
        self.store = note_store
        self.note_id = note_id
        self.record: NoteRecord = note_store.get(note_id)
        # The read-only look of a signed note is editor.qss's, keyed on this property.
        self.setProperty("signed", self.record.is_signed)
        # editor.qss on the editor itself, or (styled=False) on the window it is put in,
        # set there before the editor is built: every widget of a note is then polished
        # once, as it is shown, not again each time its tree moves under another sheet.
        self._styled = styled
        if styled:
            self.setStyleSheet(editor_style_sheet())
        self.spec = spec or TemplateSpec.model_validate(self.record.template_snapshot)
        self.context: dict[str, Any] = dict(context or {})
        self.layout_kind = NarrativeLayout(layout)
        self._instruments = instruments or bundled_instruments()
        self._measures = measures
        self._now = now
        # Times, measures and saving: the session layer's side of this note.
        self.draft = NoteDraft(
            note_store,
            self.record,
            self.spec,
            measures=measures,
            instruments=self._instruments,
        )
        self.times: NoteTimes | None = None
        self.widgets: dict[str, FieldWidget] = {}
        self.section_cards: dict[str, Card] = {}
        self._section_of: dict[str, Section] = {}
        self._values: dict[str, Any] = {}
        self._event_data: dict[str, dict[str, Any]] = {
            e.id: event_data(e.data) for e in self.record.events
        }
        self._new_entries: list[NewEntry] = []  # written with the next save
        self._added_here: set[str] = set()  # rows still being typed in this editor
        self._dirty = False
        self._loading = True

        self.save_timer = QTimer(self)
        self.save_timer.setObjectName("autosaveTimer")
        self.save_timer.setSingleShot(True)
        self.save_timer.setInterval(autosave_ms)
        self.save_timer.timeout.connect(self.flush)

        self._build()
        self._load_values()
        self._loading = False
        self._refresh()
        self._apply_signed_state()

    # -- construction --------------------------------------------------------------

    def _build(self) -> None:
        self.status_label = QLabel("")
        self.status_label.setObjectName("saveStatus")
        # A long message (why a field was not saved) wraps: it never widens the window.
        self.status_label.setWordWrap(True)
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        set_role(self.status_label, "muted")
        self.sign_button = QPushButton("Sign note…")
        self.sign_button.setObjectName("signButton")
        self.sign_button.setProperty("role", "primary")
        self.sign_button.setToolTip("Sign this note (Ctrl+Shift+S); it becomes read-only")
        self.sign_button.clicked.connect(self.sign_note)
        self.sign_shortcut = QShortcut(QKeySequence("Ctrl+Shift+S"), self)
        self.sign_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.sign_shortcut.activated.connect(self.sign_note)
        bar = QHBoxLayout()
        bar.setContentsMargins(24, 10, 24, 6)
        self.required_hint = label("•  required to sign", "caption")
        bar.addWidget(self.required_hint)
        bar.addStretch(1)
        bar.addWidget(self.status_label)
        bar.addSpacing(12)
        bar.addWidget(self.sign_button)

        # what is missing for signing (inline, not modal)
        self.missing_panel = QFrame()
        self.missing_panel.setObjectName("missingPanel")
        self.missing_panel.setProperty("role", "missing")
        missing_lay = QVBoxLayout(self.missing_panel)
        missing_lay.setContentsMargins(16, 10, 16, 10)
        missing_lay.setSpacing(2)
        self.missing_title = label("", "subheading", wrap=True)
        missing_lay.addWidget(self.missing_title)
        self.missing_list = QGridLayout()
        self.missing_list.setHorizontalSpacing(24)
        self.missing_list.setVerticalSpacing(0)
        missing_lay.addLayout(self.missing_list)
        self.missing_panel.hide()
        self.missing_labels: list[str] = []

        # signature banner
        self.signature_banner = QFrame()
        self.signature_banner.setObjectName("signatureBanner")
        self.signature_banner.setProperty("role", "signature")
        banner_lay = QVBoxLayout(self.signature_banner)
        banner_lay.setContentsMargins(16, 10, 16, 10)
        banner_lay.setSpacing(2)
        self.signature_label = label("", "subheading", wrap=True)
        self.signature_label.setObjectName("signatureText")
        self.verified_badge = label("", "verified")
        self.verified_badge.setObjectName("signatureBadge")
        self.hash_toggle = QPushButton("Show SHA-256")
        self.hash_toggle.setObjectName("hashToggle")
        self.hash_toggle.setProperty("role", "link")
        self.hash_toggle.setCursor(Qt.CursorShape.PointingHandCursor)
        self.hash_toggle.clicked.connect(self._toggle_hash)
        badge_row = QHBoxLayout()
        badge_row.setSpacing(10)
        badge_row.addWidget(self.signature_label, 1)
        badge_row.addWidget(self.verified_badge, 0, Qt.AlignmentFlag.AlignVCenter)
        badge_row.addWidget(self.hash_toggle, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hash_label = label("", "caption", wrap=True)
        self.hash_label.setObjectName("signatureHash")
        self.hash_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hash_label.hide()
        banner_lay.addLayout(badge_row)
        banner_lay.addWidget(self.hash_label)
        self.signature_banner.hide()

        # Built from the top down: the scroll area and its page are in place (in the
        # window, under its style sheet) before the cards, and each card before its
        # fields, so every widget joins its final tree once. Built from the bottom up,
        # each field's widgets moved under a new parent five times, and each move made Qt
        # work out their fonts, palettes and style-sheet rules again.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addLayout(bar)
        self.scroll_area = QScrollArea()  # named before it is styled: editor.qss names it
        self.scroll_area.setObjectName("editorScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        inner.setObjectName("editorInner")
        self.scroll_area.setWidget(inner)
        outer.addWidget(self.scroll_area, 1)
        column = QVBoxLayout(inner)
        column.setContentsMargins(24, 8, 24, 24)
        column.setSpacing(16)
        column.addWidget(self.signature_banner)
        column.addWidget(self.missing_panel)
        for section in self.spec.sections:
            column.addWidget(self._section_card(section, inner))
        column.addWidget(self._addendum_card(inner))
        column.addStretch(1)
        self._set_tab_order()

    def _section_card(self, section: Section, page: QWidget) -> Card:
        card = Card(page, margins=20, spacing=14)
        card.setObjectName(f"section_{section.id}")
        title = label(section.title, "section-title")
        card.body.addWidget(title)
        if section.help:
            card.body.addWidget(label(section.help, "caption", wrap=True))
        fields: tuple[AnyField, ...] = (
            *section.fields,
            *section.narrative_fields(self.layout_kind),
        )
        for field in fields:
            widget = self._make_widget(field, card)  # made in place: see _build
            widget.changed.connect(lambda fid=field.id: self._on_changed(fid))
            self.widgets[field.id] = widget
            self._section_of[field.id] = section
            card.body.addWidget(widget)
        self.section_cards[section.id] = card
        return card

    def _make_widget(self, field: AnyField, card: Card) -> FieldWidget:
        if isinstance(field, ShortTextField):
            return ShortTextWidget(field, card)
        if isinstance(field, LongTextField):
            return LongTextWidget(field, card)
        if isinstance(field, NumberField | IntegerField):
            return NumberWidget(field, card)
        if isinstance(field, SingleChoiceField):
            return SingleChoiceWidget(field, card)
        if isinstance(field, MultiChoiceField):
            return MultiChoiceWidget(field, card)
        if isinstance(field, ChecklistField):
            return ChecklistWidget(field, card)
        if isinstance(field, ScaleField):
            return ScaleWidget(field, card)
        if isinstance(field, DateField):
            return DateWidget(field, card)
        if isinstance(field, TimeField):
            return TimeWidget(
                field, card, clock=lambda: self.draft.timeline.local(self._instant()).time()
            )
        if isinstance(field, YesNoField):
            return YesNoWidget(field, card)
        if isinstance(field, InstrumentField):
            return InstrumentWidget(field, self._instruments.get(field.instrument_id), card)
        if isinstance(field, NoteLinkField):
            return NoteLinkWidget(field, self._link_choices(field), card)
        if isinstance(field, LogField):
            widget = LogWidget(field, card)
            widget.entry_added.connect(lambda _row, w=widget: self._add_entry(w))
            return widget
        raise TypeError(f"no widget for field type {field.type}")  # pragma: no cover

    def _addendum_card(self, page: QWidget) -> Card:
        self.addendum_card = Card(page, margins=20, spacing=10)
        self.addendum_card.setObjectName("addendumCard")
        self.addendum_card.body.addWidget(label("Addenda", "section-title"))
        self.addendum_card.body.addWidget(
            label(
                "A signed note is not edited; corrections and additions are signed addenda.",
                "caption",
                wrap=True,
            )
        )
        self.addenda_list = QVBoxLayout()
        self.addenda_list.setSpacing(8)
        self.addendum_card.body.addLayout(self.addenda_list)
        self.addendum_edit = QPlainTextEdit()
        self.addendum_edit.setObjectName("addendumEdit")
        self.addendum_edit.setPlaceholderText("Write an addendum…")
        self.addendum_edit.setTabChangesFocus(True)
        self.addendum_edit.setFixedHeight(90)
        self.addendum_button = QPushButton("Sign addendum")
        self.addendum_button.setObjectName("signAddendumButton")
        self.addendum_button.setProperty("role", "primary")
        self.addendum_button.clicked.connect(self.sign_addendum)
        self.addendum_card.body.addWidget(self.addendum_edit)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.addendum_button)
        self.addendum_card.body.addLayout(row)
        self.addendum_card.hide()
        return self.addendum_card

    def _set_tab_order(self) -> None:
        # From the page (focused as a note opens) Tab goes to the first input; Sign note…
        # comes after the fields it signs.
        chain: list[QWidget] = [self.scroll_area]
        for widget in self.widgets.values():
            chain.extend(widget.focus_widgets())
        chain += [self.addendum_edit, self.addendum_button, self.sign_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    # -- values ----------------------------------------------------------------------

    def _load_values(self) -> None:
        values = dict(self.record.values)
        if not self.record.is_signed:
            for field in self.spec.fields():
                if field.id not in values and field.default is not None:
                    values[field.id] = field.default
            date_widget = self.widgets.get("session_date")
            if isinstance(date_widget, DateWidget) and values.get("session_date") is None:
                values["session_date"] = self.record.session_date.isoformat()
        self._values = values
        for field_id, widget in self.widgets.items():
            if isinstance(widget.field, NoteLinkField):
                self._update_linked(values.get(field_id))
            widget.set_value(values.get(field_id))
        if values != self.record.values and not self.record.is_signed:
            self._dirty = True
            self.save_timer.start()

    def values(self) -> dict[str, Any]:
        """The note's values as they would be saved (computed fields filled in, clock times
        placed on the session's timeline, T+ from the first dose)."""
        placed, self.times = self.draft.prepare(self._values, self.context)
        return placed

    def _link_choices(self, field: NoteLinkField) -> list[tuple[str, str]]:
        choices: list[tuple[str, str]] = []
        try:
            ids = self.store.notes_for_course(self.record.course_id)
        except Exception as exc:  # pragma: no cover - a read failure leaves the list empty
            log_failure(log, "could not list the course's notes", exc)
            return choices
        for other_id in ids:
            if other_id == self.note_id:
                continue
            other = self.store.get(other_id)
            phase = other.template_snapshot.get("phase", other.kind)
            if phase != field.link_phase and other.kind != field.link_phase:
                continue
            title = other.template_snapshot.get("title", other.kind)
            state = other.status.value
            choices.append((other.id, f"{title} · {other.session_date.isoformat()} ({state})"))
        return choices

    def _update_linked(self, note_id: Any) -> None:
        if not isinstance(note_id, str):
            self.context.pop("linked", None)
            return
        try:
            other = self.store.get(note_id)
        except KeyError:
            self.context.pop("linked", None)
            return
        self.context["linked"] = linked_note_values(other.id, other.session_date, other.kind)

    def _on_changed(self, field_id: str) -> None:
        if self._loading or self.record.is_signed:
            return
        widget = self.widgets[field_id]
        if isinstance(widget.field, TimeField):
            widget.reject(self.draft.time_problem(widget.value()))
            if widget.rejection() is not None:
                self.show_rejection()
                return  # not stored: the time cannot be placed on the session's day
        if widget.rejection() is not None:
            # Not stored: the value from before the typing stays (typing "two" or "500"
            # over 3 never erases it, nor leaves the "50" typed on the way).
            kept = widget.kept_value()
            if self._values.get(field_id) != kept:
                self._values[field_id] = kept
                self.schedule_save()
            self.show_rejection()
            return
        self._values[field_id] = widget.value()
        if isinstance(widget.field, NoteLinkField):
            self._update_linked(self._values[field_id])
        if self.missing_panel.isVisible():
            self.missing_panel.hide()
        self._refresh()
        self.schedule_save()

    def _refresh(self) -> None:
        """Visibility (show_if), computed fields and checklist items for the current values."""
        filled = self.values()
        for section in self.spec.sections:
            card = self.section_cards[section.id]
            card.setVisible(section_visible(section, filled, self.context))
        for field_id, widget in self.widgets.items():
            field = widget.field
            if field.show_if is not None:
                widget.setVisible(evaluate_condition(field.show_if, filled, self.context))
            if isinstance(field, ChecklistField) and isinstance(widget, ChecklistWidget):
                widget.show_items([i.value for i in visible_items(field, filled, self.context)])
            if field.computed is not None:
                result = evaluate_computed(field.computed, filled, self.context)
                if field.allow_manual:
                    widget.set_read_only(result is not None or self.record.is_signed)
                    if result is not None:
                        widget.set_value(result)
                else:
                    widget.set_read_only(True)
                    widget.set_value(filled.get(field_id))
            if isinstance(widget, LogWidget):
                rows = filled.get(field_id)
                widget.model.time_display = self._time_display(field_id)
                widget.model.time_check = self.draft.time_problem
                widget.model.set_rows(rows if isinstance(rows, list) else [])

    # -- saving ----------------------------------------------------------------------

    def schedule_save(self) -> None:
        """Save soon: at most `autosave_ms` after the first unsaved change.

        The timer is not restarted by further typing, so steady typing is still
        saved every fraction of a second (a restarting debounce would wait for a pause).
        """
        if self.record.is_signed:
            return
        self._dirty = True
        self._set_status("Saving…")
        if not self.save_timer.isActive():
            self.save_timer.start()

    @property
    def has_unsaved_changes(self) -> bool:
        """Whether a change waits for the autosave timer."""
        return self._dirty

    def flush(self) -> bool:
        """Write pending changes now; False when saving failed."""
        self.save_timer.stop()
        if not self._dirty or self.record.is_signed:
            return True
        payload = self.values()
        fills, corrections = self._changed_entries(payload)
        try:
            saved = self.draft.save(
                payload,
                context=self.context,
                new_entries=self._new_entries,
                corrections=corrections,
                fills=fills,
                prepared=True,
            )
        except SignedNoteError:
            self._dirty = False
            self.reload()
            return False
        except Exception as exc:
            log_failure(log, "autosave failed", exc)
            self._set_status(self.draft.why_not_saved(exc), error=True)
            return False
        for event_id, data in (fills | corrections).items():
            self._event_data[event_id] = data
        for entry in self._new_entries:
            self._event_data[entry.id] = dict(entry.data)
        self._new_entries = []
        self._dirty = False
        self._adopt(saved.values)
        stamp = self.draft.timeline.local(self._instant()).strftime("%H:%M:%S")
        if not self.show_rejection():  # "Saved" would hide that one field was not
            self._set_status(f"Saved {stamp}")
        self.saved.emit(stamp)
        if saved.measures_changed:
            self.measures_changed.emit(saved.measures_changed)
        return True

    def _adopt(self, stored: Mapping[str, Any]) -> None:
        """Keep what was stored: log rows with their instants and T+ (edits since stay)."""
        for field_id, widget in self.widgets.items():
            if isinstance(widget, LogWidget) and isinstance(stored.get(field_id), list):
                self._values[field_id] = stored[field_id]
                widget.model.set_rows(stored[field_id])
        if INSTANTS_KEY in stored:
            self._values[INSTANTS_KEY] = stored[INSTANTS_KEY]

    def _time_display(self, log_id: str) -> Callable[[int, str], str | None]:
        """How the log's clock times read: with their zone where the session crosses a change."""

        def show(row: int, column: str) -> str | None:
            times = self.times
            if times is None or not times.timeline.show_zone:
                return None
            instant = times.row(log_id, row, column)
            return None if instant is None else times.timeline.clock(instant)

        return show

    def _changed_entries(
        self, payload: Mapping[str, Any]
    ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
        """Log rows edited since last saved: (filled in while new, corrected afterwards).

        A row added in this editor is still being typed: its edits complete the
        entry. A row that was already there when the note was opened is corrected:
        the store keeps its first version.
        """
        fills: dict[str, dict[str, Any]] = {}
        corrections: dict[str, dict[str, Any]] = {}
        pending = {entry.id for entry in self._new_entries}
        for field_id, widget in self.widgets.items():
            if not isinstance(widget, LogWidget):
                continue
            rows = payload.get(field_id)
            for row in rows if isinstance(rows, list) else []:
                event_id = row.get(EVENT_KEY) if isinstance(row, dict) else None
                if not isinstance(event_id, str) or event_id in pending:
                    continue
                data = event_data(row)
                if self._event_data.get(event_id) != data:
                    target = fills if event_id in self._added_here else corrections
                    target[event_id] = data
        return fills, corrections

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status_label.setText(text)
        set_role(self.status_label, "field-error" if error else "muted")
        self.status_changed.emit(text)

    def _local_time(self) -> time:
        """Now on the note's clock (its clinic's zone)."""
        return self.draft.timeline.local(self._instant()).time()

    def _instant(self) -> datetime:
        """Now, as an instant (a test clock's naive reading is the note's wall clock)."""
        now = self._now()
        if now.tzinfo is None:
            now = now.replace(tzinfo=self.draft.timeline.zone)
        return as_utc(now)

    def _add_entry(self, widget: LogWidget) -> None:
        """Append a row stamped with the real instant now and write it as an event now."""
        if self.record.is_signed:
            return
        row, entry = self.draft.stamp(widget.log_field, self._values, self._instant())
        at = widget.model.append_row(row)
        widget.model.set_cell(at, EVENT_KEY, entry.id)
        self._new_entries.append(entry)
        self._added_here.add(entry.id)
        self._values[widget.log_field.id] = widget.value()
        self._refresh()
        self._dirty = True
        if not self.flush():
            return
        editable = [
            c.id
            for c in widget.log_field.columns
            if c.id not in row and (c.computed is None or c.allow_manual)
        ]
        if editable:
            widget.edit_cell(at, editable[0])

    # -- signing -----------------------------------------------------------------------

    def missing(self) -> list[str]:
        """What must still be filled in before signing."""
        return missing_for_signing(self.spec, self._values, self.layout_kind, self.context)

    def sign_note(self) -> bool:
        """Sign after checking required fields and asking once; True when signed."""
        if self.record.is_signed:
            return False
        if not self.flush():
            return False
        if self.show_rejection("Not signed"):  # it shows what is not stored: never sign behind it
            return False
        gaps = self.missing()
        if gaps:
            self._show_missing(gaps)
            return False
        self.values()  # the note's instants as they are saved
        problems = time_problems(self.spec, self.times) if self.times is not None else []
        if problems:
            self._show_time_problems(problems)
            return False
        self.missing_panel.hide()
        if not self._confirm_signing():
            return False
        try:
            digest = self.store.sign(self.note_id, layout=self.layout_kind)
        except MissingFieldsError as exc:  # the vault's own check (same rule, stored values)
            self._show_missing(list(exc.missing))
            return False
        except InconsistentTimesError as exc:
            self._show_time_problems(
                [
                    TimeProblem(text, c.field_label)
                    for text, c in zip(exc.problems, exc.conflicts, strict=True)
                ]
            )
            return False
        except Exception as exc:
            log_failure(log, "signing failed", exc)
            self._set_status(self.draft.why_not_signed(exc), error=True)
            return False
        self.reload()
        self.signed.emit(digest)
        return True

    def _confirm_signing(self) -> bool:
        """Ask once, saying who signs and naming every open risk flag of the client."""
        text = (
            f"Sign this note now as {self.store.signer()}?\n\nA signed note is read-only;"
            " later corrections are added as signed addenda."
        )
        try:
            flags = open_risk_flags(self._measures, self.record.client_id, self._instruments)
        except Exception as exc:  # a read failure must not hide the question itself
            log_failure(log, "could not read the client's risk flags", exc)
            flags = []
        if flags:
            one = len(flags) == 1
            text += (
                f"\n\nThis client has {'an open risk flag' if one else 'open risk flags'}"
                " that no clinician has acknowledged yet:\n"
                + "\n".join(f"  •  {line}" for line in flags)
                + "\n\nAcknowledge "
                + ("it" if one else "them")
                + " on the client page with what was done."
            )
        answer = QMessageBox.question(
            self,
            "Sign note",
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _show_time_problems(self, problems: list[TimeProblem]) -> None:
        count = len(problems)
        self._show_missing(
            [p.message for p in problems],
            title=f"Not signed yet: {count} time{'s' if count != 1 else ''} "
            f"{'do' if count != 1 else 'does'} not add up",
            targets=[p.field_label for p in problems],
        )

    def _show_missing(
        self, gaps: list[str], *, title: str | None = None, targets: list[str] | None = None
    ) -> None:
        """List what stops signing; each line is a link to its field (``targets``: the field
        labels to focus, by default the lines themselves)."""
        self.missing_labels = list(gaps)
        goals = targets if targets is not None else gaps
        while self.missing_list.count():
            item = self.missing_list.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                old.hide()
                old.deleteLater()
        count = len(gaps)
        self.missing_title.setText(
            title or f"Not signed yet: {count} item{'s' if count != 1 else ''} still to fill in"
        )
        columns = 1 if count <= 4 else 2 if count <= 10 else 3
        rows = -(-count // columns)
        for position, (gap, goal) in enumerate(zip(gaps, goals, strict=True)):
            link = QPushButton(f"•  {gap}")
            link.setProperty("role", "link")
            link.setCursor(Qt.CursorShape.PointingHandCursor)
            link.setStyleSheet("text-align: left; text-decoration: none;")
            link.clicked.connect(lambda _c=False, g=goal: self.focus_label(g))
            self.missing_list.addWidget(link, position % rows, position // rows)
            link.setVisible(True)
        self.missing_panel.show()
        self.scroll_area.verticalScrollBar().setValue(0)
        self.focus_label(goals[0])

    def widget_for_label(self, text: str) -> FieldWidget | None:
        """The visible field a missing-for-signing label names."""
        for widget in self.widgets.values():
            lbl = widget.field.label
            if (text == lbl or text.startswith(f"{lbl} (row")) and not widget.isHidden():
                return widget
        return None

    def focus_label(self, text: str) -> None:
        """Scroll to and focus the field a label names."""
        widget = self.widget_for_label(text)
        if widget is None:
            return
        self.scroll_area.ensureWidgetVisible(widget, 50, 80)
        widget.focus_input()

    def reload(self) -> None:
        """Read the note again (after signing or an addendum) and show its state."""
        self.record = self.store.get(self.note_id)
        self._apply_signed_state()

    def _apply_signed_state(self) -> None:
        signed = self.record.is_signed
        if self.property("signed") != signed:  # just signed: restyle as read-only
            self.setProperty("signed", signed)
            (self if self._styled else self.window()).setStyleSheet(editor_style_sheet())
        if signed:
            self.save_timer.stop()
            self._dirty = False
            for widget in self.widgets.values():
                widget.set_read_only(True)
            self.sign_button.hide()
            self.required_hint.hide()
            self.missing_panel.hide()
            when = format_stamp(self.record.signed_at) if self.record.signed_at else ""
            self.signature_label.setText(
                f"✓  Signed by {self.record.signed_by or 'unknown'} on {when}"
            )
            self._show_verification()
            self.signature_banner.show()
            self._set_status("Signed · read-only")
            self._show_addenda()
            self.addendum_card.show()
        else:
            self.signature_banner.hide()
            self.addendum_card.hide()
            if not self._dirty:
                self._set_status("All changes saved")

    def _verified(self, check: Callable[[], bool]) -> bool:
        try:
            return check()
        except Exception as exc:  # an unreadable note is not a verified one
            log_failure(log, "could not verify a signature", exc)
            return False

    def _show_verification(self) -> None:
        """The badge: "Signature verified" when the content still matches its SHA-256, a
        warning when it does not; the hash itself in the tooltip and behind "Show SHA-256"."""
        digest = self.record.content_hash or ""
        ok = self._verified(lambda: self.store.verify_signature(self.note_id))
        self.signature_verified = ok
        if ok:
            self.verified_badge.setText("✓ Signature verified")
            self.verified_badge.setToolTip(
                f"The note's content matches the SHA-256 recorded when it was signed:\n{digest}"
            )
        else:
            self.verified_badge.setText("⚠ Content does not match its signature")
            self.verified_badge.setToolTip(
                "The note was changed after it was signed (or cannot be read). Run "
                "'kapnotes verify' and tell the clinic's administrator.\n"
                f"Recorded SHA-256: {digest}"
            )
        set_role(self.verified_badge, "verified" if ok else "signature-mismatch")
        self.hash_label.setText(f"Content hash (SHA-256): {digest}")

    def _toggle_hash(self) -> None:
        self.show_hash(not self.hash_label.isVisible())

    def show_hash(self, shown: bool) -> None:
        """Show (or hide) the note's SHA-256 under the signature."""
        self.hash_label.setVisible(shown)
        self.hash_toggle.setText("Hide SHA-256" if shown else "Show SHA-256")

    def _show_addenda(self) -> None:
        while self.addenda_list.count():
            item = self.addenda_list.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                old.hide()
                old.deleteLater()
        for addendum in self.record.addenda:
            frame = QFrame()
            frame.setProperty("role", "addendum")
            frame.setObjectName(f"addendum_{addendum.id}")
            lay = QVBoxLayout(frame)
            lay.setContentsMargins(12, 8, 12, 8)
            lay.setSpacing(4)
            lay.addWidget(
                label(
                    f"Addendum · {format_stamp(addendum.created_at)} · {addendum.author}",
                    "subheading",
                    wrap=True,
                )
            )
            body = label(addendum.text, None, wrap=True)
            body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            lay.addWidget(body)
            ok = self._verified(partial(self.store.verify_addendum, addendum.id))
            badge = label(
                "✓ Signature verified" if ok else "⚠ Content does not match its signature",
                "verified" if ok else "signature-mismatch",
            )
            badge.setObjectName("addendumBadge")
            badge.setToolTip(f"SHA-256: {addendum.content_hash}")
            row = QHBoxLayout()
            row.addWidget(badge)
            row.addStretch(1)
            lay.addLayout(row)
            self.addenda_list.addWidget(frame)
            frame.setVisible(True)

    @property
    def addendum_texts(self) -> list[str]:
        """The addenda shown, oldest first."""
        return [a.text for a in self.record.addenda]

    def sign_addendum(self) -> bool:
        """Append the addendum typed (signed notes only) after asking once; True when stored."""
        text = self.addendum_edit.toPlainText().strip()
        if not self.record.is_signed or not text:
            return False
        answer = QMessageBox.question(
            self,
            "Sign addendum",
            f"Sign this addendum now as {self.store.signer()}?\n\nIt is appended below the "
            "note with the date and time, and cannot be changed or removed afterwards.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            addendum_id = self.store.add_addendum(self.note_id, text)
        except Exception as exc:
            log_failure(log, "addendum failed", exc)
            self._set_status("Addendum not saved", error=True)
            return False
        self.addendum_edit.clear()
        self.reload()
        self.addendum_added.emit(addendum_id)
        return True

    # -- search ----------------------------------------------------------------------

    def highlight(self, query: str) -> str | None:
        """Select the first visible field text matching `query`; returns that field's id."""
        words = words_of(query)
        if not words:
            return None
        for field_id, widget in self.widgets.items():
            if widget.isHidden() or self._card_hidden(field_id):
                continue
            if widget.highlight(words):
                self._show_hit(widget)
                # once the window is laid out (it may just have opened), scroll again
                QTimer.singleShot(0, self, lambda w=widget: self._show_hit(w))
                return field_id
        return None

    def first_rejection(self) -> tuple[FieldWidget, str] | None:
        """The first field shown whose typed text is rejected (red, not stored), and why."""
        for field_id, widget in self.widgets.items():
            why = widget.rejection()
            if why is not None and not widget.isHidden() and not self._card_hidden(field_id):
                return widget, why
        return None

    def show_rejection(self, doing: str | None = None) -> bool:
        """Say in the status line which field shown is rejected and why; True if one is.

        ``doing`` (e.g. "Not signed"): that is refused for it, and the form scrolls to the
        field with the cursor in it; None: only that it was not saved (after a save)."""
        found = self.first_rejection()
        if found is None:
            return False
        widget, why = found
        label = widget.field.label
        if doing is None:
            self._set_status(f"{label} not saved: {why}; its value from before is kept", error=True)
            return True
        self._set_status(f"{doing}: {label} {why}; correct or clear it first", error=True)
        self.scroll_area.ensureWidgetVisible(widget, 50, 80)
        widget.focus_input()
        return True

    def focus_page(self) -> None:
        """Keyboard focus on the page itself, as a note opens: keys scroll it, typing
        changes nothing, Tab goes to the first input. Never on a button, where a stray
        space would press it (Sign note…, a time's Now)."""
        self.scroll_area.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_hit(self, widget: FieldWidget) -> None:
        """Scroll the form so the matched text itself is in view, not just its field."""
        self.scroll_area.ensureWidgetVisible(widget, 50, 80)
        if isinstance(widget, LogWidget) and widget.view.currentIndex().isValid():
            cell = widget.view.visualRect(widget.view.currentIndex())
            inner = self.scroll_area.widget()
            if inner is not None:
                spot = widget.view.viewport().mapTo(inner, cell.center())
                self.scroll_area.ensureVisible(spot.x(), spot.y(), 50, 120)

    def _card_hidden(self, field_id: str) -> bool:
        section = self._section_of.get(field_id)
        return section is not None and self.section_cards[section.id].isHidden()

    # -- lifecycle ---------------------------------------------------------------------

    def hideEvent(self, event: QHideEvent) -> None:
        """Save pending changes when the editor is hidden."""
        self.flush()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save pending changes when the editor closes."""
        self.flush()
        super().closeEvent(event)

    @property
    def session_date(self) -> date:
        """The note's session date."""
        return self.record.session_date
