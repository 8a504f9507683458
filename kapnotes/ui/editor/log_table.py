"""Log fields (vitals, medicine, observations, adverse events, clinicians) as a compact table.

`LogTableModel` holds the rows (``{column id: value}``) of one log field; each
cell is edited with an editor fitting its column type (`LogDelegate`) and
checked by the column's own rules: a rejected value is refused with a message,
an implausible one is kept and shown in amber. `LogWidget` adds the "Add entry"
button; the editor stamps the new row with the current time and writes it as a
note event at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTime,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTimeEdit,
    QWidget,
)

from kapnotes.domain.parse import InputError, parse_value
from kapnotes.domain.templates import (
    ColumnField,
    IntegerField,
    LogField,
    MultiChoiceField,
    NumberField,
    ScaleField,
    SingleChoiceField,
    TimeField,
    YesNoField,
)
from kapnotes.domain.templates.model import is_blank, parse_time
from kapnotes.store.notes import APP_ORIGIN, ORIGIN_KEY
from kapnotes.ui import theme
from kapnotes.ui.editor import style
from kapnotes.ui.editor.fields import FieldWidget, find_word, format_number

Index = QModelIndex | QPersistentModelIndex


def cell_text(column: ColumnField, value: Any) -> str:
    """How a cell's value reads in the table."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if isinstance(column, YesNoField):
        return "Yes" if value is True else "No" if value is False else str(value)
    if isinstance(column, SingleChoiceField):
        return next((o.label for o in column.options if o.value == value), str(value))
    if isinstance(column, MultiChoiceField) and isinstance(value, list | tuple):
        labels = {o.value: o.label for o in column.options}
        return ", ".join(labels.get(v, str(v)) for v in value)
    if isinstance(column, NumberField | IntegerField) and isinstance(value, int | float):
        return format_number(value)
    return str(value)


def parse_cell(column: ColumnField, value: Any) -> Any:
    """Turn what an editor produced into the stored value (None when blank).

    One parser per column type (:func:`kapnotes.domain.parse.parse_value`);
    ``InputError`` names the column when the text does not parse.
    """
    return parse_value(column, value)


class LogTableModel(QAbstractTableModel):
    """The rows of one log field; columns are the field's column specs."""

    edited = Signal(int)
    rejected = Signal(str)

    def __init__(self, field: LogField, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.columns: tuple[ColumnField, ...] = field.columns
        self.rows: list[dict[str, Any]] = []
        self.read_only = False
        # (row, column id) -> how a clock time reads (with its zone across a change), or None
        self.time_display: Callable[[int, str], str | None] | None = None
        # a typed clock time -> why it cannot be placed on the session's day, or None
        self.time_check: Callable[[str], str | None] | None = None

    # -- Qt model API ------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of entries."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column labels with units; row numbers."""
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self.columns):
                return None
            column = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                unit = getattr(column, "unit", "")
                if not unit or f"({unit})" in column.label:
                    return column.label
                return f"{column.label} ({unit})"
            if role == Qt.ItemDataRole.ToolTipRole:
                return column.help or column.label
            return None
        if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self.rows):
            return str(section + 1)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Display text, the raw value for editing, warnings as colour and tooltip."""
        if not index.isValid() or not self._in_range(index.row(), index.column()):
            return None
        column = self.columns[index.column()]
        value = self.rows[index.row()].get(column.id)
        if role == Qt.ItemDataRole.DisplayRole:
            if isinstance(column, TimeField) and self.time_display is not None:
                shown = self.time_display(index.row(), column.id)
                if shown is not None:
                    return shown
            return cell_text(column, value)
        if role == Qt.ItemDataRole.EditRole:
            return value
        issues = [] if is_blank(value) else column.check_value(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            if issues:
                return "; ".join(issue.message for issue in issues)
            return column.help or None
        if role == Qt.ItemDataRole.ForegroundRole and issues:
            token = "error" if issues[0].severity == "error" else "warning_text"
            return QBrush(QColor(style.colour(token)))
        if role == Qt.ItemDataRole.BackgroundRole and issues:
            return QBrush(QColor(style.colour("warning_bg")))
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(
            column, NumberField | IntegerField | ScaleField
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Editable unless the note is signed, the column is calculated or the row is one
        the app wrote (an alert, an override, the discharge: the vault refuses changes to
        them; a clinician adds an entry of their own instead)."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        column = self.columns[index.column()]
        by_app = (
            index.row() < len(self.rows) and self.rows[index.row()].get(ORIGIN_KEY) == APP_ORIGIN
        )
        if not self.read_only and not by_app and (column.computed is None or column.allow_manual):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Store an edited cell when its column accepts it; say why when it does not."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.read_only:
            return False
        if not self._in_range(index.row(), index.column()):
            return False
        column = self.columns[index.column()]
        try:
            parsed = parse_cell(column, value)
        except InputError as error:
            self.rejected.emit(f"Row {index.row() + 1}, {error}")
            return False
        if isinstance(column, TimeField) and parsed is not None and self.time_check is not None:
            problem = self.time_check(str(parsed))
            if problem is not None:
                self.rejected.emit(f"Row {index.row() + 1}, {column.label}: {problem}")
                return False
        if parsed is not None:
            errors = [i for i in column.check_value(parsed) if i.severity == "error"]
            if errors:
                self.rejected.emit(f"Row {index.row() + 1}, {column.label}: {errors[0].message}")
                return False
        row = self.rows[index.row()]
        if row.get(column.id) == parsed:
            return True
        if parsed is None:
            row.pop(column.id, None)
        else:
            row[column.id] = parsed
        self.dataChanged.emit(index, index)
        self.edited.emit(index.row())
        return True

    def _in_range(self, row: int, column: int) -> bool:
        return 0 <= row < len(self.rows) and 0 <= column < len(self.columns)

    # -- used by the editor ------------------------------------------------------------

    def set_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        """Show these rows; same count: updated in place (editors stay open)."""
        copies = [dict(row) for row in rows]
        if len(copies) == len(self.rows):
            if copies != self.rows:
                self.rows = copies
                if copies:
                    self.dataChanged.emit(
                        self.index(0, 0), self.index(len(copies) - 1, len(self.columns) - 1)
                    )
            return
        self.beginResetModel()
        self.rows = copies
        self.endResetModel()

    def append_row(self, row: dict[str, Any]) -> int:
        """Add an entry at the end; returns its row number."""
        at = len(self.rows)
        self.beginInsertRows(QModelIndex(), at, at)
        self.rows.append(dict(row))
        self.endInsertRows()
        return at

    def set_cell(self, row: int, key: str, value: Any) -> None:
        """Set a value (e.g. the event id) without it counting as a user edit."""
        self.rows[row][key] = value
        if key in (c.id for c in self.columns):
            column = [c.id for c in self.columns].index(key)
            self.dataChanged.emit(self.index(row, column), self.index(row, column))

    def column_index(self, column_id: str) -> int:
        """The position of a column, -1 when there is none."""
        ids = [c.id for c in self.columns]
        return ids.index(column_id) if column_id in ids else -1


class LogDelegate(QStyledItemDelegate):
    """Cell editors by column type: lists for choices, a time edit for times, text otherwise."""

    def __init__(self, model: LogTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        """An editor fitting the column."""
        column = self._model.columns[index.column()]
        if isinstance(column, SingleChoiceField | YesNoField | ScaleField):
            combo = QComboBox(parent)
            combo.addItem("—", None)
            if isinstance(column, SingleChoiceField):
                for choice in column.options:
                    combo.addItem(choice.label, choice.value)
                combo.setEditable(column.allow_other)
            elif isinstance(column, YesNoField):
                combo.addItem("Yes", True)
                combo.addItem("No", False)
            else:
                for number in range(column.min, column.max + 1):
                    text = str(number)
                    if number == column.min:
                        text += f" – {column.anchors.low}"
                    elif number == column.max:
                        text += f" – {column.anchors.high}"
                    combo.addItem(text, number)
            return combo
        if isinstance(column, TimeField):
            edit = QTimeEdit(parent)
            edit.setDisplayFormat("HH:mm")
            return edit
        line = QLineEdit(parent)
        if isinstance(column, MultiChoiceField):
            line.setPlaceholderText(", ".join(o.label for o in column.options))
            line.setToolTip("Separate several with commas: " + line.placeholderText())
        return line

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        """Put the cell's value into the editor."""
        column = self._model.columns[index.column()]
        value = self._model.rows[index.row()].get(column.id)
        if isinstance(editor, QComboBox):
            found = editor.findData(value) if value is not None else 0
            if found < 0 and editor.isEditable():
                editor.setEditText(str(value))
            else:
                editor.setCurrentIndex(max(found, 0))
        elif isinstance(editor, QTimeEdit):
            parsed = parse_time(value)
            if parsed is not None:
                editor.setTime(QTime(parsed.hour, parsed.minute))
            else:
                editor.setTime(QTime.currentTime())
        elif isinstance(editor, QLineEdit):
            editor.setText(cell_text(column, value))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        """Hand the editor's value to the model (which checks it)."""
        value: Any
        if isinstance(editor, QComboBox):
            if editor.isEditable():
                text = editor.currentText().strip()
                column = self._model.columns[index.column()]
                options = column.options if isinstance(column, SingleChoiceField) else ()
                value = next((o.value for o in options if o.label == text), text or None)
            else:
                value = editor.currentData()
        elif isinstance(editor, QTimeEdit):
            value = editor.time().toString("HH:mm")
        elif isinstance(editor, QLineEdit):
            value = editor.text()
        else:  # pragma: no cover - every editor is one of the above
            return
        model.setData(index, value, Qt.ItemDataRole.EditRole)


class LogWidget(FieldWidget):
    """The table of a log field with an "Add entry" button below it."""

    entry_added = Signal(int)
    ROW_HEIGHT = 30

    def __init__(self, field: LogField, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.log_field = field
        self.model = LogTableModel(field, self)
        self.model.edited.connect(self._on_edited)
        self.model.rejected.connect(lambda message: self.show_issue("error", message))
        self.view = QTableView()
        self.view.setObjectName(f"input_{field.id}")
        self.view.setModel(self.model)
        self.delegate = LogDelegate(self.model, self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(60)
        self.view.verticalHeader().setDefaultSectionSize(self.ROW_HEIGHT)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._size_columns()
        self.add_button = theme.icon_button("Add entry", "plus")
        self.add_button.setObjectName(f"add_{field.id}")
        self.add_button.setToolTip("Add a row stamped with the current time")
        self.add_button.clicked.connect(self._add)
        self.body.addWidget(self.view)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        self.body.addLayout(row)
        self.has_computed_columns = any(c.computed is not None for c in field.columns)
        self.model.rowsInserted.connect(lambda *_a: self._fit_height())
        self.model.modelReset.connect(self._fit_height)
        self._fit_height()

    def _size_columns(self) -> None:
        metrics = self.view.fontMetrics()
        for position, column in enumerate(self.model.columns):
            head = self.model.headerData(position, Qt.Orientation.Horizontal)
            width = metrics.horizontalAdvance(str(head)) + 28
            if column.type in ("long_text",):
                width = max(width, 320)
            elif column.type in ("single_choice", "multi_choice", "short_text"):
                width = max(width, 150)
            elif column.type == "time":  # room for the zone across a clock change
                width = max(width, metrics.horizontalAdvance("00:00 AEDT") + 24)
            self.view.setColumnWidth(position, min(width, 260))

    def _fit_height(self) -> None:
        rows = max(len(self.model.rows), 1)
        header = self.view.horizontalHeader().sizeHint().height()
        scroll = self.view.horizontalScrollBar().sizeHint().height()
        total = sum(self.view.columnWidth(c) for c in range(self.model.columnCount()))
        needs_scroll = total > self.view.viewport().width() if self.view.isVisible() else True
        shown = min(rows, 10)
        body = sum(self.view.rowHeight(r) for r in range(min(len(self.model.rows), 10)))
        body = max(body, shown * self.ROW_HEIGHT)
        self.view.setFixedHeight(header + body + (scroll if needs_scroll else 0) + 4)

    def _add(self) -> None:
        self.entry_added.emit(len(self.model.rows))

    def _on_edited(self, _row: int) -> None:
        self.refresh_issues()
        self._emit()

    def refresh_issues(self) -> None:
        """Show the first implausible value of the log (amber), or nothing."""
        warnings = [i for i in self.log_field.check_value(self.model.rows) if i.severity]
        if warnings:
            self.show_issue(warnings[0].severity, warnings[0].message)
        else:
            self.show_issue(None)

    def show_issue(self, severity: str | None, message: str = "") -> None:
        """Problems show under the table; the table itself keeps its border."""
        super().show_issue(severity, message)
        self.view.setProperty("invalid", False)

    def value(self) -> Any:
        """The rows (None when there are none)."""
        return [dict(row) for row in self.model.rows] or None

    def _show(self, value: Any) -> None:
        rows = [dict(r) for r in value if isinstance(r, dict)] if isinstance(value, list) else []
        self.model.set_rows(rows)
        self.refresh_issues()

    def set_read_only(self, read_only: bool) -> None:
        """Freeze the table and hide "Add entry"."""
        self._read_only = read_only
        self.model.read_only = read_only
        self.add_button.setVisible(not read_only)

    def focus_widgets(self) -> list[QWidget]:
        """The table, then "Add entry"."""
        return [self.view, self.add_button]

    def edit_cell(self, row: int, column_id: str) -> None:
        """Select a cell and open its editor."""
        column = self.model.column_index(column_id)
        if column < 0:
            return
        index = self.model.index(row, column)
        self.view.setCurrentIndex(index)
        self.view.edit(index)

    def highlight(self, words: Sequence[str]) -> bool:
        """Select the first cell whose text holds a matching word."""
        for row in range(self.model.rowCount()):
            for column in range(self.model.columnCount()):
                index = self.model.index(row, column)
                if find_word(str(self.model.data(index) or ""), words) is not None:
                    self.view.setCurrentIndex(index)
                    self.view.scrollTo(index)
                    return True
        return False
