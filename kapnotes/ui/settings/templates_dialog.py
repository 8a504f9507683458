"""Settings -> Templates: the note templates and instruments in use, and importing a file.

Every file is validated before it is copied into the vault's folder; a bad
file is refused with a message naming the file, the field and the problem.
Files that are already in the folder but broken are listed as warnings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.notes import PHASE_LABELS
from kapnotes.store.catalog import Catalog, CatalogError
from kapnotes.ui.widgets import set_role

PickFile = Callable[[QWidget, str], Path | None]


def _pick_json(parent: QWidget, title: str) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, title, str(Path.home()), "JSON files (*.json)")
    return Path(name) if name else None


class TemplatesDialog(QDialog):
    """Lists templates and instruments with versions and where they come from."""

    def __init__(
        self,
        catalog: Catalog,
        parent: QWidget | None = None,
        pick_file: PickFile = _pick_json,
        *,
        record: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        """``record(action, detail)`` writes each import into the vault's audit trail."""
        super().__init__(parent)
        self._record = record
        self.setWindowTitle("Templates and instruments")
        self.setObjectName("templatesDialog")
        self.resize(760, 520)
        self._catalog = catalog
        self._pick_file = pick_file

        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("templatesTable")
        self.table.setHorizontalHeaderLabels(["Name", "Kind", "Version", "Source"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)

        self.message = QLabel(self)
        self.message.setObjectName("templatesMessage")
        self.message.setWordWrap(True)

        self.import_template_button = QPushButton("Import template…", self)
        self.import_template_button.clicked.connect(self.import_template)
        self.import_instrument_button = QPushButton("Import instrument…", self)
        self.import_instrument_button.clicked.connect(self.import_instrument)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        intro = QLabel(
            "Clinic templates and instruments are JSON files kept beside the vault. "
            "A file is checked before it is added; a newer version of a template is used "
            "for new notes only — existing notes keep the template they were written with.",
            self,
        )
        intro.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.import_template_button)
        row.addWidget(self.import_instrument_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 20, 20, 16)
        layout.setSpacing(12)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(row)
        self.refresh()

    def refresh(self, note: str = "") -> None:
        """Reload both folders and show what is in use and what was skipped."""
        templates = self._catalog.templates()
        instruments = self._catalog.instruments()
        rows: list[tuple[str, str, str, str]] = []
        for spec in sorted(templates.templates.values(), key=lambda s: (s.phase, s.title)):
            source = templates.sources.get(spec.id)
            origin = (
                "clinic" if source and source.parent == self._catalog.templates_dir else "built-in"
            )
            kind = f"Template · {PHASE_LABELS[spec.phase]}"
            rows.append((spec.title, kind, str(spec.version), origin))
        for ins in instruments.instruments:
            source = instruments.sources.get((ins.id, ins.version))
            origin = (
                "clinic"
                if source and source.parent == self._catalog.instruments_dir
                else "built-in"
            )
            rows.append((f"{ins.short_name} — {ins.title}", "Instrument", str(ins.version), origin))
        self.table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
        warnings = list(templates.warnings) + list(instruments.warnings)
        parts = [note] if note else []
        if warnings:
            parts.append("Skipped files:\n" + "\n".join(f"• {w}" for w in warnings))
        self.message.setText("\n\n".join(parts))

    def _import(self, title: str, action: Callable[[Path], str]) -> None:
        path = self._pick_file(self, title)
        if path is None:
            return
        try:
            done = action(path)
        except CatalogError as exc:
            set_role(self.message, "error")
            self.refresh(f"Not imported — {exc}")
            return
        set_role(self.message, "")
        self.refresh(done)

    def _recorded(self, kind: str, file_id: str, version: int) -> None:
        if self._record is not None:
            self._record("settings.import", {"kind": kind, "id": file_id, "version": version})

    def import_template(self) -> None:
        """Ask for a template file, validate it and add it."""

        def run(path: Path) -> str:
            spec = self._catalog.import_template(path)
            self._recorded("template", spec.id, spec.version)
            return f"Imported template “{spec.title}” version {spec.version}."

        self._import("Import a note template", run)

    def import_instrument(self) -> None:
        """Ask for an instrument file, validate it and add it."""

        def run(path: Path) -> str:
            spec = self._catalog.import_instrument(path)
            self._recorded("instrument", spec.id, spec.version)
            return f"Imported instrument “{spec.title}” version {spec.version}."

        self._import("Import an instrument", run)
