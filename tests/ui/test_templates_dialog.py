"""Settings -> Templates: list with versions, import a good file, refuse a bad one clearly."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from kapnotes.domain.templates import bundled_templates_dir
from kapnotes.store.catalog import Catalog
from kapnotes.ui.settings.templates_dialog import TemplatesDialog


def _rows(dialog: TemplatesDialog) -> list[tuple[str, ...]]:
    table = dialog.table
    return [
        tuple(table.item(r, c).text() for c in range(table.columnCount()))
        for r in range(table.rowCount())
    ]


def test_lists_bundled_templates_and_instruments(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = TemplatesDialog(Catalog(tmp_path), pick_file=lambda *_: None)
    qtbot.addWidget(dialog)
    kinds = {row[1] for row in _rows(dialog)}
    assert {"Template · Preparation", "Template · Dosing session", "Instrument"} <= kinds
    assert any(row[0].startswith("PHQ-9") for row in _rows(dialog))


def test_importing_a_newer_template_lists_it_as_clinic(qtbot: QtBot, tmp_path: Path) -> None:
    doc = json.loads((bundled_templates_dir() / "dosing.json").read_text())
    doc["version"] += 1
    doc["title"] = "Dosing session (clinic)"
    src = tmp_path / "clinic-dosing.json"
    src.write_text(json.dumps(doc))
    dialog = TemplatesDialog(Catalog(tmp_path / "data"), pick_file=lambda *_: src)
    qtbot.addWidget(dialog)

    dialog.import_template_button.click()

    assert (
        "Dosing session (clinic)",
        "Template · Dosing session",
        str(doc["version"]),
        "clinic",
    ) in (_rows(dialog))
    assert "Imported template" in dialog.message.text()


def test_a_broken_template_is_refused_with_its_file_and_problem(
    qtbot: QtBot, tmp_path: Path
) -> None:
    src = tmp_path / "typo.json"
    src.write_text('{"id": "x", "version": 1,')
    dialog = TemplatesDialog(Catalog(tmp_path / "data"), pick_file=lambda *_: src)
    qtbot.addWidget(dialog)
    before = _rows(dialog)

    dialog.import_template_button.click()

    assert "Not imported" in dialog.message.text()
    assert "typo.json" in dialog.message.text()
    assert _rows(dialog) == before
