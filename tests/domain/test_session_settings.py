"""Clinic settings: spec defaults, the shipped JSON file, load/save and validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kapnotes.domain.clients import Product
from kapnotes.domain.session import (
    ClinicSettings,
    Rounding,
    SettingsError,
    bundled_settings_path,
    load_settings,
    save_settings,
)


def test_defaults_follow_the_clinical_spec() -> None:
    settings = ClinicSettings()
    alerts = settings.alerts
    assert (alerts.pre_dose_hold.above.systolic, alerts.pre_dose_hold.above.diastolic) == (140, 90)
    assert str(alerts.hypertension.sustained_above) == "180/110"
    assert alerts.hypertension.sustained_minutes == 5
    assert alerts.hypertension.window_minutes == 30
    assert str(alerts.hypertension.once_above) == "200/120"
    assert (alerts.tachycardia.above_bpm, alerts.tachycardia.sustained_minutes) == (120, 5)
    assert alerts.desaturation.below_percent == 94
    assert alerts.excess_sedation.at_or_below == 2
    monitoring = settings.monitoring
    assert monitoring.interval_for(Product.KETAMINE_IV) == 10
    assert monitoring.interval_for(Product.KETAMINE_IM) == 15
    # esketamine's 120 min is the spec's; every product has a minimum (clinic choices)
    assert monitoring.minimum_monitoring_min[Product.ESKETAMINE_INTRANASAL] == 120
    assert set(monitoring.minimum_monitoring_min) == set(Product)
    assert monitoring.timed_bp_check[Product.ESKETAMINE_INTRANASAL].at_min == 40
    assert [item.value for item in settings.discharge_checklist] == [
        "vitals_near_baseline",
        "alert_and_oriented",
        "steady_on_feet",
        "tolerating_fluids",
        "nausea_minimal",
        "escort_present",
        "written_instructions_given",
        "no_driving",
    ]
    ranges = settings.dose_ranges
    assert (ranges[Product.KETAMINE_IV].min, ranges[Product.KETAMINE_IV].max) == (0.1, 0.75)
    assert ranges[Product.KETAMINE_IM].unit == "mg_per_kg"
    assert (ranges[Product.KETAMINE_ORAL].min, ranges[Product.KETAMINE_ORAL].max) == (25, 300)
    assert ranges[Product.ESKETAMINE_INTRANASAL].usual_totals == (56, 84)
    billing = settings.billing
    assert billing.rounding is Rounding.MIDPOINT
    assert (billing.first_qhp.code, billing.additional_qhp.code) == ("0820T", "0821T")
    assert billing.clinical_staff.code == "0822T"
    assert (billing.esketamine_up_to.code, billing.esketamine_above.code) == ("G2082", "G2083")


def test_discharge_checklist_matches_the_dosing_template() -> None:
    template = json.loads(
        (bundled_settings_path().parent.parent / "templates" / "dosing.json").read_text("utf-8")
    )
    items = next(
        field["items"]
        for section in template["sections"]
        for field in section.get("fields", [])
        if field["id"] == "discharge_criteria"
    )
    assert [(i["value"], i["label"]) for i in items] == [
        (i.value, i.label) for i in ClinicSettings().discharge_checklist
    ]


def test_shipped_defaults_file_equals_the_model_defaults() -> None:
    shipped = load_settings(bundled_settings_path())
    assert shipped == ClinicSettings()
    assert json.loads(bundled_settings_path().read_text("utf-8")) == ClinicSettings().model_dump(
        mode="json"
    )


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    settings = ClinicSettings.model_validate(
        {
            "alerts": {"tachycardia": {"enabled": False}},
            "billing": {"rounding": "whole_units"},
            "monitoring": {"vitals_interval_min": {"ketamine_im": 5}},
        }
    )
    path = tmp_path / "clinic" / "settings.json"
    save_settings(settings, path)
    loaded = load_settings(path)
    assert loaded == settings
    assert loaded.alerts.tachycardia.enabled is False
    assert loaded.billing.rounding is Rounding.WHOLE_UNITS
    assert loaded.monitoring.interval_for(Product.KETAMINE_IM) == 5
    # a product left out of the map falls back to the default interval
    assert loaded.monitoring.interval_for(Product.KETAMINE_IV) == 15
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", "invalid JSON"),
        ("[]", "top level"),
        (
            '{"alerts": {"desaturation": {"below_percent": 120}}}',
            "alerts.desaturation.below_percent",
        ),
        ('{"alerts": {"tachycardia": {"bpm": 110}}}', "alerts.tachycardia.bpm"),
        ('{"billing": {"rounding": "nearest"}}', "billing.rounding"),
        ('{"version": 2}', "version"),
        ('{"dose_ranges": {"ketamine_iv": {"unit": "mg", "min": 5, "max": 1}}}', "dose_ranges"),
        (
            '{"discharge_checklist": [{"value": "a", "label": "A"}, {"value": "a", "label": "B"}]}',
            "appears twice",
        ),
        (
            '{"monitoring": {"minimum_monitoring_min": {"ketamine_im": -5}}}',
            "monitoring.minimum_monitoring_min.ketamine_im",
        ),
        (
            '{"monitoring": {"vitals_interval_min": {"ketamine_iv": 0}}}',
            "monitoring.vitals_interval_min.ketamine_iv",
        ),
        (
            '{"monitoring": {"minimum_monitoring_min": {"esketamine_intranasal": 90}}}',
            "at least 120 minutes of monitoring after the dose (Spravato REMS), not 90",
        ),
        (
            '{"vitals_limits": {"systolic": {"min": 50, "max": 1200}}}',
            "vitals_limits.systolic: Must lie within 30 to 350, not 1200",
        ),
        (
            '{"vitals_limits": {"spo2": {"min": 50, "max": 150}}}',
            "vitals_limits.spo2",
        ),
        (
            '{"dose_ranges": {"ketamine_iv": {"unit": "mg_per_kg", "min": 0.1, "max": 40}}}',
            "a usual range goes up to 10 mg/kg at most",
        ),
        ('{"billing": {"unit_minutes": 100000}}', "billing.unit_minutes"),
    ],
)
def test_invalid_settings_name_the_field(text: str, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        ClinicSettings.from_json(text, source="clinic.json")
    assert expected in str(caught.value)
    assert str(caught.value).startswith("clinic.json: ")


def test_missing_file_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings(tmp_path / "absent.json")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"sustained_minutes": 60, "window_minutes": 30}, "could never fire"),
        ({"once_above": {"systolic": 150, "diastolic": 120}}, "is below sustained above"),
    ],
)
def test_a_hypertension_rule_that_contradicts_itself_is_refused_naming_why(
    change: dict[str, object], words: str
) -> None:
    data = {"alerts": {"hypertension": change}}
    with pytest.raises(SettingsError, match=words):
        ClinicSettings.from_json(json.dumps(data), "clinic-settings.json")
