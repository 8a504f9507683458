"""The discharge gate and the esketamine REMS block."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kapnotes.domain.clients import Product
from kapnotes.domain.session import (
    ClinicSettings,
    DoseEntry,
    VitalsReading,
    discharge_check,
    rems_summary,
)

T0 = datetime(2031, 3, 3, 10, 0)
DEFAULTS = ClinicSettings()
CHECKLIST = DEFAULTS.discharge_checklist
ALL = [item.value for item in CHECKLIST]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def bp(minutes: float, systolic: int = 130, diastolic: int = 80) -> VitalsReading:
    return VitalsReading(time=at(minutes), systolic=systolic, diastolic=diastolic)


# --------------------------------------------------------------------------- discharge


def test_all_ticked_is_allowed() -> None:
    decision = discharge_check(ALL, CHECKLIST)
    assert decision.allowed and not decision.overridden
    assert decision.unticked == ()
    assert decision.override_reason is None


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_refused_while_an_item_is_unticked(reason: str | None) -> None:
    decision = discharge_check([v for v in ALL if v != "steady_on_feet"], CHECKLIST, reason)
    assert not decision.allowed
    assert [item.value for item in decision.unticked] == ["steady_on_feet"]
    assert "Steady on feet" in decision.message
    assert decision.override_reason is None


def test_override_with_a_reason_is_allowed_and_the_reason_kept() -> None:
    reason = "  Escort arrived late; client seated with staff until pickup  "
    decision = discharge_check(["vitals_near_baseline"], CHECKLIST, reason)
    assert decision.allowed and decision.overridden
    assert decision.override_reason == reason.strip()
    assert len(decision.unticked) == len(CHECKLIST) - 1
    assert reason.strip() in decision.message


def test_unknown_ticks_are_ignored() -> None:
    decision = discharge_check(["something_else"], CHECKLIST[:1])
    assert not decision.allowed


# --------------------------------------------------------------------------- REMS

ESK_DOSE = [DoseEntry(T0, Product.ESKETAMINE_INTRANASAL, 56)]


def test_complete_rems_block() -> None:
    pre, forty, late = bp(-20, 132, 84), bp(41, 150, 92), bp(115, 128, 80)
    readings = [bp(-40, 140, 88), pre, bp(33), forty, bp(48), late]
    summary = rems_summary(readings, ESK_DOSE, at(125), DEFAULTS)
    assert summary.t0 == T0
    assert summary.bp_pre_dose == pre
    assert summary.bp_40_min == forty
    assert summary.bp_pre_discharge == late
    assert summary.monitoring_minutes == 125
    assert summary.complete, summary.missing
    assert summary.to_template_values() == {
        "rems_bp_pre_dose_systolic": 132,
        "rems_bp_pre_dose_diastolic": 84,
        "rems_bp_40_min_systolic": 150,
        "rems_bp_40_min_diastolic": 92,
        "rems_bp_pre_discharge_systolic": 128,
        "rems_bp_pre_discharge_diastolic": 80,
        "rems_total_monitoring_min": 125,
    }


def test_monitoring_end_overrides_discharge_time() -> None:
    readings = [bp(-20), bp(40), bp(118)]
    summary = rems_summary(readings, ESK_DOSE, at(140), DEFAULTS, monitoring_end=at(120))
    assert summary.monitoring_minutes == 120
    assert summary.complete


@pytest.mark.parametrize(
    ("readings", "discharge", "missing"),
    [
        ([bp(40), bp(118)], 125, ["BP before dosing"]),
        ([bp(-20), bp(29), bp(51), bp(118)], 125, ["BP at about 40 min"]),
        ([bp(-20), bp(40), bp(80)], 125, ["BP before discharge"]),  # 45 min old
        ([bp(-20), bp(40), bp(100)], 110, ["at least 120 min", "only 110 min"]),
        ([bp(-20), bp(40), bp(118)], None, ["discharge time"]),
    ],
)
def test_rems_flags_what_is_missing(
    readings: list[VitalsReading], discharge: float | None, missing: list[str]
) -> None:
    summary = rems_summary(
        readings, ESK_DOSE, None if discharge is None else at(discharge), DEFAULTS
    )
    assert not summary.complete
    text = " | ".join(summary.missing)
    for words in missing:
        assert words in text
    assert len(summary.missing) == 1


def test_rems_without_a_dose() -> None:
    summary = rems_summary([bp(-20)], [], None, DEFAULTS)
    assert summary.t0 is None
    assert summary.bp_pre_dose == bp(-20)
    assert any("no dose" in item for item in summary.missing)


def test_pre_discharge_age_limit_is_a_setting() -> None:
    anytime = ClinicSettings.model_validate({"monitoring": {"pre_discharge_bp_within_min": None}})
    summary = rems_summary([bp(-20), bp(40), bp(80)], ESK_DOSE, at(125), anytime)
    assert summary.bp_pre_discharge == bp(80)
    assert summary.complete
