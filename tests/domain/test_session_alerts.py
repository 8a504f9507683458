"""The alert engine and the pre-dose hold, with explicit datetimes (a fake clock)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapnotes.domain.clients import Product
from kapnotes.domain.session import (
    ClinicSettings,
    DoseEntry,
    HoldKind,
    RuleId,
    Severity,
    VitalsReading,
    active_alerts,
    dose_needs_override,
    evaluate_alerts,
)

T0 = datetime(2031, 3, 3, 10, 0)
DEFAULTS = ClinicSettings()
DOSES = [DoseEntry(time=T0, product=Product.KETAMINE_IM, dose_mg=60.0)]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def bp(minutes: float, systolic: int, diastolic: int) -> VitalsReading:
    return VitalsReading(time=at(minutes), systolic=systolic, diastolic=diastolic)


def hr(minutes: float, rate: int) -> VitalsReading:
    return VitalsReading(time=at(minutes), heart_rate=rate)


def rules_of(readings: list[VitalsReading], settings: ClinicSettings = DEFAULTS) -> list[str]:
    return [alert.rule.value for alert in evaluate_alerts(readings, DOSES, settings)]


@pytest.mark.parametrize(
    ("readings", "expected"),
    [
        # the required cases
        ([bp(40, 182, 112), bp(45, 184, 110)], ["hypertension"]),
        ([bp(40, 182, 112), bp(45, 150, 90)], []),
        ([bp(40, 205, 125)], ["hypertension"]),
        ([hr(10, 125), hr(15, 128)], ["tachycardia"]),
        ([VitalsReading(time=at(20), spo2=93)], ["desaturation"]),
        ([VitalsReading(time=at(20), moaas=2)], ["excess_sedation"]),
        # boundaries
        ([bp(40, 180, 110), bp(45, 180, 110)], []),  # at the threshold is not above it
        ([bp(40, 181, 80), bp(45, 150, 111)], ["hypertension"]),  # either part above
        ([bp(40, 182, 112), bp(44, 184, 112)], []),  # 4 minutes apart is not enough
        ([bp(40, 182, 112), bp(44, 184, 112), bp(45, 185, 112)], ["hypertension"]),
        # two high readings 5+ min apart within 30 min, whatever lies between (the case)
        ([bp(10, 185, 115), bp(12, 150, 95), bp(15, 186, 112)], ["hypertension"]),
        ([bp(10, 185, 115), bp(41, 186, 112)], []),  # 31 minutes apart: outside the window
        ([bp(10, 185, 115), bp(40, 186, 112)], ["hypertension"]),  # 30 minutes: inside
        ([bp(40, 200, 120)], []),  # 200/120 itself is not above 200/120
        ([bp(40, 201, 100)], ["hypertension"]),
        ([hr(10, 125), hr(14, 128)], []),
        ([hr(10, 120), hr(15, 120)], []),
        ([hr(10, 125), hr(12, 110), hr(15, 128)], []),
        ([VitalsReading(time=at(20), spo2=94)], []),
        ([VitalsReading(time=at(20), moaas=3)], []),
        ([VitalsReading(time=at(20), moaas=0)], ["excess_sedation"]),
        # readings without the measurement neither count nor break a run
        (
            [hr(10, 125), VitalsReading(time=at(12), spo2=98), hr(15, 128)],
            ["tachycardia"],
        ),
        # given out of order: the engine sorts by time
        ([bp(45, 184, 110), bp(40, 182, 112)], ["hypertension"]),
    ],
)
def test_alert_rules(readings: list[VitalsReading], expected: list[str]) -> None:
    assert rules_of(readings) == expected


def test_hypertension_alert_details() -> None:
    first, second = bp(40, 182, 112), bp(45, 184, 110)
    [alert] = evaluate_alerts([first, second], DOSES, DEFAULTS)
    assert alert.rule is RuleId.HYPERTENSION
    assert alert.severity is Severity.WARNING
    assert alert.since == at(45)
    assert alert.readings == (first, second)
    assert alert.active
    assert "182/112 at 10:40 (T+40:00)" in alert.message
    assert "184/110 at 10:45 (T+45:00)" in alert.message


def test_severe_hypertension_once_is_critical() -> None:
    reading = bp(40, 205, 125)
    [alert] = evaluate_alerts([reading], DOSES, DEFAULTS)
    assert (alert.severity, alert.since, alert.readings) == (Severity.CRITICAL, at(40), (reading,))
    assert "205/125" in alert.message and "200/120" in alert.message


def test_sustained_hypertension_escalates_when_severe() -> None:
    readings = [bp(40, 185, 112), bp(45, 186, 114), bp(50, 210, 125), bp(55, 205, 122)]
    alerts = evaluate_alerts(readings, DOSES, DEFAULTS)
    assert [(a.severity, a.since) for a in alerts] == [
        (Severity.WARNING, at(45)),
        (Severity.CRITICAL, at(50)),
    ]


def test_episodes_resolve_and_recur() -> None:
    readings = [
        VitalsReading(time=at(10), spo2=92),
        VitalsReading(time=at(12), spo2=91),
        VitalsReading(time=at(15), spo2=97),
        VitalsReading(time=at(30), spo2=93),
    ]
    alerts = evaluate_alerts(readings, DOSES, DEFAULTS)
    assert [(a.since, a.resolved_at) for a in alerts] == [(at(10), at(15)), (at(30), None)]
    assert active_alerts(alerts) == [alerts[1]]


def test_tachycardia_alert_details() -> None:
    readings = [hr(10, 125), hr(15, 128)]
    [alert] = evaluate_alerts(readings, DOSES, DEFAULTS)
    assert alert.since == at(15)
    assert alert.readings == tuple(readings)
    assert "125 at 10:10 (T+10:00)" in alert.message


def test_alerts_are_sorted_by_time() -> None:
    readings = [
        VitalsReading(time=at(30), spo2=92, moaas=2),
        hr(10, 125),
        hr(15, 130),
        bp(20, 205, 125),
    ]
    alerts = evaluate_alerts(readings, DOSES, DEFAULTS)
    assert [(a.rule.value, a.since) for a in alerts] == [
        ("tachycardia", at(15)),
        ("hypertension", at(20)),
        ("desaturation", at(30)),
        ("excess_sedation", at(30)),
    ]


@pytest.mark.parametrize(
    ("rule", "readings"),
    [
        ("hypertension", [bp(40, 205, 125)]),
        ("tachycardia", [hr(10, 125), hr(15, 128)]),
        ("desaturation", [VitalsReading(time=at(20), spo2=90)]),
        ("excess_sedation", [VitalsReading(time=at(20), moaas=1)]),
    ],
)
def test_each_rule_can_be_disabled(rule: str, readings: list[VitalsReading]) -> None:
    off = ClinicSettings.model_validate({"alerts": {rule: {"enabled": False}}})
    assert rules_of(readings) == [rule]
    assert rules_of(readings, off) == []


def test_thresholds_come_from_settings() -> None:
    clinic = ClinicSettings.model_validate(
        {
            "alerts": {
                "tachycardia": {"above_bpm": 100, "sustained_minutes": 10},
                "desaturation": {"below_percent": 90},
                "hypertension": {"sustained_above": {"systolic": 160, "diastolic": 100}},
            }
        }
    )
    assert rules_of([hr(0, 110), hr(5, 112)], clinic) == []
    assert rules_of([hr(0, 110), hr(10, 112)], clinic) == ["tachycardia"]
    assert rules_of([VitalsReading(time=at(5), spo2=92)], clinic) == []
    assert rules_of([bp(40, 165, 90), bp(45, 170, 95)], clinic) == ["hypertension"]


# --------------------------------------------------------------------------- pre-dose hold


def test_pre_dose_bp_above_hold_threshold_is_an_alert() -> None:
    pre = bp(-15, 148, 94)
    alerts = evaluate_alerts([pre], [], DEFAULTS)
    assert [a.rule for a in alerts] == [RuleId.PRE_DOSE_HOLD]
    assert "148/94" in alerts[0].message and "pre-dose" in alerts[0].message
    # readings after T0 never raise the hold
    assert rules_of([bp(10, 150, 95)]) == []


@pytest.mark.parametrize(
    ("readings", "kind"),
    [
        ([bp(-15, 148, 94)], HoldKind.BP_ABOVE_THRESHOLD),
        ([bp(-15, 141, 80)], HoldKind.BP_ABOVE_THRESHOLD),
        ([bp(-15, 130, 91)], HoldKind.BP_ABOVE_THRESHOLD),
        ([bp(-20, 148, 94), bp(-5, 132, 84)], HoldKind.BP_ABOVE_THRESHOLD),  # "any" by default
        ([bp(-15, 140, 90)], None),
        ([bp(-15, 128, 82)], None),
        ([VitalsReading(time=at(-15), spo2=98)], HoldKind.NO_PRE_DOSE_BP),
        ([], HoldKind.NO_PRE_DOSE_BP),
        ([bp(0, 150, 95)], HoldKind.NO_PRE_DOSE_BP),  # taken at T0 is not before it
    ],
)
def test_dose_needs_override(readings: list[VitalsReading], kind: HoldKind | None) -> None:
    hold = dose_needs_override(readings, T0, DEFAULTS)
    assert (hold.kind if hold else None) == kind


def test_hold_names_the_readings() -> None:
    high = bp(-15, 148, 94)
    hold = dose_needs_override([high, bp(-5, 130, 80)], T0, DEFAULTS)
    assert hold is not None
    assert hold.readings == (high,)
    assert "148/94 at 09:45" in hold.message and "override" in hold.message


def test_hold_settings() -> None:
    latest = ClinicSettings.model_validate({"alerts": {"pre_dose_hold": {"decide_on": "latest"}}})
    assert dose_needs_override([bp(-20, 148, 94), bp(-5, 132, 84)], T0, latest) is None
    off = ClinicSettings.model_validate({"alerts": {"pre_dose_hold": {"enabled": False}}})
    assert dose_needs_override([bp(-15, 148, 94)], T0, off) is None
    lax = ClinicSettings.model_validate(
        {"alerts": {"pre_dose_hold": {"require_pre_dose_bp": False}}}
    )
    assert dose_needs_override([], T0, lax) is None


def test_boosters_are_never_held() -> None:
    readings = [bp(-15, 148, 94)]
    assert dose_needs_override(readings, at(30), DEFAULTS, doses=DOSES) is None


# --------------------------------------------------------------------------- properties

plausible_reading = st.builds(
    VitalsReading,
    time=st.integers(min_value=-60, max_value=240).map(lambda m: at(m)),
    systolic=st.none() | st.integers(min_value=50, max_value=300),
    diastolic=st.none() | st.integers(min_value=20, max_value=200),
    heart_rate=st.none() | st.integers(min_value=20, max_value=250),
    spo2=st.none() | st.integers(min_value=50, max_value=100),
    respiratory_rate=st.none() | st.integers(min_value=4, max_value=60),
    moaas=st.none() | st.integers(min_value=0, max_value=5),
    dissociation=st.none() | st.integers(min_value=0, max_value=10),
)


@settings(max_examples=200, deadline=None)
@given(
    readings=st.lists(plausible_reading, max_size=30),
    dosed=st.booleans(),
)
def test_engine_never_crashes_and_only_references_given_readings(
    readings: list[VitalsReading], dosed: bool
) -> None:
    doses = DOSES if dosed else []
    alerts = evaluate_alerts(readings, doses, DEFAULTS)
    given_ids = {id(reading) for reading in readings}
    for alert in alerts:
        assert alert.readings
        assert all(id(reading) in given_ids for reading in alert.readings)
        assert alert.since in {reading.time for reading in alert.readings}
        assert alert.resolved_at is None or alert.resolved_at >= alert.since
        assert alert.message
    assert [a.since for a in alerts] == sorted(a.since for a in alerts)
    # deterministic: the same input gives the same alerts
    assert evaluate_alerts(readings, doses, DEFAULTS) == alerts


@settings(max_examples=100, deadline=None)
@given(
    readings=st.lists(plausible_reading, max_size=20, unique_by=lambda r: r.time),
    seed=st.randoms(use_true_random=False),
)
def test_alerts_do_not_depend_on_the_order_readings_are_given(
    readings: list[VitalsReading], seed: random.Random
) -> None:
    shuffled = list(readings)
    seed.shuffle(shuffled)
    assert evaluate_alerts(shuffled, DOSES, DEFAULTS) == evaluate_alerts(readings, DOSES, DEFAULTS)
