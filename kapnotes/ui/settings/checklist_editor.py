"""A checklist of the clinic settings, edited as a list: add, reword, remove, reorder.

Each row is one item as the clinician reads it. An item keeps the value its notes
store when it is reworded or moved; a new item's value is made from its words
(``"Pulse oximeter on" → "pulse_oximeter_on"``). The pre-dose list also says, per
item, which product it is for ("every product" or one, e.g. the esketamine REMS
enrolment check). What the list holds is checked by the settings model when the
dialog saves; :meth:`ChecklistEditor.show_error` puts its reason under the list.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kapnotes.ui.widgets import ErrorLabel, label

VALUE_ROLE = Qt.ItemDataRole.UserRole
EVERY_PRODUCT = "Every product"


def value_from_words(words: str, taken: set[str]) -> str:
    """A stored value for a new item: its words in lower case, ``_`` between them,
    accents dropped, at most 48 characters, made unique against ``taken``."""
    plain = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")[:48].strip("_") or "item"
    value, number = stem, 2
    while value in taken:
        value = f"{stem}_{number}"
        number += 1
    return value


class ChecklistEditor(QWidget):
    """One checklist: rows of items, with their product when ``by_product``.

    ``name`` ("pre_dose_checklist") names the widgets for tests and
    accessibility; ``title`` is the heading shown above the list.
    """

    def __init__(self, name: str, title: str, *, by_product: bool = False) -> None:
        super().__init__()
        from kapnotes.domain.clients import PRODUCT_LABELS

        self.setObjectName(f"setting:{name}")
        self._products = PRODUCT_LABELS if by_product else None
        self.table = QTableWidget(0, 2 if by_product else 1)
        self.table.setObjectName(f"{name}:items")
        self.table.setHorizontalHeaderLabels(["Item", "Shown for"] if by_product else ["Item"])
        self.table.verticalHeader().setVisible(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        if by_product:
            header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setAccessibleName(title)
        self.add_button = QPushButton("Add item")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        for button, name_part in (
            (self.add_button, "add"),
            (self.remove_button, "remove"),
            (self.up_button, "up"),
            (self.down_button, "down"),
        ):
            button.setObjectName(f"{name}:{name_part}")
        self.add_button.clicked.connect(self.add_item)
        self.remove_button.clicked.connect(self.remove_item)
        self.up_button.clicked.connect(lambda: self.move_item(-1))
        self.down_button.clicked.connect(lambda: self.move_item(1))
        self.table.itemSelectionChanged.connect(self._enable)
        self.error = ErrorLabel()
        # A message about the list goes once the list is changed (an item reworded or
        # removed); Save checks it again.
        self.table.itemChanged.connect(lambda _item: self.show_error(None))
        self.remove_button.clicked.connect(lambda: self.show_error(None))
        self._read_only = False
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label(title, "subheading"))
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        self._enable()

    # -- the items -------------------------------------------------------------------

    def set_items(self, items: list[dict[str, Any]]) -> None:
        """Show ``items`` (JSON data of the settings: value, label[, only_for])."""
        self.table.setRowCount(0)
        for item in items:
            self._append(str(item["label"]), str(item["value"]), item.get("only_for"))
        self.show_error(None)
        self._enable()

    def items(self) -> list[dict[str, Any]]:
        """The list as JSON data for the settings model; new items get a value made from
        their words. ValueError (also shown under the list) for an item left blank."""
        self.show_error(None)
        self.commit_typing()
        taken = {
            str(v)
            for row in range(self.table.rowCount())
            if (v := self._cell(row).data(VALUE_ROLE))
        }
        out: list[dict[str, Any]] = []
        for row in range(self.table.rowCount()):
            cell = self._cell(row)
            words = " ".join(cell.text().split())
            if not words:
                self.table.setCurrentCell(row, 0)
                message = f"Item {row + 1} is blank: write what is to be checked, or remove it."
                self.show_error(message)
                raise ValueError(message)
            value = cell.data(VALUE_ROLE)
            if not value:
                value = value_from_words(words, taken)
                taken.add(value)
            data: dict[str, Any] = {"value": str(value), "label": words}
            if self._products is not None:
                data["only_for"] = self._product_box(row).currentData()
            out.append(data)
        return out

    def state(self) -> tuple[tuple[str, str | None, str | None], ...]:
        """What the list shows now (words, stored value, product), to tell an edit."""
        self.commit_typing()
        return tuple(self._row_data(row) for row in range(self.table.rowCount()))

    def commit_typing(self) -> None:
        """Keep what is being typed in a row (Save pressed while a row is still open)."""
        editor = self.table.indexWidget(self.table.currentIndex())
        if editor is not None and self.table.state() == QAbstractItemView.State.EditingState:
            self.table.commitData(editor)
            self.table.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)

    def set_read_only(self, on: bool) -> None:
        """Shown, not changed (for a clinician who may not change the settings)."""
        self._read_only = on
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers
            if on
            else QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        for row in range(self.table.rowCount()):
            if self._products is not None:
                self._product_box(row).setEnabled(not on)
        self.add_button.setEnabled(not on)
        self._enable()

    def show_error(self, message: str | None) -> None:
        """Show (or clear, with None) why the list cannot be saved."""
        self.error.show_message(message)

    # -- editing ---------------------------------------------------------------------

    def add_item(self) -> None:
        """A new blank row, selected and open for typing."""
        self._append("", None, None)
        row = self.table.rowCount() - 1
        self.table.setCurrentCell(row, 0)
        self.table.editItem(self._cell(row))

    def remove_item(self) -> None:
        """Remove the selected row."""
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
        self._enable()

    def move_item(self, step: int) -> None:
        """Move the selected row up (-1) or down (+1)."""
        row = self.table.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.table.rowCount():
            return
        moved = self._row_data(row)
        self.table.removeRow(row)
        self._insert(target, *moved)
        self.table.setCurrentCell(target, 0)

    # -- rows --------------------------------------------------------------------------

    def _cell(self, row: int) -> QTableWidgetItem:
        cell = self.table.item(row, 0)
        assert cell is not None
        return cell

    def _product_box(self, row: int) -> QComboBox:
        box = self.table.cellWidget(row, 1)
        assert isinstance(box, QComboBox)
        return box

    def _row_data(self, row: int) -> tuple[str, str | None, str | None]:
        cell = self._cell(row)
        value = cell.data(VALUE_ROLE)
        product = self._product_box(row).currentData() if self._products is not None else None
        return cell.text(), (str(value) if value else None), product

    def _append(self, words: str, value: str | None, product: str | None) -> None:
        self._insert(self.table.rowCount(), words, value, product)

    def _insert(self, row: int, words: str, value: str | None, product: str | None) -> None:
        self.table.insertRow(row)
        cell = QTableWidgetItem(words)
        cell.setData(VALUE_ROLE, value)
        if value:
            cell.setToolTip(f"Stored as '{value}' in notes")
        self.table.setItem(row, 0, cell)
        if self._products is not None:
            box = QComboBox()
            box.addItem(EVERY_PRODUCT, None)
            for product_value, product_label in self._products.items():
                box.addItem(product_label, str(product_value))
            box.setCurrentIndex(max(box.findData(product), 0) if product else 0)
            self.table.setCellWidget(row, 1, box)
        self._enable()

    def _fit(self) -> None:
        """Tall enough for every row (the page scrolls, not the list), and one more."""
        rows = sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
        spare = self.table.verticalHeader().defaultSectionSize()
        frame = 2 * self.table.frameWidth()
        self.table.setFixedHeight(self.table.horizontalHeader().height() + rows + spare + frame)

    def _enable(self) -> None:
        self._fit()
        row = self.table.currentRow()
        selected = row >= 0 and bool(self.table.selectedItems()) and not self._read_only
        self.remove_button.setEnabled(selected)
        self.up_button.setEnabled(selected and row > 0)
        self.down_button.setEnabled(selected and row < self.table.rowCount() - 1)
