"""`NoteWindow` (a note's own window with its header) and the new-note dialog.

The main window opens a note with ``NoteWindow(notes, note_id, client_store=...)``
and starts one with `new_note_dialog`, which returns the phase, date and
template chosen; the caller creates the note from ``template.snapshot()``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QEvent, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QMainWindow,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.clients import template_client_values
from kapnotes.domain.instruments import LoadedInstruments
from kapnotes.domain.notes import PHASE_LABELS, Phase
from kapnotes.domain.templates import (
    LoadResult,
    NarrativeLayout,
    TemplateSpec,
    load_templates,
    template_context,
)
from kapnotes.store.clients import ClientStore
from kapnotes.store.measures import MeasureStore
from kapnotes.store.notes import NoteStore
from kapnotes.ui import theme
from kapnotes.ui.editor.editor import NoteEditor
from kapnotes.ui.editor.style import current_scheme, editor_style_sheet
from kapnotes.ui.widgets import Card, label, set_role


def client_context(client_store: ClientStore | None, client_id: str) -> dict[str, Any]:
    """What templates may read as ``$client.…`` (TEMPLATE_CLIENT_FIELDS), from the client record."""
    if client_store is None:
        return {}
    try:
        record = client_store.get(client_id)
    except KeyError:
        return {}
    return template_context(client=template_client_values(record.id, record.data))


class NoteWindow(QMainWindow):
    """One note in its own window: header (client, title, date, status) and the editor.

    Ctrl+W closes it; closing saves what is pending. Ctrl+F asks for a search of
    all notes (`search_requested`). A dosing draft has a **Live session** button
    (`live_requested`: the main window saves and closes this window, then runs the
    note live), gone once the note is signed.
    """

    search_requested = Signal()
    lock_requested = Signal()
    print_requested = Signal()  # Ctrl+P or the Print button: preview this note's PDF
    live_requested = Signal()  # the Live session button (a dosing draft)

    def __init__(
        self,
        note_store: NoteStore,
        note_id: str,
        *,
        client_store: ClientStore | None = None,
        client_name: str | None = None,
        context: Mapping[str, Any] | None = None,
        layout: NarrativeLayout = NarrativeLayout.SOAP,
        instruments: LoadedInstruments | None = None,
        autosave_ms: int = 400,
        measures: MeasureStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("noteWindow")
        # The editor's rules on the window before anything is in it (see NoteEditor's
        # ``styled``): set after, they polished ~300 widgets a third time.
        self.setStyleSheet(editor_style_sheet())
        self._scheme = current_scheme()
        self.setWindowIcon(theme.app_icon())
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        record = note_store.get(note_id)
        full_context = client_context(client_store, record.client_id)
        full_context.update(context or {})
        if client_name is None:
            client = full_context.get("client")
            client_name = str(client.get("name", "")) if isinstance(client, dict) else ""
        # The window's frame first, the editor built inside it (see NoteEditor._build).
        body = QWidget()
        self.setCentralWidget(body)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        header = QWidget(body)
        self.editor = NoteEditor(
            note_store,
            note_id,
            TemplateSpec.model_validate(record.template_snapshot),
            full_context,
            layout,
            instruments=instruments,
            autosave_ms=autosave_ms,
            measures=measures,
            styled=False,
            parent=body,
        )
        title = str(record.template_snapshot.get("title", record.kind.title()))
        self.setWindowTitle(f"{title} · {client_name}" if client_name else title)

        header.setObjectName("noteHeader")
        head = QHBoxLayout(header)
        head.setContentsMargins(24, 16, 24, 4)
        names = QVBoxLayout()
        names.setSpacing(2)
        self.client_label = label(client_name or "", "muted")
        self.client_label.setObjectName("noteClient")
        self.title_label = label(title, "dialog-title")
        self.title_label.setObjectName("noteTitle")
        self.date_label = label(f"Session of {record.session_date:%A %d %B %Y}", "muted")
        self.date_label.setObjectName("noteDate")
        names.addWidget(self.client_label)
        names.addWidget(self.title_label)
        names.addWidget(self.date_label)
        head.addLayout(names, 1)
        self.status_chip = label("", None)
        self.status_chip.setObjectName("noteStatus")
        head.addWidget(self.status_chip, 0, Qt.AlignmentFlag.AlignTop)
        self.live_button = theme.icon_button("Live session", "clock")
        self.live_button.setObjectName("liveSessionButton")
        self.live_button.setToolTip(
            "Run this dosing note live: session clock, observations, vitals and alerts "
            "(this window closes, its changes saved)"
        )
        self.live_button.clicked.connect(self._run_live)
        head.addWidget(self.live_button, 0, Qt.AlignmentFlag.AlignTop)
        self.print_button = theme.icon_button("Print…", "print")
        self.print_button.setObjectName("printNoteButton")
        self.print_button.setToolTip("Preview, print or save this note as a PDF (Ctrl+P)")
        self.print_button.clicked.connect(self.print_requested)
        head.addWidget(self.print_button, 0, Qt.AlignmentFlag.AlignTop)
        self._show_status()
        self.editor.signed.connect(lambda _h: self._show_status())

        column.addWidget(header)
        column.addWidget(self.editor, 1)
        self.resize(1000, 820)

        # Locking closes every window even if its last save failed (the vault is closing).
        self.force_close = False
        self.close_shortcut = QShortcut(QKeySequence("Ctrl+W"), self)
        self.close_shortcut.activated.connect(self.close)
        # Ctrl+F while writing a note searches every note (the main window opens the search).
        self.find_shortcut = QShortcut(QKeySequence("Ctrl+F"), self)
        self.find_shortcut.activated.connect(self.search_requested)
        self.print_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self)
        self.print_shortcut.activated.connect(self.print_requested)
        # Ctrl+L locks the whole app from a note window too.
        self.lock_shortcut = QShortcut(QKeySequence("Ctrl+L"), self)
        self.lock_shortcut.activated.connect(self.lock_requested)

    def _run_live(self) -> None:
        """Live session: asked of the main window, unless a field shows text it cannot
        store (the session would start without it: say which, first)."""
        if not self.editor.show_rejection("Not run live"):
            self.live_requested.emit()

    def _show_status(self) -> None:
        signed = self.editor.record.is_signed
        self.status_chip.setText("Signed" if signed else "Draft")
        set_role(self.status_chip, "signed" if signed else "draft")
        # A signed note is read-only: it can no longer be run live.
        self.live_button.setVisible(self.editor.record.kind == Phase.DOSING and not signed)

    @property
    def note_id(self) -> str:
        """The note shown."""
        return self.editor.note_id

    def changeEvent(self, event: QEvent) -> None:
        """Light to dark or back: the editor's rules again, in the new scheme's colours
        (set once, they kept the old ones: white tables on a dark window)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and current_scheme() != self._scheme:
            self._scheme = current_scheme()
            self.setStyleSheet(editor_style_sheet())

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save what is pending, then close; stay open if the save failed (unless forced)."""
        if not self.editor.flush() and not self.force_close:
            event.ignore()  # the editor's status line says "Not saved"; nothing is lost
            return
        super().closeEvent(event)


@dataclass(frozen=True)
class NewNoteChoice:
    """What the clinician chose for a new note; create it from ``template.snapshot()``."""

    phase: Phase
    session_date: date
    template: TemplateSpec


class NewNoteDialog(QDialog):
    """Asks for the phase (preparation, dosing, integration) and the session date."""

    def __init__(
        self,
        templates: LoadResult | None = None,
        *,
        phase: Phase = Phase.PREPARATION,
        today: Callable[[], date] = date.today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("newNoteDialog")
        self.setWindowTitle("New note")
        self.setMinimumWidth(460)
        self.templates = templates or load_templates()
        card = Card(margins=20, spacing=10)
        card.body.addWidget(label("New note", "dialog-title"))
        card.body.addWidget(label("Which session is this note for?", "muted"))
        self.phase_group = QButtonGroup(self)
        self.phase_buttons: dict[Phase, QRadioButton] = {}
        for value, text in PHASE_LABELS.items():
            specs = self.templates.for_phase(value)
            shown = text
            if specs:
                title = specs[0].title
                # "Dosing session"; a clinic's own template: "Dosing session · Its title"
                same = title.casefold().startswith(text.casefold())
                shown = title if same else f"{text}  ·  {title}"
            button = QRadioButton(shown)
            button.setObjectName(f"phase_{value}")
            button.setEnabled(bool(specs))
            self.phase_group.addButton(button)
            self.phase_buttons[value] = button
            card.body.addWidget(button)
        start = self.phase_buttons.get(phase)
        if start is not None and start.isEnabled():
            start.setChecked(True)
        else:
            for button in self.phase_buttons.values():
                if button.isEnabled():
                    button.setChecked(True)
                    break
        card.body.addSpacing(6)
        date_row = QHBoxLayout()
        date_row.addWidget(label("Session date", "fieldname"))
        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("sessionDate")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        now = today()
        self.date_edit.setDate(QDate(now.year, now.month, now.day))
        self.date_edit.setMinimumWidth(150)
        date_row.addWidget(self.date_edit)
        date_row.addStretch(1)
        card.body.addLayout(date_row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Create note")
        ok.setProperty("role", "primary")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 16, 16, 16)
        outer.addWidget(card)
        outer.addWidget(self.buttons)

    def choice(self) -> NewNoteChoice | None:
        """The phase, date and template chosen (None when nothing can be chosen)."""
        for value, button in self.phase_buttons.items():
            if button.isChecked():
                specs = self.templates.for_phase(value)
                if not specs:
                    return None
                chosen = self.date_edit.date().toPython()
                assert isinstance(chosen, date)
                return NewNoteChoice(value, chosen, specs[0])
        return None


def new_note_dialog(
    parent: QWidget | None = None,
    templates: LoadResult | None = None,
    *,
    phase: Phase = Phase.PREPARATION,
    today: Callable[[], date] = date.today,
    run: Callable[[QDialog], int] | None = None,
) -> NewNoteChoice | None:
    """Ask for phase and date; the choice, or None when cancelled.

    ``run`` shows the dialog (``QDialog.exec`` by default; tests pass their own).
    """
    dialog = NewNoteDialog(templates, phase=phase, today=today, parent=parent)
    result = run(dialog) if run is not None else dialog.exec()
    choice = dialog.choice() if result == QDialog.DialogCode.Accepted else None
    dialog.deleteLater()
    return choice
