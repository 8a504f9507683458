"""The three bundled templates load and hold every field the clinical spec lists."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kapnotes.domain.assets import get_asset
from kapnotes.domain.templates import (
    ChecklistField,
    InstrumentField,
    LogField,
    MultiChoiceField,
    ScaleField,
    SingleChoiceField,
    TemplateSpec,
    bundled_templates_dir,
    load_template_file,
    load_templates,
)

HEADER = {"session_date", "start_time", "end_time", "clinicians", "session_number", "session_mode"}


@pytest.fixture(scope="module")
def templates() -> dict[str, TemplateSpec]:
    result = load_templates()
    assert result.warnings == []
    return result.templates


@pytest.mark.parametrize("name", ["preparation", "dosing", "integration"])
def test_bundled_template_loads_with_header(name: str) -> None:
    spec = load_template_file(get_asset("templates", f"{name}.json"))
    assert spec.id == name
    assert spec.phase == name
    assert spec.version >= 1
    assert set(spec.field_map()) >= HEADER
    assert any(section.narrative for section in spec.sections)


def test_preparation_fields(templates: dict[str, TemplateSpec]) -> None:
    spec = templates["preparation"]
    screen = spec.field("contraindications")
    assert isinstance(screen, ChecklistField)
    assert len(screen.items) == 11
    assert "History of intracerebral haemorrhage" in [item.label for item in screen.items]
    meds = spec.field("sedating_or_bp_medications")
    assert isinstance(meds, MultiChoiceField)
    assert meds.allow_other
    assert [o.label for o in meds.options] == [
        "Benzodiazepines",
        "Non-benzodiazepine hypnotics",
        "Opioids",
        "Psychostimulants",
        "MAOIs",
        "Lamotrigine",
    ]
    clearance = spec.field("medical_clearance")
    assert isinstance(clearance, SingleChoiceField)
    assert clearance.option_values() == ["pending", "cleared", "not_cleared"]
    education = spec.field("psychoeducation")
    assert isinstance(education, ChecklistField)
    assert len(education.items) == 5
    for measure in ("phq9", "gad7", "pcl5"):
        field = spec.field(measure)
        assert isinstance(field, InstrumentField)
        assert field.instrument_id == measure
    product = spec.field("planned_product")
    assert isinstance(product, SingleChoiceField)
    assert "esketamine_intranasal" in product.option_values()
    assert len(product.options) == 5
    readiness = spec.field("readiness")
    assert isinstance(readiness, ScaleField)
    assert (readiness.min, readiness.max) == (0, 10)
    for field_id in (
        "prescriber_name",
        "substance_use_history",
        "intentions_goals",
        "fears_concerns",
        "fasting_instructions",
        "consent_signed",
        "consent_date",
        "ride_home_arranged",
        "driver_name",
        "driver_phone",
        "planned_dose_mg",
        "safety_plan",
    ):
        assert field_id in spec.field_map()


def test_dosing_fields(templates: dict[str, TemplateSpec]) -> None:
    spec = templates["dosing"]
    types = {field.type for field in spec.fields()}
    assert {"vitals_log", "dose_log", "observation_log", "adverse_events"} <= types
    vitals = spec.field("vitals_log")
    assert isinstance(vitals, LogField)
    assert {"time", "t_plus_min", "systolic", "diastolic", "heart_rate", "spo2"} <= {
        c.id for c in vitals.columns
    }
    assert {"respiratory_rate", "moaas", "dissociation", "cadss_total"} <= {
        c.id for c in vitals.columns
    }
    moaas = vitals.column("moaas")
    assert isinstance(moaas, ScaleField)
    assert (moaas.min, moaas.max) == (0, 5)
    events = spec.field("adverse_events")
    assert isinstance(events, LogField)
    kind = events.column("kind")
    assert isinstance(kind, SingleChoiceField)
    assert len(kind.options) == 11
    discharge = spec.field("discharge_criteria")
    assert isinstance(discharge, ChecklistField)
    assert len(discharge.items) == 8
    assert discharge.require_all
    interventions = spec.field("interventions")
    assert isinstance(interventions, MultiChoiceField)
    assert len(interventions.options) == 6
    observations = spec.field("observation_log")
    assert isinstance(observations, LogField)
    tags = observations.column("tags")
    assert isinstance(tags, MultiChoiceField)
    assert len(tags.options) == 8
    rems = next(section for section in spec.sections if section.id == "rems")
    assert rems.show_if is not None
    assert rems.show_if.field == "planned_product"
    assert rems.show_if.equals == "esketamine_intranasal"
    assert spec.field("rems_total_monitoring_min").computed is not None


def test_integration_fields(templates: dict[str, TemplateSpec]) -> None:
    spec = templates["integration"]
    days = spec.field("days_since_dosing")
    assert days.computed is not None
    assert days.computed.op == "days_between"
    assert spec.field("linked_dosing_session").type == "note_link"
    for field_id in (
        "client_narrative",
        "themes",
        "insights",
        "mood_since",
        "sleep_since",
        "side_effects",
        "suicide_risk_screen",
        "phq9",
        "gad7",
        "ebi",
        "meq30",
        "intentions_reviewed",
        "practices",
        "prescriber_recommendation",
        "coordination_note",
    ):
        assert field_id in spec.field_map()
    recommendation = spec.field("prescriber_recommendation")
    assert isinstance(recommendation, SingleChoiceField)
    assert recommendation.option_values() == ["increase", "same", "decrease", "stop"]


def _clinic_copy(tmp_path: Path, version: int, title: str) -> Path:
    data = json.loads((bundled_templates_dir() / "integration.json").read_text(encoding="utf-8"))
    data["version"] = version
    data["title"] = title
    clinic = tmp_path / "clinic"
    clinic.mkdir(exist_ok=True)
    (clinic / "integration.json").write_text(json.dumps(data), encoding="utf-8")
    return clinic


def test_clinic_template_with_higher_version_overrides(tmp_path: Path) -> None:
    clinic = _clinic_copy(tmp_path, 2, "Integration (clinic)")
    result = load_templates([bundled_templates_dir(), clinic])
    assert result.templates["integration"].version == 2
    assert result.templates["integration"].title == "Integration (clinic)"
    assert result.sources["integration"] == clinic / "integration.json"
    assert result.warnings == []


def test_clinic_template_with_same_version_is_ignored_with_warning(tmp_path: Path) -> None:
    clinic = _clinic_copy(tmp_path, 1, "Integration (clinic)")
    result = load_templates([bundled_templates_dir(), clinic])
    assert result.templates["integration"].title == "Integration session"
    assert len(result.warnings) == 1
    assert "version 1 ignored" in result.warnings[0]


def test_bad_clinic_file_is_skipped_and_others_load(tmp_path: Path) -> None:
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    (clinic / "broken.json").write_text('{"id": "broken", ', encoding="utf-8")
    shutil.copy(bundled_templates_dir() / "dosing.json", clinic / "dosing_copy.json")
    result = load_templates([bundled_templates_dir(), clinic, tmp_path / "missing"])
    assert set(result.templates) == {"preparation", "dosing", "integration"}
    assert len(result.errors) == 1
    assert any("broken.json: bad JSON" in warning for warning in result.warnings)
    assert result.for_phase("dosing")[0].id == "dosing"
