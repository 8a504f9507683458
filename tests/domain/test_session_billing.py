"""Monitoring time per person and suggested 0820T/0821T/0822T and G2082/G2083 units."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kapnotes.domain.clients import Product
from kapnotes.domain.session import ClinicSettings, Presence, Rounding, billing, units_for
from kapnotes.domain.session.settings import BillingSettings

START = datetime(2031, 3, 3, 9, 45)
IM = Product.KETAMINE_IM
ESK = Product.ESKETAMINE_INTRANASAL
MIDPOINT = ClinicSettings()
WHOLE = ClinicSettings.model_validate({"billing": {"rounding": "whole_units"}})


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def present(name: str, role: str, start: float, stop: float, in_person: bool = True) -> Presence:
    return Presence(name, role, in_person, at(start), at(stop))


@pytest.mark.parametrize(
    ("minutes", "midpoint", "whole"),
    [
        (0, 0, 0),
        (30, 0, 0),
        (31, 1, 0),
        (60, 1, 1),
        (90, 1, 1),
        (91, 2, 1),
        (130, 2, 2),
        (150, 2, 2),
        (151, 3, 2),
        (165, 3, 2),
        (180, 3, 3),
    ],
)
def test_units_for(minutes: int, midpoint: int, whole: int) -> None:
    assert units_for(minutes, BillingSettings()) == midpoint
    assert units_for(minutes, BillingSettings(rounding=Rounding.WHOLE_UNITS)) == whole


# The case: a therapist for 2 h 10 min, a nurse for the whole session.
@pytest.mark.parametrize(
    ("nurse_minutes", "settings", "units_0820", "units_0822"),
    [
        (150, MIDPOINT, 2, 2),  # 2 h 30 min: 30 min is not past the midpoint
        (150, WHOLE, 2, 2),
        (165, MIDPOINT, 2, 3),  # 2 h 45 min: the partial hour counts
        (165, WHOLE, 2, 2),  # whole hours only
    ],
)
def test_therapist_and_nurse(
    nurse_minutes: int, settings: ClinicSettings, units_0820: int, units_0822: int
) -> None:
    summary = billing(
        [
            present("Alex Therapist", "therapist", 10, 140),
            present("Sam Nurse", "nurse", 0, nurse_minutes),
        ],
        IM,
        60,
        settings,
    )
    assert summary.person("Alex Therapist").minutes == 130
    assert summary.person("Sam Nurse").minutes == nurse_minutes
    assert summary.session_minutes == nurse_minutes
    assert [(line.code, line.minutes, line.units) for line in summary.lines] == [
        ("0820T", 130, units_0820),
        ("0822T", nurse_minutes, units_0822),
    ]
    assert summary.units("0821T") == 0
    assert summary.rounding is settings.billing.rounding


def test_only_in_person_time_counts() -> None:
    summary = billing(
        [
            present("Alex Therapist", "therapist", 0, 60),
            present("Alex Therapist", "therapist", 60, 150, in_person=False),
        ],
        IM,
        60,
        MIDPOINT,
    )
    alex = summary.person("Alex Therapist")
    assert (alex.minutes, alex.remote_minutes) == (60, 90)
    assert summary.units("0820T") == 1
    assert any("not in person" in note for note in summary.notes)


def test_additional_concurrent_qhp_and_handover() -> None:
    # therapist 0-150, prescriber 30-120 (concurrent: 0821T), a second therapist takes over
    # as first QHP at 150-180 after the first one leaves.
    summary = billing(
        [
            present("Alex Therapist", "therapist", 0, 150),
            present("Dr Rae Prescriber", "prescriber", 30, 120),
            present("Kim Therapist", "therapist", 140, 180),
            present("Sam Nurse", "nurse", 0, 180),
            present("Jo Staff", "staff", 60, 100),
        ],
        IM,
        60,
        MIDPOINT,
    )
    assert summary.person("Alex Therapist").first_qhp_minutes == 150
    assert summary.person("Kim Therapist").first_qhp_minutes == 30
    assert summary.person("Kim Therapist").additional_qhp_minutes == 10
    assert summary.person("Dr Rae Prescriber").additional_qhp_minutes == 90
    lines = [(line.code, line.minutes, line.units, line.people) for line in summary.lines]
    assert lines == [
        ("0820T", 180, 3, ("Alex Therapist", "Kim Therapist")),
        ("0821T", 90, 1, ("Dr Rae Prescriber",)),  # 1 h 30 min: 30 is not past the midpoint
        ("0821T", 10, 0, ("Kim Therapist",)),
        ("0822T", 180, 3, ("Sam Nurse",)),
        ("0822T", 40, 1, ("Jo Staff",)),
    ]
    assert summary.units("0821T") == 1
    assert summary.units("0822T") == 4
    assert any(note.startswith("0821T: 10 min") for note in summary.notes)


def test_one_persons_overlapping_entries_are_merged() -> None:
    summary = billing(
        [
            present("Alex Therapist", "therapist", 0, 60),
            present("Alex Therapist", "therapist", 30, 90),
            present("Alex Therapist", "therapist", 120, 150),
        ],
        IM,
        60,
        MIDPOINT,
    )
    assert summary.person("Alex Therapist").minutes == 120
    assert summary.units("0820T") == 2


def test_still_present_runs_until_now() -> None:
    open_entry = Presence("Sam Nurse", "nurse", True, at(0), None)
    assert billing([open_entry], IM, 60, MIDPOINT, now=at(95)).person("Sam Nurse").minutes == 95
    summary = billing([open_entry], IM, 60, MIDPOINT)
    assert summary.person("Sam Nurse").minutes == 0
    assert any("no stop time" in note for note in summary.notes)


def test_unknown_role_is_not_billed() -> None:
    summary = billing([present("Pat Observer", "student", 0, 120)], IM, 60, MIDPOINT)
    assert summary.lines == ()
    assert any("not a billable role" in note for note in summary.notes)


@pytest.mark.parametrize(
    ("dose", "code"), [(56, "G2082"), (28, "G2082"), (84, "G2083"), (56.5, "G2083")]
)
def test_esketamine_g_codes(dose: float, code: str) -> None:
    summary = billing(
        [present("Alex Therapist", "therapist", 0, 130), present("Sam Nurse", "nurse", 0, 130)],
        ESK,
        dose,
        MIDPOINT,
    )
    assert [(line.code, line.units) for line in summary.lines] == [(code, 1)]
    assert any("REMS" in note for note in summary.notes)


def test_esketamine_can_also_suggest_monitoring_codes() -> None:
    clinic = ClinicSettings.model_validate(
        {"billing": {"esketamine_suggest_monitoring_codes": True}}
    )
    summary = billing([present("Alex Therapist", "therapist", 0, 130)], ESK, 84, clinic)
    assert [line.code for line in summary.lines] == ["G2083", "0820T"]


def test_esketamine_without_dose() -> None:
    summary = billing([present("Alex Therapist", "therapist", 0, 130)], ESK, None, MIDPOINT)
    assert summary.lines == ()
    assert any("dose unknown" in note for note in summary.notes)
