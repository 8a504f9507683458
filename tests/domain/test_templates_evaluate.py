"""show_if, the computed evaluator, inline validation and the signing check."""

from __future__ import annotations

from typing import Any

import pytest

from kapnotes.domain.templates import (
    Computed,
    Condition,
    NarrativeLayout,
    TemplateSpec,
    compute_values,
    evaluate_computed,
    evaluate_condition,
    is_visible,
    layout_headings,
    load_templates,
    missing_for_signing,
    narrative_fields,
    validate_values,
)


@pytest.fixture(scope="module")
def specs() -> dict[str, TemplateSpec]:
    return load_templates().templates


def _cond(data: dict[str, Any]) -> Condition:
    return Condition.model_validate(data)


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ({"field": "p", "equals": "esketamine_intranasal"}, {"p": "esketamine_intranasal"}, True),
        ({"field": "p", "equals": "esketamine_intranasal"}, {"p": "ketamine_iv"}, False),
        ({"field": "p", "equals": "esketamine_intranasal"}, {}, False),
        ({"field": "p", "not_equals": "ketamine_iv"}, {"p": "ketamine_oral"}, True),
        ({"field": "p", "in": ["a", "b"]}, {"p": "b"}, True),
        ({"field": "p", "in": ["a", "b"]}, {"p": "c"}, False),
        ({"field": "tags", "equals": "nausea"}, {"tags": ["resting", "nausea"]}, True),
        ({"field": "ok", "is_true": True}, {"ok": True}, True),
        ({"field": "ok", "is_true": True}, {"ok": False}, False),
        ({"field": "ok", "is_true": False}, {}, True),
        ({"field": "n", "equals": 1}, {"n": True}, False),
        ({"field": "$client.weight_kg", "equals": 80}, {}, True),
        (
            {"all": [{"field": "a", "is_true": True}, {"field": "b", "equals": "x"}]},
            {"a": True, "b": "x"},
            True,
        ),
        (
            {"all": [{"field": "a", "is_true": True}, {"field": "b", "equals": "x"}]},
            {"a": True, "b": "y"},
            False,
        ),
        (
            {"any": [{"field": "a", "is_true": True}, {"field": "b", "equals": "x"}]},
            {"a": False, "b": "x"},
            True,
        ),
        ({"not": {"field": "a", "is_true": True}}, {"a": True}, False),
    ],
)
def test_show_if(condition: dict[str, Any], values: dict[str, Any], expected: bool) -> None:
    context = {"client": {"weight_kg": 80}}
    assert evaluate_condition(_cond(condition), values, context) is expected


def test_rems_block_only_for_esketamine(specs: dict[str, TemplateSpec]) -> None:
    dosing = specs["dosing"]
    esk = {"planned_product": "esketamine_intranasal"}
    iv = {"planned_product": "ketamine_iv"}
    assert is_visible(dosing, "rems_sedation", esk)
    assert not is_visible(dosing, "rems_sedation", iv)
    assert not is_visible(dosing, "rems_sedation", {})


def _expr(data: dict[str, Any]) -> Computed:
    return Computed.model_validate(data)


def test_dose_from_mg_per_kg() -> None:
    expr = _expr({"op": "multiply", "args": ["dose_mg_per_kg", "$client.weight_kg"]})
    assert evaluate_computed(expr, {"dose_mg_per_kg": 0.75}, {"client": {"weight_kg": 80}}) == 60
    assert evaluate_computed(expr, {}, {"client": {"weight_kg": 80}}) is None


@pytest.mark.parametrize(
    ("expr", "values", "expected"),
    [
        ({"op": "days_between", "args": ["a", "b"]}, {"a": "2026-03-02", "b": "2026-03-05"}, 3),
        ({"op": "days_between", "args": ["a", "b"]}, {"a": "2026-03-02", "b": None}, None),
        ({"op": "minutes_between", "args": ["a", "b"]}, {"a": "09:10", "b": "11:25"}, 135),
        ({"op": "minutes_between", "args": ["a", "b"]}, {"a": "23:50", "b": "00:20"}, 30),
        (
            {"op": "minutes_between", "args": ["a", "b"]},
            {"a": "2026-03-02T09:00:00", "b": "2026-03-02T11:00:00"},
            120,
        ),
        ({"op": "sum", "args": ["a", "b", 1]}, {"a": 2, "b": 3.5}, 6.5),
        ({"op": "sum", "args": ["log.x"]}, {"log": [{"x": 1}, {"x": None}, {"x": 4}]}, 5),
        ({"op": "sum", "args": ["a", "b"]}, {"a": 2}, None),
        ({"op": "subtract", "args": ["a", "b"]}, {"a": 10, "b": 4}, 6),
        ({"op": "divide", "args": ["a", "b"]}, {"a": 10, "b": 0}, None),
        ({"op": "round", "args": ["a", 1]}, {"a": 2.345}, 2.3),
        ({"op": "max", "args": ["log.x"]}, {"log": [{"x": 1}, {"x": 7}]}, 7),
        ({"op": "count", "args": ["log.x"]}, {"log": [{"x": 1}, {"x": None}]}, 1),
        ({"op": "first", "args": ["log.t"]}, {"log": [{"t": "09:00"}, {"t": "09:40"}]}, "09:00"),
        ({"op": "last", "args": ["log.t"]}, {"log": [{"t": "09:00"}, {"t": "09:40"}]}, "09:40"),
        ({"op": "multiply", "args": ["a", 0.1, 3]}, {"a": 1}, 0.3),
    ],
)
def test_computed_ops(expr: dict[str, Any], values: dict[str, Any], expected: object) -> None:
    assert evaluate_computed(_expr(expr), values) == expected


def test_days_since_dosing(specs: dict[str, TemplateSpec]) -> None:
    values = {"session_date": "2026-03-05"}
    context = {"linked": {"session_date": "2026-03-02"}}
    assert compute_values(specs["integration"], values, context)["days_since_dosing"] == 3


def test_dose_log_row_computes_mg_or_keeps_manual(specs: dict[str, TemplateSpec]) -> None:
    values = {
        "dose_log": [
            {"time": "09:00", "dose_mg_per_kg": 0.75},
            {"time": "09:30", "dose_mg": 20},
        ],
        "monitoring_end_time": "11:15",
    }
    out = compute_values(specs["dosing"], values, {"client": {"weight_kg": 80}})
    assert [row["dose_mg"] for row in out["dose_log"]] == [60, 20]
    assert out["rems_total_monitoring_min"] == 135


def test_validate_values_range_type_and_plausible(specs: dict[str, TemplateSpec]) -> None:
    prep = specs["preparation"]
    values = {
        "readiness": 11,
        "session_number": "three",
        "planned_dose_unit": "mg_per_kg",
        "planned_dose_mg_per_kg": 2.0,
        "planned_product": "heroic_dose",
        "contraindications": ["pregnancy", "zebra"],
    }
    problems = {p.field_id: p for p in validate_values(prep, values)}
    assert problems["readiness"].severity == "error"
    assert "between 0 and 10" in problems["readiness"].message
    assert "whole number" in problems["session_number"].message
    assert problems["planned_dose_mg_per_kg"].severity == "warning"
    assert "not one of the options" in problems["planned_product"].message
    assert "'zebra'" in problems["contraindications"].message
    assert validate_values(prep, {"readiness": 7, "session_date": "2026-03-02"}) == []


def test_validate_values_checks_log_rows(specs: dict[str, TemplateSpec]) -> None:
    values = {"vitals_log": [{"time": "09:00", "systolic": 400, "diastolic": 80, "spo2": 88}]}
    problems = validate_values(specs["dosing"], values)
    messages = [str(p) for p in problems]
    assert any("row 1, Systolic BP: must be between 50 and 300" in m for m in messages)
    assert any(p.severity == "warning" and "SpO2" in p.message for p in problems)


def test_hidden_fields_are_not_validated(specs: dict[str, TemplateSpec]) -> None:
    values = {"planned_product": "ketamine_iv", "rems_bp_pre_dose_systolic": 9999}
    assert validate_values(specs["dosing"], values) == []


def test_missing_for_signing_respects_show_if(specs: dict[str, TemplateSpec]) -> None:
    dosing = specs["dosing"]
    iv = missing_for_signing(dosing, {"planned_product": "ketamine_iv"})
    esk = missing_for_signing(dosing, {"planned_product": "esketamine_intranasal"})
    assert "Sedation" not in iv
    assert "Sedation" in esk
    assert "Session date" in iv
    assert "Reason for cancelling" not in iv
    cancelled = missing_for_signing(dosing, {"dosing_cancelled": True})
    assert "Reason for cancelling" in cancelled
    assert "Discharge criteria" not in cancelled


def test_missing_for_signing_checklists(specs: dict[str, TemplateSpec]) -> None:
    dosing = specs["dosing"]
    all_but_rems = ["fasted", "ride_home_confirmed", "no_intoxicants_24h", "consent_reconfirmed"]
    iv = {"planned_product": "ketamine_iv", "pre_dose_checklist": all_but_rems}
    assert "Pre-dose checklist" not in missing_for_signing(dosing, iv)
    esk = {"planned_product": "esketamine_intranasal", "pre_dose_checklist": all_but_rems}
    assert "Pre-dose checklist" in missing_for_signing(dosing, esk)
    partly = {"discharge_criteria": ["alert_and_oriented"]}
    assert "Discharge criteria" in missing_for_signing(dosing, partly)
    overridden = {**partly, "discharge_override_reason": "Escort waiting in car park."}
    assert "Discharge criteria" not in missing_for_signing(dosing, overridden)
    prep = specs["preparation"]
    assert "Contraindication screen" in missing_for_signing(prep, {})
    assert "Contraindication screen" not in missing_for_signing(prep, {"contraindications": []})


def test_missing_for_signing_log_rows_and_narrative(specs: dict[str, TemplateSpec]) -> None:
    dosing = specs["dosing"]
    values = {"vitals_log": [{"time": "09:00", "systolic": 120}]}
    missing = missing_for_signing(dosing, values, NarrativeLayout.BIRP)
    assert "Vitals (row 1): Diastolic BP" in missing
    assert "Vitals" not in missing
    assert {"Behavior", "Intervention", "Response", "Plan"} <= set(missing)
    assert "Subjective" not in missing
    filled = {"narrative_behavior": "Calm.", "narrative_plan": "Integration Friday."}
    missing = missing_for_signing(dosing, filled, NarrativeLayout.BIRP)
    assert "Behavior" not in missing
    assert "Response" in missing


def test_required_yes_no_false_counts_as_answered(specs: dict[str, TemplateSpec]) -> None:
    prep = specs["preparation"]
    assert "Ride home arranged" in missing_for_signing(prep, {})
    missing = missing_for_signing(prep, {"ride_home_arranged": False})
    assert "Ride home arranged" not in missing
    assert "Driver's name" not in missing
    assert "Driver's name" in missing_for_signing(prep, {"ride_home_arranged": True})


def test_computed_dose_counts_for_signing(specs: dict[str, TemplateSpec]) -> None:
    prep = specs["preparation"]
    values = {"planned_dose_unit": "mg_per_kg", "planned_dose_mg_per_kg": 0.5}
    assert "Planned dose (mg)" in missing_for_signing(prep, values)
    context = {"client": {"weight_kg": 70}}
    assert "Planned dose (mg)" not in missing_for_signing(prep, values, context=context)


@pytest.mark.parametrize(
    ("layout", "titles"),
    [
        (NarrativeLayout.SOAP, ["Subjective", "Objective", "Assessment", "Plan"]),
        (NarrativeLayout.DAP, ["Data", "Assessment", "Plan"]),
        (NarrativeLayout.BIRP, ["Behavior", "Intervention", "Response", "Plan"]),
    ],
)
def test_narrative_layouts(layout: NarrativeLayout, titles: list[str]) -> None:
    assert [heading.title for heading in layout_headings(layout)] == titles
    fields = narrative_fields(layout, "narrative")
    assert [field.label for field in fields] == titles
    assert all(field.type == "long_text" for field in fields)
    assert fields[0].id.startswith("narrative_")
