"""The block for an ``instrument`` field: the shared `InstrumentForm` inside a note.

The value is ``{item_id: answer value}``. A complete form shows its total and
band; an incomplete one is kept as it is but says which items are missing. A
raised flag (PHQ-9 item 9 above 0) shows as a red banner. The same form is used
when a measure is given on its own from the client page. The instrument is named
once, in the field's heading ("PHQ-9 · Patient Health Questionnaire-9"); the form
inside has no heading of its own.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from kapnotes.domain.instruments import InstrumentSpec
from kapnotes.domain.templates import InstrumentField
from kapnotes.ui.editor.fields import FieldWidget
from kapnotes.ui.measures import InstrumentForm
from kapnotes.ui.widgets import set_role


class InstrumentWidget(FieldWidget):
    """An instrument's items with answer buttons, a live score and risk banners."""

    def __init__(
        self, field: InstrumentField, spec: InstrumentSpec | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(field, parent)
        self.spec = spec
        self.form: InstrumentForm | None = None
        if spec is None:
            missing = QLabel(
                f"The {field.label} form is not set up on this computer, so it cannot be "
                "filled in here. Measures that need a licence are not included with "
                "kapnotes; your clinic can add its own copy under Settings → Templates "
                "and instruments."
            )
            missing.setObjectName("instrumentMissing")
            missing.setWordWrap(True)
            set_role(missing, "muted")
            self.body.addWidget(missing)
            return
        full = f"{spec.short_name} · {spec.title}"
        if field.label.casefold() in {spec.short_name.casefold(), spec.id.casefold()}:
            # "PHQ-9" as the label: the heading gives the full name once
            self.title.setText(
                self.title.text().replace(
                    html.escape(field.label, quote=False), html.escape(full), 1
                )
            )
        self.form = InstrumentForm(spec, self, show_title=False)  # made in place
        self.form.setObjectName(f"score_{field.id}")
        self.form.answersChanged.connect(lambda _answers: self._emit())
        self.body.addWidget(self.form)

    @property
    def score_text(self) -> str:
        """What the score line says."""
        return self.form.score_text if self.form is not None else ""

    @property
    def flag_texts(self) -> list[str]:
        """The flags shown."""
        return self.form.flag_texts if self.form is not None else []

    def value(self) -> Any:
        """The answers by item id, or None when none is given."""
        if self.form is None:
            return None
        answers = {k: v for k, v in self.form.answers().items() if v is not None}
        return answers or None

    def _show(self, value: Any) -> None:
        if self.form is not None:
            self.form.set_answers(value if isinstance(value, dict) else {})

    def set_answer(self, item_id: str, value: int) -> None:
        """Choose an answer as a user would (emits `changed`)."""
        if self.form is not None:
            self.form.set_answer(item_id, value)

    def set_read_only(self, read_only: bool) -> None:
        """Freeze (or thaw) every answer."""
        self._read_only = read_only
        if self.form is not None:
            self.form.set_read_only(read_only)

    def focus_widgets(self) -> list[QWidget]:
        """Each item row, in form order (digits answer the focused item)."""
        return list(self.form.rows.values()) if self.form is not None else []
