"""``NoteFlagWatcher``: a note window's instruments say whether their flags were acknowledged.

A flag raised in a note (PHQ-9 item 9 above 0) shows as a red banner in the note.
When a clinician acknowledges it — on the client page, or anywhere else that
announces it through the session's ``measures_changed`` — the banner in every
open note window of that client turns into "acknowledged by …, on …: what was
done" at once; when the note's own answers change (the editor re-scores and saves
them), the watcher reads the note's results again. The watcher belongs to its
window and ends with it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, SignalInstance
from PySide6.QtWidgets import QWidget

from kapnotes.store.measures import MeasureStore
from kapnotes.ui.measures.form import InstrumentForm
from kapnotes.ui.measures.risk_banner import acknowledgement_text

MeasuresProvider = Callable[[], MeasureStore | None]


class NoteFlagWatcher(QObject):
    """Keeps the instrument forms of one note window in step with the stored flags."""

    def __init__(
        self,
        window: QWidget,
        note_id: str,
        measures: MeasuresProvider,
        *signals: SignalInstance,
    ) -> None:
        """``signals``: anything that means "measures may have changed" (e.g. the session's
        ``measures_changed`` and the editor's ``measures_changed``); each refreshes."""
        super().__init__(window)
        self.setObjectName("noteFlagWatcher")
        self._window = window
        self._note_id = note_id
        self._measures = measures
        for signal in signals:
            signal.connect(self.refresh)
        self.refresh()

    def refresh(self, *_args: object) -> None:
        """Read the note's results and show each instrument's acknowledgement (or none)."""
        store = self._measures()
        if store is None:
            return
        records = {m.instrument_id: m for m in store.for_note(self._note_id)}
        for form in self._window.findChildren(InstrumentForm):
            record = records.get(form.spec.id)
            text = acknowledgement_text(record, store.zone_name) if record is not None else ""
            form.set_acknowledgement(text if record is not None and record.flags else "")
