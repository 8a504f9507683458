"""``InstrumentForm``: one outcome measure as a form, with a live score and risk banner.

Built from an :class:`InstrumentSpec` alone: title, instructions, one row per item
(number, text and a segmented row of option buttons), and a footer that scores
the answers as they are given ("Score 14 · Moderate", or "Not scored — items 4, 7
unanswered") and shows raised flags as a red banner. Keyboard: Tab moves from item
to item, a digit picks the option with that value on the focused item, Left/Right
step through the options and Delete clears the answer.

The widget holds no store: whoever embeds it (the administer dialog, a note's
instrument field) reads ``answers()`` and saves them.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.instruments import InstrumentSpec, Item, ScoreResult, score
from kapnotes.ui import theme
from kapnotes.ui.measures import style
from kapnotes.ui.widgets import label, set_role

REVIEW_SUFFIX = " — review safety"
"""Appended to a raised flag's label in the red banner."""


def item_numbers(spec: InstrumentSpec, item_ids: list[str]) -> list[int]:
    """The 1-based form positions of some items, ascending."""
    order = {item_id: index for index, item_id in enumerate(spec.item_ids, start=1)}
    return sorted(order[item_id] for item_id in item_ids if item_id in order)


def number_ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 5, 7, 8]`` as ``"1–3, 5, 7, 8"`` (runs of three or more as ranges)."""
    parts: list[str] = []
    run: list[int] = []
    for number in [*sorted(numbers), None]:
        if number is not None and run and number == run[-1] + 1:
            run.append(number)
            continue
        if len(run) >= 3:
            parts.append(f"{run[0]}–{run[-1]}")
        else:
            parts.extend(str(n) for n in run)
        run = [number] if number is not None else []
    return ", ".join(parts)


def missing_text(spec: InstrumentSpec, missing_items: list[str]) -> str:
    """``"items 4, 7 unanswered"`` / ``"item 4 unanswered"`` for the missing items."""
    numbers = item_numbers(spec, missing_items)
    noun = "item" if len(numbers) == 1 else "items"
    return f"{noun} {number_ranges(numbers)} unanswered"


def score_text(spec: InstrumentSpec, result: ScoreResult, answered: int) -> str:
    """The footer's headline: the score and band, or why the form is not scored."""
    if result.complete:
        band = f" · {result.band}" if result.band else ""
        return f"Score {result.total}{band}"
    if answered == 0:
        return "Not scored — no items answered yet"
    return f"Not scored — {missing_text(spec, result.missing_items)}"


def detail_text(spec: InstrumentSpec, result: ScoreResult) -> str:
    """Subscale sums, mean and rule outcomes, when the instrument reports them."""
    parts: list[str] = []
    if spec.scoring.subscale_sums and result.subscale_sums:
        sums = " · ".join(f"{key} {value}" for key, value in result.subscale_sums.items())
        parts.append(f"Clusters: {sums}")
    if spec.scoring.mean and result.mean is not None:
        parts.append(f"Mean {result.mean:.2f}")
    for rule in result.rules:
        outcome = {True: "met", False: "not met", None: "open (items unanswered)"}[rule.met]
        parts.append(f"{rule.label}: {outcome}")
    return "   ·   ".join(parts)


class RiskBanner(QFrame):
    """A red banner for one raised flag: its label, "review safety", and its description.

    Once a clinician has acknowledged the flag, :meth:`set_acknowledged` turns it
    into a calm box saying who, when and what was done.
    """

    def __init__(self, title: str, description: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title = title
        self._description = description or ""
        self.setProperty("role", "risk")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 8)
        lay.setSpacing(10)
        self.icon_label = QLabel()
        self.icon_label.setPixmap(theme.icon("alert", style.colour("error").name()).pixmap(20, 20))
        self.icon_label.setFixedSize(20, 20)
        lay.addWidget(self.icon_label, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        self.title_label = label(title, "risk-title", wrap=True)
        self.title_label.setObjectName("riskTitle")
        texts.addWidget(self.title_label)
        self.description_label = label(description or "", None, wrap=True)
        self.description_label.setVisible(bool(description))
        texts.addWidget(self.description_label)
        lay.addLayout(texts, 1)
        self.setAccessibleName(title)
        self.acknowledgement = ""

    @property
    def text(self) -> str:
        """The banner's headline."""
        return self.title_label.text()

    @property
    def description(self) -> str:
        """The line under the headline."""
        return self.description_label.text()

    def set_acknowledged(self, acknowledgement: str) -> None:
        """Show the flag as acknowledged (``"Acknowledged by … on …: …"``) or, empty, open."""
        self.acknowledgement = acknowledgement
        done = bool(acknowledgement)
        headline = (
            self._title.removesuffix(REVIEW_SUFFIX) + " — acknowledged" if done else self._title
        )
        self.title_label.setText(headline)
        self.description_label.setText(acknowledgement if done else self._description)
        self.description_label.setVisible(bool(self.description_label.text()))
        colour = style.colour("muted" if done else "error").name()
        self.icon_label.setPixmap(theme.icon("alert", colour).pixmap(20, 20))
        set_role(self, "risk-done" if done else "risk")
        for child in (self.title_label, self.description_label):
            child.style().unpolish(child)  # the labels' colour follows the frame's role
            child.style().polish(child)
        self.setAccessibleName(f"{headline}. {acknowledgement}" if done else headline)


class ItemRow(QFrame):
    """One item: number, text and option buttons; focusable, answered by click or digit."""

    answered = Signal(str, object)  # item id, value (int) or None when cleared
    advanced = Signal(str)  # answered by a digit: the form moves on to the next item

    def __init__(
        self, number: int, item: Item, spec: InstrumentSpec, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.item = item
        self.number = number
        self._read_only = False
        self.setObjectName(f"item_{item.id}")
        self.setProperty("role", "item-row")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setAccessibleName(f"Item {number}: {item.text}")
        self.options = spec.options_for(item)
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 8, 10, 8)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        self.number_label = label(f"{number}.", "item-number")
        self.number_label.setMinimumWidth(22)
        grid.addWidget(self.number_label, 0, 0, Qt.AlignmentFlag.AlignTop)
        self.text_label = label(item.text, "item-text", wrap=True)
        grid.addWidget(self.text_label, 0, 1)

        segments = QHBoxLayout()
        segments.setSpacing(0)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[int, QPushButton] = {}
        last = len(self.options) - 1
        for index, option in enumerate(self.options):
            button = QPushButton(f"{option.value} · {option.label}")
            button.setObjectName(f"option_{item.id}_{option.value}")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setProperty("role", "option")
            position = (
                "only" if last == 0 else "first" if index == 0 else "last" if index == last else ""
            )
            button.setProperty("position", position)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.setToolTip(f"{option.label} — press {option.value}")
            button.setAccessibleName(f"{option.label} ({option.value})")
            self.group.addButton(button, option.value)
            segments.addWidget(button, 1)
            self.buttons[option.value] = button
        self.group.idClicked.connect(self._clicked)
        grid.addLayout(segments, 1, 1)

    def _clicked(self, value: int) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.answered.emit(self.item.id, value)

    def value(self) -> int | None:
        """The chosen option's value, if any."""
        checked = self.group.checkedId()
        return None if checked == -1 else checked

    def set_value(self, value: int | None) -> None:
        """Show ``value`` as chosen (None clears); does not emit ``answered``."""
        self.group.setExclusive(False)
        for option_value, button in self.buttons.items():
            button.setChecked(option_value == value)
        self.group.setExclusive(True)
        chosen = next((o.label for o in self.options if o.value == value), "unanswered")
        self.setAccessibleDescription(chosen)

    def choose(self, value: int | None) -> None:
        """Choose as a user would (emits ``answered`` when the answer changes)."""
        if self._read_only or value == self.value():
            return
        if value is not None and value not in self.buttons:
            return
        self.set_value(value)
        self.answered.emit(self.item.id, value)

    def set_read_only(self, read_only: bool) -> None:
        """Show the answer but refuse changes."""
        self._read_only = read_only
        for button in self.buttons.values():
            button.setEnabled(not read_only)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Digits choose an option, Left/Right step, Delete/Backspace clears."""
        key = event.key()
        text = event.text()
        values = [option.value for option in self.options]
        if self._read_only:
            super().keyPressEvent(event)
        elif text.isdigit() and len(text) == 1 and int(text) in self.buttons:
            self.choose(int(text))
            self.advanced.emit(self.item.id)  # on to the next item: one key per answer
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and values:
            current = self.value()
            if current is None:
                target = values[0] if key == Qt.Key.Key_Right else values[-1]
            else:
                step = 1 if key == Qt.Key.Key_Right else -1
                target = values[max(0, min(len(values) - 1, values.index(current) + step))]
            self.choose(target)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.choose(None)
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        """Keep the focused item in view inside a scroll area."""
        super().focusInEvent(event)
        widget = self.parentWidget()
        while widget is not None:
            if isinstance(widget, QScrollArea):
                widget.ensureWidgetVisible(self, 0, 12)
                break
            widget = widget.parentWidget()


class InstrumentForm(QWidget):
    """A fillable instrument with a live score footer and red risk banners.

    ``scrollable=True`` puts the items in their own scroll area so the footer stays
    in view (for dialogs); leave it off when the form sits in a scrolling page.
    ``show_title=False`` leaves the heading out where the surroundings already name
    the instrument (a note's field label).
    """

    answersChanged = Signal(dict)

    def __init__(
        self,
        spec: InstrumentSpec,
        parent: QWidget | None = None,
        *,
        scrollable: bool = False,
        show_title: bool = True,
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName(f"instrumentForm_{spec.id}")
        self._read_only = False
        self._result: ScoreResult = score(spec, {})
        style.scheme_changed(self)
        self.setStyleSheet(style.style_sheet())

        self.title_label = label(f"{spec.short_name} · {spec.title}", "heading", wrap=True)
        self.title_label.setObjectName("instrumentTitle")
        self.title_label.setVisible(show_title)
        self.instructions_label = label(spec.instructions, "instructions", wrap=True)
        self.instructions_label.setObjectName("instrumentInstructions")
        self.stem_label = label(spec.stem or "", "subheading", wrap=True)
        self.stem_label.setVisible(bool(spec.stem))

        items = QWidget()
        items.setObjectName("instrumentItems")
        items_lay = QVBoxLayout(items)
        items_lay.setContentsMargins(0, 0, 0, 0)
        items_lay.setSpacing(2)
        self.rows: dict[str, ItemRow] = {}
        for number, item in enumerate(spec.items, start=1):
            row = ItemRow(number, item, spec)
            row.answered.connect(self._row_answered)
            row.advanced.connect(self._focus_after)
            items_lay.addWidget(row)
            self.rows[item.id] = row
        items_lay.addStretch(1)

        # footer: score line, details, red banners
        self.footer = QFrame()
        self.footer.setObjectName("scoreFooter")
        self.footer.setProperty("role", "score-footer")
        footer_lay = QVBoxLayout(self.footer)
        footer_lay.setContentsMargins(14, 10, 14, 10)
        footer_lay.setSpacing(6)
        self.score_label = label("", "score", wrap=True)
        self.score_label.setObjectName("scoreLabel")
        self.detail_label = label("", "score-detail", wrap=True)
        self.detail_label.setObjectName("scoreDetail")
        self.flags_box = QVBoxLayout()
        self.flags_box.setSpacing(6)
        self.flag_banners: list[RiskBanner] = []
        self._flag_ids: list[str] = []
        self._acknowledgement = ""
        footer_lay.addLayout(self.flags_box)
        footer_lay.addWidget(self.score_label)
        footer_lay.addWidget(self.detail_label)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        outer.addWidget(self.title_label)
        outer.addWidget(self.instructions_label)
        outer.addWidget(self.stem_label)
        self.scroll_area: QScrollArea | None = None
        if scrollable:
            self.scroll_area = QScrollArea()
            self.scroll_area.setObjectName("instrumentFormScroll")
            self.scroll_area.setWidgetResizable(True)
            self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
            self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.scroll_area.setWidget(items)
            outer.addWidget(self.scroll_area, 1)
        else:
            outer.addWidget(items)
        outer.addWidget(self.footer)
        self._update_footer()

    # -- answers -------------------------------------------------------------------

    def answers(self) -> dict[str, int | None]:
        """Every item's answer by item id, None for unanswered, in form order."""
        return {item_id: row.value() for item_id, row in self.rows.items()}

    def set_answers(self, answers: Mapping[str, int | None]) -> None:
        """Show these answers (items not named are cleared); does not emit ``answersChanged``.

        Unknown item ids and values an item does not offer are ignored.
        """
        for item_id, row in self.rows.items():
            value = answers.get(item_id)
            valid = isinstance(value, int) and not isinstance(value, bool)
            row.set_value(value if valid and value in row.buttons else None)
        self._update_footer()

    def set_answer(self, item_id: str, value: int | None) -> None:
        """Answer one item as a user would (emits ``answersChanged``)."""
        self.rows[item_id].choose(value)

    def result(self) -> ScoreResult:
        """The score of the current answers (``complete`` False while items are missing)."""
        return self._result

    def set_read_only(self, read_only: bool) -> None:
        """Show the answers without letting them change (e.g. a signed note)."""
        self._read_only = read_only
        for row in self.rows.values():
            row.set_read_only(read_only)

    def is_read_only(self) -> bool:
        """Whether answers can be changed."""
        return self._read_only

    # -- what the footer shows -----------------------------------------------------

    @property
    def score_text(self) -> str:
        """The footer's headline."""
        return self.score_label.text()

    @property
    def flag_texts(self) -> list[str]:
        """The red banners' headlines."""
        return [banner.text for banner in self.flag_banners]

    def set_acknowledgement(self, acknowledgement: str) -> None:
        """Say on the raised flags that they were acknowledged (who, when, what was done);
        empty text shows them open again. Flags raised by changed answers start open."""
        self._acknowledgement = acknowledgement
        for banner in self.flag_banners:
            banner.set_acknowledged(acknowledgement)

    def _focus_after(self, item_id: str) -> None:
        """A digit answered this item: put the focus on the next one (the last stays)."""
        ids = list(self.rows)
        position = ids.index(item_id)
        if position + 1 < len(ids):
            self.rows[ids[position + 1]].setFocus(Qt.FocusReason.TabFocusReason)

    def _row_answered(self, _item_id: str, _value: object) -> None:
        self._update_footer()
        self.answersChanged.emit(self.answers())

    def _update_footer(self) -> None:
        answers = self.answers()
        self._result = score(self.spec, answers)
        answered = sum(value is not None for value in answers.values())
        self.score_label.setText(score_text(self.spec, self._result, answered))
        set_role(self.score_label, "score" if self._result.complete else "score-pending")
        details = detail_text(self.spec, self._result)
        self.detail_label.setText(details)
        self.detail_label.setVisible(bool(details))
        self._show_flags()

    def _show_flags(self, *, force: bool = False) -> None:
        ids = [flag.id for flag in self._result.flags]
        if not force and ids == self._flag_ids:
            return
        if ids != self._flag_ids:
            self._acknowledgement = ""  # other flags: open until the store says otherwise
        self._flag_ids = ids
        for banner in self.flag_banners:
            banner.hide()
            banner.deleteLater()
        self.flag_banners = []
        descriptions = {flag.id: flag.description for flag in self.spec.flags}
        for flag in self._result.flags:
            banner = RiskBanner(flag.label + REVIEW_SUFFIX, descriptions.get(flag.id))
            banner.setObjectName(f"flag_{flag.id}")
            if self._acknowledgement:
                banner.set_acknowledged(self._acknowledgement)
            self.flags_box.addWidget(banner)
            banner.show()  # added to a shown form: show now, not on the next event loop
            self.flag_banners.append(banner)

    def changeEvent(self, event: QEvent) -> None:
        """Follow the application's light/dark palette."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and style.scheme_changed(self):
            self.setStyleSheet(style.style_sheet())
            self._show_flags(force=True)
