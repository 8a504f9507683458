"""The block for an ``instrument`` field: items with their answers and a live score.

The value is ``{item_id: answer value}``. A complete form shows its total and
band; an incomplete one is kept as it is but says which items are missing. A
raised flag (PHQ-9 item 9 above 0) shows as a visible amber banner.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.instruments import AnswerError, InstrumentSpec, score
from kapnotes.domain.templates import InstrumentField
from kapnotes.ui.editor.fields import FieldWidget
from kapnotes.ui.widgets import set_role


class InstrumentWidget(FieldWidget):
    """Items in a grid (one radio button per answer) with score, band and flags below."""

    def __init__(
        self, field: InstrumentField, spec: InstrumentSpec | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(field, parent)
        self.spec = spec
        self.groups: dict[str, QButtonGroup] = {}
        self.combos: dict[str, QComboBox] = {}
        self._inputs: list[QWidget] = []
        self._answers: dict[str, int] = {}
        self.score_label = QLabel()
        self.score_label.setObjectName(f"score_{field.id}")
        set_role(self.score_label, "score")
        self.flags_box = QVBoxLayout()
        self.flags_box.setSpacing(4)
        self.flag_labels: list[QLabel] = []
        if spec is None:
            missing = QLabel(
                f"The instrument '{field.instrument_id}' is not installed on this computer;"
                " a clinic can add its definition to the instruments folder."
            )
            missing.setWordWrap(True)
            set_role(missing, "muted")
            self.body.addWidget(missing)
            return
        instructions = QLabel(spec.instructions)
        instructions.setWordWrap(True)
        set_role(instructions, "caption")
        self.body.addWidget(instructions)
        shared = all(item.options is None for item in spec.items)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(7)
        grid.setColumnStretch(1, 1)
        if shared:
            for column, option in enumerate(spec.options, start=2):
                head = QLabel(f"{option.label}\n({option.value})")
                head.setAlignment(Qt.AlignmentFlag.AlignCenter)
                head.setWordWrap(True)
                head.setFixedWidth(86)
                set_role(head, "caption")
                grid.addWidget(head, 0, column, Qt.AlignmentFlag.AlignBottom)
        for row, item in enumerate(spec.items, start=1):
            number = QLabel(f"{row}.")
            set_role(number, "muted")
            text = QLabel(item.text)
            text.setWordWrap(True)
            grid.addWidget(number, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(text, row, 1)
            if shared:
                group = QButtonGroup(self)
                for column, option in enumerate(spec.options, start=2):
                    radio = QRadioButton()
                    radio.setObjectName(f"input_{field.id}_{item.id}_{option.value}")
                    radio.setToolTip(f"{option.label} ({option.value})")
                    radio.setAccessibleName(f"{item.text}: {option.label}")
                    group.addButton(radio, option.value)
                    grid.addWidget(radio, row, column, Qt.AlignmentFlag.AlignCenter)
                    self._inputs.append(radio)
                group.idToggled.connect(
                    lambda value, on, item_id=item.id: self._toggled(item_id, value, on)
                )
                self.groups[item.id] = group
            else:
                combo = QComboBox()
                combo.setObjectName(f"input_{field.id}_{item.id}")
                combo.addItem("—", None)
                for option in spec.options_for(item):
                    combo.addItem(f"{option.value} · {option.label}", option.value)
                combo.currentIndexChanged.connect(
                    lambda _i, item_id=item.id, box=combo: self._answer(item_id, box.currentData())
                )
                grid.addWidget(combo, row, 2)
                self.combos[item.id] = combo
                self._inputs.append(combo)
        self.body.addLayout(grid)
        self.body.addWidget(self.score_label)
        self.body.addLayout(self.flags_box)
        self._update_score()

    def _toggled(self, item_id: str, value: int, on: bool) -> None:
        if on:
            self._answer(item_id, value)

    def _answer(self, item_id: str, value: Any) -> None:
        if isinstance(value, int):
            self._answers[item_id] = value
        else:
            self._answers.pop(item_id, None)
        self._update_score()
        self._emit()

    def _update_score(self) -> None:
        for flag_label in self.flag_labels:
            flag_label.hide()
            flag_label.deleteLater()
        self.flag_labels = []
        if self.spec is None:
            return
        try:
            result = score(self.spec, self._answers)
        except AnswerError as exc:
            self.score_label.setText(f"Not scored: {exc}")
            return
        if not self._answers:
            self.score_label.setText("Not started")
        elif result.complete:
            band = f"  ·  {result.band}" if result.band else ""
            self.score_label.setText(f"Total {result.total}{band}")
        else:
            numbers = [str(self.spec.item_ids.index(i) + 1) for i in result.missing_items]
            self.score_label.setText(
                f"Incomplete, not scored: item{'s' if len(numbers) > 1 else ''}"
                f" {', '.join(numbers)} unanswered"
            )
        for flag in result.flags:
            flag_label = QLabel(f"⚠  {flag.label}")
            flag_label.setObjectName(f"flag_{self.field.id}_{flag.id}")
            flag_label.setWordWrap(True)
            set_role(flag_label, "flag")
            self.flags_box.addWidget(flag_label)
            flag_label.setVisible(True)
            self.flag_labels.append(flag_label)

    @property
    def score_text(self) -> str:
        """What the score line says."""
        return self.score_label.text()

    @property
    def flag_texts(self) -> list[str]:
        """The flags shown."""
        return [flag_label.text() for flag_label in self.flag_labels]

    def value(self) -> Any:
        """The answers by item id, or None when none is given."""
        return dict(self._answers) or None

    def _show(self, value: Any) -> None:
        answers = value if isinstance(value, dict) else {}
        self._answers = {
            k: v for k, v in answers.items() if isinstance(v, int) and not isinstance(v, bool)
        }
        for item_id, group in self.groups.items():
            group.setExclusive(False)
            for button in group.buttons():
                button.setChecked(group.id(button) == self._answers.get(item_id))
            group.setExclusive(True)
        for item_id, combo in self.combos.items():
            index = combo.findData(self._answers.get(item_id))
            combo.setCurrentIndex(max(index, 0))
        self._update_score()

    def set_answer(self, item_id: str, value: int) -> None:
        """Choose an answer as a user would (emits `changed`)."""
        if item_id in self.groups:
            button = self.groups[item_id].button(value)
            if button is not None:
                button.click()
        elif item_id in self.combos:
            combo = self.combos[item_id]
            combo.setCurrentIndex(combo.findData(value))

    def focus_widgets(self) -> list[QWidget]:
        """Every answer input in form order."""
        return list(self._inputs)
