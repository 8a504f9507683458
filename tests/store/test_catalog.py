"""Clinic templates and instruments: loaded beside the bundled ones, imported after validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kapnotes.domain.templates import NarrativeLayout, bundled_templates_dir
from kapnotes.store.catalog import Catalog, CatalogError


def _bundled(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((bundled_templates_dir() / name).read_text())
    return data


def test_bundled_templates_of_all_three_phases_load(tmp_path: Path) -> None:
    result = Catalog(tmp_path).templates()
    assert {spec.phase for spec in result.templates.values()} >= {
        "preparation",
        "dosing",
        "integration",
    }
    assert result.warnings == []


def test_a_newer_clinic_template_is_imported_and_used(tmp_path: Path) -> None:
    doc = _bundled("integration.json")
    doc["version"] = int(str(doc["version"])) + 1
    doc["title"] = "Integration (clinic edition)"
    src = tmp_path / "mine.json"
    src.write_text(json.dumps(doc))
    catalog = Catalog(tmp_path / "data")

    spec = catalog.import_template(src)

    assert catalog.templates().get(spec.id) is not None
    assert catalog.templates().get(spec.id).title == "Integration (clinic edition)"  # type: ignore[union-attr]
    with pytest.raises(CatalogError, match="not newer"):
        catalog.import_template(src)


def test_a_malformed_template_is_refused_with_file_and_field(tmp_path: Path) -> None:
    doc = _bundled("preparation.json")
    sections = doc["sections"]
    assert isinstance(sections, list)
    sections[0]["fields"][0]["type"] = "hologram"
    src = tmp_path / "broken.json"
    src.write_text(json.dumps(doc))
    catalog = Catalog(tmp_path / "data")
    with pytest.raises(CatalogError, match=r"broken\.json") as info:
        catalog.import_template(src)
    assert "hologram" in str(info.value)
    assert not catalog.templates_dir.exists() or not list(catalog.templates_dir.iterdir())


def test_a_bad_file_in_the_clinic_folder_is_skipped_with_a_warning(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    catalog.templates_dir.mkdir()
    (catalog.templates_dir / "half-written.json").write_text('{"id": "x", ')
    result = catalog.templates()
    assert len(result.for_phase("dosing")) >= 1
    assert any("half-written.json" in w for w in result.warnings)


def test_clinic_instrument_is_imported_once(tmp_path: Path) -> None:
    doc = {
        "id": "clinic_ebi_like",
        "version": 1,
        "title": "Clinic-supplied scale",
        "short_name": "CS-2",
        "licence": "Used under the clinic's own licence.",
        "instructions": "Over the past week, how often...",
        "options": [{"value": 0, "label": "No"}, {"value": 1, "label": "Yes"}],
        "items": [
            {"id": "cs_1", "text": "Item 1 (text from your licensed copy)"},
            {"id": "cs_2", "text": "Item 2 (text from your licensed copy)"},
        ],
        "scoring": {"total": "sum"},
        "bands": [{"min": 0, "max": 2, "label": "Any"}],
    }
    src = tmp_path / "cs.json"
    src.write_text(json.dumps(doc))
    catalog = Catalog(tmp_path / "data")
    catalog.import_instrument(src)
    assert catalog.instruments().get("clinic_ebi_like") is not None
    assert catalog.instruments().get("phq9") is not None
    with pytest.raises(CatalogError, match="already installed"):
        catalog.import_instrument(src)


def test_clinic_settings_default_then_saved_then_a_damaged_file_falls_back(
    tmp_path: Path,
) -> None:
    catalog = Catalog(tmp_path)
    settings, warning = catalog.clinic_settings()
    assert warning is None
    assert settings.note_format == "soap"

    catalog.save_clinic_settings(settings.model_copy(update={"note_format": NarrativeLayout.BIRP}))
    assert catalog.clinic_settings()[0].note_format == "birp"

    catalog.settings_path.write_text('{"format": "kapnotes-clinic-settings", "note_format": 7}')
    settings, warning = catalog.clinic_settings()
    assert settings.note_format == "soap"
    assert warning is not None
    assert "clinic-settings.json" in warning and "note_format" in warning


def _dosing_reading(ref: str) -> dict[str, object]:
    """A clinic edition of the dosing template whose mg/kg dose reads `ref` as the weight."""
    doc = _bundled("dosing.json")
    doc["version"] = int(str(doc["version"])) + 1
    doc["title"] = "Dosing session (clinic)"
    text = json.dumps(doc)
    assert text.count('"$client.weight_kg"') == 1
    loaded: dict[str, object] = json.loads(text.replace('"$client.weight_kg"', json.dumps(ref)))
    return loaded


BAD_REFERENCE = (
    "dosing-custom.json: field 'dose_log' column 'dose_mg': computed reads $client.weight, "
    "which does not exist; client fields are: name, weight_kg, date_of_birth, id"
)


def test_a_template_reading_a_client_field_that_does_not_exist_is_refused(
    tmp_path: Path,
) -> None:
    src = tmp_path / "dosing-custom.json"
    src.write_text(json.dumps(_dosing_reading("$client.weight")))
    catalog = Catalog(tmp_path / "data")
    with pytest.raises(CatalogError) as info:
        catalog.import_template(src)
    assert str(info.value) == BAD_REFERENCE
    assert not catalog.templates_dir.exists() or not list(catalog.templates_dir.iterdir())
    assert catalog.templates().get("dosing").title == "Dosing session"  # type: ignore[union-attr]


def test_a_template_reading_the_clients_weight_kg_is_imported(tmp_path: Path) -> None:
    src = tmp_path / "dosing-custom.json"
    src.write_text(json.dumps(_dosing_reading("$client.weight_kg")))
    catalog = Catalog(tmp_path / "data")
    spec = catalog.import_template(src)
    assert catalog.templates().get(spec.id).title == "Dosing session (clinic)"  # type: ignore[union-attr]


def test_a_bad_reference_already_in_the_clinic_folder_is_skipped_and_named(
    tmp_path: Path,
) -> None:
    catalog = Catalog(tmp_path)
    catalog.templates_dir.mkdir()
    path = catalog.templates_dir / "dosing-custom.json"
    path.write_text(json.dumps(_dosing_reading("$client.weight")))
    result = catalog.templates()
    assert result.warnings == [f"{BAD_REFERENCE} (skipped {path})"]
    assert result.get("dosing").title == "Dosing session"  # type: ignore[union-attr]
