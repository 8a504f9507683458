"""Settings → Audit trail: every recorded event, filtered, with the chain's state; CSV export.

Filters: client, clinician, action and a date range (the clinic's days, read as
UTC instants by the store query). The header says whether the hash chain
verifies (and what is wrong when it does not). **Export CSV…** writes the rows
shown to a file the user chooses: that file is plaintext, like export-json, and
the export itself is recorded in the trail (its row count, never the path).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kapnotes.store import audit_view
from kapnotes.store.audit_view import AuditQuery, AuditRow
from kapnotes.store.vault import OpenVault
from kapnotes.ui.widgets import label

AskPath = Callable[[QWidget], Path | None]
HEADERS = ("#", "Time (UTC)", "Clinician", "Action", "Client", "Detail")
ANY = "(any)"


def ask_csv_path(parent: QWidget) -> Path | None:
    """The system's save dialog, for the CSV file."""
    name, _ = QFileDialog.getSaveFileName(
        parent,
        "Export the audit trail (plaintext CSV)",
        str(Path.home() / "audit.csv"),
        "CSV files (*.csv)",
    )
    return Path(name) if name else None


Index = QModelIndex | QPersistentModelIndex


class AuditModel(QAbstractTableModel):
    """The rows of the audit trail, newest first."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[AuditRow] = []

    def set_rows(self, rows: list[AuditRow]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Events shown."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Columns shown."""
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The text of a cell (and the full detail as its tooltip)."""
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = (
                str(row.seq),
                f"{row.at:%Y-%m-%d %H:%M:%S}",
                row.actor_name or "—",
                row.action,
                row.client_name,
                audit_view.describe(row),
            )
            return values[index.column()]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(HEADERS)
        ):
            return HEADERS[section]
        return None


class AuditDialog(QDialog):
    """Settings → Audit trail (see the module docstring)."""

    def __init__(
        self, vault: OpenVault, parent: QWidget | None = None, *, ask_path: AskPath = ask_csv_path
    ) -> None:
        super().__init__(parent)
        self.setObjectName("auditDialog")
        self.setWindowTitle("Audit trail")
        self.resize(1040, 620)
        self._vault = vault
        self._ask_path = ask_path

        self.chain_label = QLabel()
        self.chain_label.setObjectName("chainState")
        self.chain_label.setWordWrap(True)
        self.client_combo = self._combo("auditClient", audit_view.client_names(vault))
        self.clinician_combo = self._combo("auditClinician", audit_view.clinicians(vault))
        self.action_combo = self._combo("auditAction", [(a, a) for a in audit_view.actions(vault)])
        today = QDate.currentDate()
        self.from_check = QCheckBox("From")
        self.from_check.setObjectName("auditFromOn")
        self.from_edit = self._date("auditFrom", today.addDays(-30))
        self.to_check = QCheckBox("To")
        self.to_check.setObjectName("auditToOn")
        self.to_edit = self._date("auditTo", today)
        for check, edit in ((self.from_check, self.from_edit), (self.to_check, self.to_edit)):
            check.toggled.connect(edit.setEnabled)
            check.toggled.connect(self.refresh)
            edit.setEnabled(False)
            edit.dateChanged.connect(self.refresh)
        for combo in (self.client_combo, self.clinician_combo, self.action_combo):
            combo.currentIndexChanged.connect(self.refresh)

        filters = QGridLayout()
        filters.addWidget(label("Client"), 0, 0)
        filters.addWidget(self.client_combo, 0, 1)
        filters.addWidget(label("Clinician"), 0, 2)
        filters.addWidget(self.clinician_combo, 0, 3)
        filters.addWidget(label("Action"), 0, 4)
        filters.addWidget(self.action_combo, 0, 5)
        dates = QHBoxLayout()
        dates.addWidget(self.from_check)
        dates.addWidget(self.from_edit)
        dates.addSpacing(12)
        dates.addWidget(self.to_check)
        dates.addWidget(self.to_edit)
        dates.addStretch(1)
        filters.addLayout(dates, 1, 0, 1, 6)
        filters.setColumnStretch(1, 2)
        filters.setColumnStretch(3, 2)
        filters.setColumnStretch(5, 2)

        self.model = AuditModel()
        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column in range(len(HEADERS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        self.count_label = label("", "muted")
        self.count_label.setObjectName("auditCount")

        self.export_button = QPushButton("Export CSV…")
        self.export_button.setObjectName("auditExport")
        self.export_button.setToolTip(
            "Write the rows shown to a CSV file. It is NOT encrypted: choose where it goes."
        )
        self.export_button.clicked.connect(self.export)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(self.export_button)
        bottom.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(self.chain_label)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.show_chain_state()
        self.refresh()

    def _combo(self, name: str, items: list[tuple[str, str]]) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.addItem(ANY, None)
        for key, text in items:
            combo.addItem(text, key)
        combo.setMinimumWidth(160)
        return combo

    def _date(self, name: str, value: QDate) -> QDateEdit:
        edit = QDateEdit(value)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def show_chain_state(self) -> None:
        """Verify the chain and say so at the top."""
        state = audit_view.chain_state(self._vault)
        if state.ok:
            self.chain_label.setText(
                f"✔ The audit chain verifies: {state.events} events, every link and hash holds."
            )
            self.chain_label.setProperty("role", "signed")
        else:
            listed = "; ".join(state.problems[:3])
            more = f" (and {len(state.problems) - 3} more)" if len(state.problems) > 3 else ""
            self.chain_label.setText(f"✖ The audit chain does NOT verify: {listed}{more}")
            self.chain_label.setProperty("role", "error")
        self.chain_label.style().unpolish(self.chain_label)
        self.chain_label.style().polish(self.chain_label)

    def query(self) -> AuditQuery:
        """The filters as a query (dates are whole UTC days)."""

        def instant(day: QDate) -> datetime:
            return datetime.combine(date(day.year(), day.month(), day.day()), time(0), tzinfo=UTC)

        action = self.action_combo.currentData()
        return AuditQuery(
            client_id=self.client_combo.currentData(),
            clinician_id=self.clinician_combo.currentData(),
            actions=(action,) if action else (),
            since=instant(self.from_edit.date()) if self.from_check.isChecked() else None,
            until=(
                instant(self.to_edit.date()) + timedelta(days=1)
                if self.to_check.isChecked()
                else None
            ),
        )

    def refresh(self) -> None:
        """Read the events that match the filters."""
        rows = audit_view.audit_events(self._vault, self.query())
        self.model.set_rows(rows)
        self.count_label.setText(f"{len(rows)} event{'s' if len(rows) != 1 else ''} shown")
        self.export_button.setEnabled(bool(rows))

    def export(self) -> Path | None:
        """Ask where, then write the rows shown as CSV (plaintext)."""
        path = self._ask_path(self)
        if path is None:
            return None
        if path.suffix.lower() != ".csv":
            path = path.with_name(path.name + ".csv")
        audit_view.export_csv(self._vault, self.model.rows, path)
        self.count_label.setText(f"{len(self.model.rows)} events written to {path.name}")
        return path
