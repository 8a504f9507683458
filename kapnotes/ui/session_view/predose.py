"""The pre-dose panel (F5): the template's pre-dose checklist, ticked before the first dose.

Items follow the note's own template (the REMS-enrolment item shows only for
esketamine). Each tick is saved at once; the panel says how many are still open,
and the dose panel's pre-dose hold (BP above 140/90) still applies on top.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QGridLayout, QWidget

from kapnotes.domain.templates import ChecklistField, visible_items
from kapnotes.session import LiveSession
from kapnotes.ui.session_view.panels import Panel
from kapnotes.ui.widgets import label

CHECKLIST_ID = "pre_dose_checklist"


class PreDosePanel(Panel):
    """Tick the pre-dose checks; the count of open items stays in view."""

    def __init__(self, session: LiveSession) -> None:
        super().__init__("Before dosing", session)
        record = session.record
        self.boxes: dict[str, QCheckBox] = {}
        field = next(
            (f for f in record.spec.fields() if f.id == CHECKLIST_ID),
            None,
        )
        self.field = field if isinstance(field, ChecklistField) else None
        self.status = label("", "muted", wrap=True)
        self.status.setObjectName("preDoseStatus")
        if self.field is None:
            self.body.addWidget(label("This note's template has no pre-dose checklist.", "muted"))
            self.body.addStretch(1)
            return
        ticked = self._ticked_values()
        grid = QGridLayout()
        grid.setVerticalSpacing(6)
        items = visible_items(self.field, record.values, record.context())
        for position, item in enumerate(items):
            box = QCheckBox(item.label)
            box.setObjectName(f"predose_{item.value}")
            box.setChecked(item.value in ticked)
            box.toggled.connect(self._toggled)
            grid.addWidget(box, position, 0)
            self.boxes[item.value] = box
        self.body.addLayout(grid)
        self.body.addWidget(self.status)
        self.body.addWidget(self.message)
        self.body.addWidget(
            label(
                "Pre-dose vitals go in the vitals row (Ctrl+B); a BP above the clinic's hold "
                "threshold needs an override reason before a dose can be logged.",
                "hint",
                wrap=True,
            )
        )
        self.body.addStretch(1)
        self._show_count()

    def _ticked_values(self) -> list[str]:
        value: Any = self.record.values.get(CHECKLIST_ID)
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def checked(self) -> list[str]:
        """The items ticked, in checklist order."""
        return [value for value, box in self.boxes.items() if box.isChecked()]

    def open_items(self) -> list[str]:
        """Labels of the visible items not yet ticked."""
        return [box.text() for box in self.boxes.values() if not box.isChecked()]

    def _toggled(self) -> None:
        if self.record.read_only:
            return
        if not self.show_outcome(self.session.set_checklist(self.checked())):
            return
        self._show_count()
        self.written.emit(CHECKLIST_ID)

    def _show_count(self) -> None:
        missing = self.open_items()
        if missing:
            self.status.setText(
                f"{len(missing)} of {len(self.boxes)} still open: " + ", ".join(missing)
            )
        else:
            self.status.setText("Every pre-dose check is ticked.")

    def first_input(self) -> QWidget:
        """The first check."""
        return next(iter(self.boxes.values()), self)
