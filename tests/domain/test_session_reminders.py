"""Reminders: vitals due, the esketamine 40-minute BP check, minimum monitoring."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kapnotes.domain.clients import Product
from kapnotes.domain.session import (
    ClinicSettings,
    DoseEntry,
    Reminder,
    ReminderKind,
    VitalsReading,
    reminders_due,
)

T0 = datetime(2031, 3, 3, 10, 0)
# The vitals-due and BP-check cases below look at those reminders alone: the minimum
# monitoring time is esketamine's only (its own tests use the clinic defaults).
DEFAULTS = ClinicSettings.model_validate(
    {"monitoring": {"minimum_monitoring_min": {"esketamine_intranasal": 120}}}
)
IV = Product.KETAMINE_IV
ESK = Product.ESKETAMINE_INTRANASAL


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def bp(minutes: float) -> VitalsReading:
    return VitalsReading(time=at(minutes), systolic=130, diastolic=80)


def dosed(product: Product) -> list[DoseEntry]:
    return [DoseEntry(T0, product, 56 if product is ESK else 40)]


def kinds(reminders: list[Reminder]) -> list[str]:
    return [reminder.kind.value for reminder in reminders]


@pytest.mark.parametrize(
    ("now", "readings", "product", "expected"),
    [
        # before dosing: only the pre-dose vitals cue, until a BP exists
        (-10, [], IV, ["pre_dose_vitals"]),
        (-10, [bp(-15)], IV, []),
        # IV: every 10 minutes, counted from T0 or the last reading, whichever is later
        (5, [bp(-15)], IV, []),
        (9.9, [bp(-15)], IV, []),
        (10, [bp(-15)], IV, ["vitals_due"]),
        (19, [bp(-15), bp(10)], IV, []),
        (20, [bp(-15), bp(10)], IV, ["vitals_due"]),
        # a partial reading (SpO2 only) counts as vitals
        (20, [bp(-15), VitalsReading(time=at(12), spo2=98)], IV, []),
        # IM: 15 minutes
        (14, [bp(-15)], Product.KETAMINE_IM, []),
        (15, [bp(-15)], Product.KETAMINE_IM, ["vitals_due"]),
        # esketamine: minimum monitoring until T+120, BP check from T+35
        (10, [bp(-15), bp(5)], ESK, ["minimum_monitoring"]),
        (35, [bp(-15), bp(30)], ESK, ["bp_check", "minimum_monitoring"]),
        (45, [bp(-15), bp(30), bp(40)], ESK, ["minimum_monitoring"]),
        (
            45,
            [bp(-15), bp(34), VitalsReading(time=at(40), spo2=97)],
            ESK,
            [
                "bp_check",
                "minimum_monitoring",
            ],
        ),
        (60, [bp(-15), bp(50), bp(55)], ESK, ["minimum_monitoring"]),  # T+50 is in the window
        (119, [bp(-15), bp(40), bp(110)], ESK, ["minimum_monitoring"]),
        (120, [bp(-15), bp(40), bp(110)], ESK, []),
        # readings "from the future" (after now) are ignored
        (44, [bp(-15), bp(30), bp(46)], ESK, ["bp_check", "minimum_monitoring"]),
    ],
)
def test_reminders_due(
    now: float, readings: list[VitalsReading], product: Product, expected: list[str]
) -> None:
    doses = [] if now < 0 else dosed(product)
    assert kinds(reminders_due(at(now), readings, doses, product, DEFAULTS)) == expected


def test_vitals_due_says_how_late() -> None:
    [reminder] = reminders_due(at(27), [bp(-15), bp(10)], dosed(IV), IV, DEFAULTS)
    assert reminder.due_at == at(20)
    assert reminder.overdue
    assert reminder.message == "Vitals due: last recorded 17 min ago (7 min late)"


def test_missed_bp_check_is_overdue() -> None:
    readings = [bp(-15), bp(30), bp(55)]
    reminders = reminders_due(at(60), readings, dosed(ESK), ESK, DEFAULTS)
    check = next(r for r in reminders if r.kind is ReminderKind.BP_CHECK)
    assert check.overdue
    assert "missed" in check.message
    assert check.due_at == at(35)


def test_minimum_monitoring_says_what_is_left() -> None:
    reminders = reminders_due(at(45), [bp(-15), bp(40)], dosed(ESK), ESK, DEFAULTS)
    [minimum] = [r for r in reminders if r.kind is ReminderKind.MINIMUM_MONITORING]
    assert minimum.due_at == at(120)
    assert "1 h 15 min left" in minimum.message
    assert "T+120" in minimum.message


def test_nothing_is_due_after_monitoring_ended() -> None:
    assert (
        reminders_due(at(150), [bp(-15)], dosed(IV), IV, DEFAULTS, monitoring_ended=at(140)) == []
    )


def test_intervals_and_checks_come_from_settings() -> None:
    clinic = ClinicSettings.model_validate(
        {
            "monitoring": {
                "vitals_interval_min": {"ketamine_iv": 5},
                "minimum_monitoring_min": {},
                "timed_bp_check": {},
            }
        }
    )
    assert kinds(reminders_due(at(5), [bp(-15)], dosed(IV), IV, clinic)) == ["vitals_due"]
    esk = reminders_due(at(40), [bp(-15), bp(30)], dosed(ESK), ESK, clinic)
    assert kinds(esk) == []


def test_every_product_has_a_minimum_monitoring_time_by_default() -> None:
    clinic = ClinicSettings()
    for product in Product:
        due = reminders_due(at(30), [bp(-15), bp(25)], dosed(product), product, clinic)
        assert ReminderKind.MINIMUM_MONITORING in {r.kind for r in due}, product


def test_a_bp_above_180_110_asks_for_a_recheck_five_minutes_later() -> None:
    high = VitalsReading(time=at(10), systolic=185, diastolic=115)
    due = reminders_due(at(11), [bp(-15), high], dosed(IV), IV, DEFAULTS)
    [recheck] = [r for r in due if r.kind is ReminderKind.BP_RECHECK]
    assert recheck.due_at == at(15)
    assert recheck.message.startswith("Recheck BP at 10:15 (last 185/115 at 10:10")
    normal = VitalsReading(time=at(15), systolic=150, diastolic=95)
    after = reminders_due(at(16), [bp(-15), high, normal], dosed(IV), IV, DEFAULTS)
    assert ReminderKind.BP_RECHECK not in {r.kind for r in after}
