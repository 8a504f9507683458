"""Settings -> Templates: list with versions, import a good file, refuse a bad one clearly."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from kapnotes.domain.templates import bundled_templates_dir
from kapnotes.store.catalog import Catalog
from kapnotes.store.vault import Vault
from kapnotes.ui.settings.templates_dialog import TemplatesDialog
from tests.ui.conftest import WindowFactory, unlock


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


def _dosing_reading_client_weight() -> str:
    """A clinic dosing template whose mg/kg dose reads $client.weight (no such field)."""
    doc = json.loads((bundled_templates_dir() / "dosing.json").read_text())
    doc["version"] += 1
    return json.dumps(doc).replace('"$client.weight_kg"', '"$client.weight"')


BAD_REFERENCE = (
    "dosing-custom.json: field 'dose_log' column 'dose_mg': computed reads $client.weight, "
    "which does not exist; client fields are: name, weight_kg, date_of_birth, id"
)


def test_a_template_reading_an_unknown_client_field_is_refused_by_name(
    qtbot: QtBot, tmp_path: Path
) -> None:
    src = tmp_path / "dosing-custom.json"
    src.write_text(_dosing_reading_client_weight())
    dialog = TemplatesDialog(Catalog(tmp_path / "data"), pick_file=lambda *_: src)
    qtbot.addWidget(dialog)
    before = _rows(dialog)

    dialog.import_template_button.click()

    assert dialog.message.text() == f"Not imported — {BAD_REFERENCE}"
    assert _rows(dialog) == before


def test_a_bad_template_in_the_vault_folder_is_named_at_start_up(
    qtbot: QtBot, vault: Vault, recovery_key: str, make_window: WindowFactory
) -> None:
    del recovery_key  # the vault exists
    folder = vault.data_dir / "templates"
    folder.mkdir(exist_ok=True)
    (folder / "dosing-custom.json").write_text(_dosing_reading_client_weight())
    window = make_window()
    unlock(qtbot, window)
    message = window.statusBar().currentMessage()
    assert message.startswith(
        "A clinic file was not loaded (see Settings → Templates and instruments): "
    )
    assert BAD_REFERENCE in message
    assert str(folder / "dosing-custom.json") in message


def test_an_unusable_clinic_settings_file_is_named_at_unlock_and_stays_in_view(
    qtbot: QtBot, vault: Vault, recovery_key: str, make_window: WindowFactory
) -> None:
    del recovery_key  # the vault exists
    settings = vault.data_dir / "clinic-settings.json"
    settings.write_text('{"time_zone": "Mars/Olympus"}')
    window = make_window()
    unlock(qtbot, window)
    message = window.statusBar().currentMessage()
    assert message.startswith("Clinic settings not used: ")
    assert str(settings) in message and "using the default settings" in message
    qtbot.wait(50)
    assert window.statusBar().currentMessage() == message  # no timeout hides it
