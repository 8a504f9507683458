"""Monitoring time per person and suggested billing units.

Only in-person time counts. A person may have several presence entries (left
and came back); overlapping entries of one person are merged.

Time-based codes (per hour by default; partial hours per the rounding setting):

* **0820T** - the first physician/QHP (therapist or prescriber). At each moment
  the QHP present who arrived first is "first"; when they leave, the next QHP
  present takes over, so 0820T covers the union of QHP time.
* **0821T** - each additional concurrent physician/QHP: per person, the time
  they were present while another QHP was "first"; units rounded per person.
* **0822T** - clinical staff (nurse, staff): per person, their in-person time;
  units rounded per person.

Esketamine: **G2082** (total up to 56 mg) or **G2083** (above 56 mg), one per
session, including the 2-hour observation; 0820T-0822T are then only suggested
when the setting ``esketamine_suggest_monitoring_codes`` is on.

Suggested units are suggestions for the clinician and the biller, not claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from kapnotes.domain.clients import Product
from kapnotes.domain.session.clock import format_minutes
from kapnotes.domain.session.settings import BillingSettings, ClinicSettings, Rounding
from kapnotes.domain.timeline import ClockFormat, wall_clock

Interval = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Presence:
    """One stretch of a clinician's presence (the dosing template's ``clinicians`` row).

    ``stop`` is ``None`` while the person is still in the room.
    """

    name: str
    role: str
    in_person: bool
    start: datetime
    stop: datetime | None = None


@dataclass(frozen=True, slots=True)
class PersonTime:
    """One person's totals, in whole minutes."""

    name: str
    role: str
    minutes: int
    remote_minutes: int = 0
    first_qhp_minutes: int = 0
    additional_qhp_minutes: int = 0


@dataclass(frozen=True, slots=True)
class BillingLine:
    """A suggested code with its minutes and units."""

    code: str
    description: str
    minutes: int
    units: int
    people: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BillingSummary:
    """Time per person, suggested lines (codes with units > 0 or a G code) and notes."""

    people: tuple[PersonTime, ...]
    lines: tuple[BillingLine, ...]
    session_minutes: int
    rounding: Rounding
    notes: tuple[str, ...] = field(default=())

    def units(self, code: str) -> int:
        """Total suggested units of one code (0 when it is not suggested)."""
        return sum(line.units for line in self.lines if line.code == code)

    def minutes(self, code: str) -> int:
        """Total minutes behind one code."""
        return sum(line.minutes for line in self.lines if line.code == code)

    def person(self, name: str) -> PersonTime:
        """One person's totals by name (``KeyError`` when absent)."""
        for person in self.people:
            if person.name == name:
                return person
        raise KeyError(name)


def units_for(minutes: int, settings: BillingSettings) -> int:
    """Units of time in ``minutes`` under the rounding setting.

    ``midpoint`` (default): complete units, plus one when the remainder is at
    least ``partial_unit_min_minutes`` (130 min → 2, 151 min → 3).
    ``whole_units``: complete units only (151 min → 2).
    """
    if minutes <= 0:
        return 0
    whole, rest = divmod(minutes, settings.unit_minutes)
    if settings.rounding is Rounding.MIDPOINT and rest >= settings.partial_unit_min_minutes:
        whole += 1
    return whole


def _merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, stop in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged


def _seconds(intervals: list[Interval]) -> float:
    return sum((stop - start).total_seconds() for start, stop in intervals)


def _whole_minutes(seconds: float) -> int:
    return int(seconds // 60)


def billing(
    presence: Sequence[Presence],
    product: Product,
    total_dose_mg: float | None,
    settings: ClinicSettings,
    now: datetime | None = None,
    *,
    clock: ClockFormat = wall_clock,
) -> BillingSummary:
    """Total each person's in-person time and suggest units (see the module docstring).

    A presence without ``stop`` runs until ``now`` (when given; otherwise it is
    left out with a note). People are keyed by name and role.
    """
    rules = settings.billing
    notes: list[str] = []
    order: list[tuple[str, str]] = []
    in_room: dict[tuple[str, str], list[Interval]] = {}
    remote: dict[tuple[str, str], list[Interval]] = {}
    for entry in presence:
        key = (entry.name, entry.role)
        if key not in in_room:
            order.append(key)
            in_room[key] = []
            remote[key] = []
        stop = entry.stop if entry.stop is not None else now
        if stop is None:
            notes.append(f"{entry.name}: no stop time yet; not counted")
            continue
        if stop < entry.start:
            notes.append(f"{entry.name}: stop {clock(stop)} is before start; not counted")
            continue
        (in_room if entry.in_person else remote)[key].append((entry.start, stop))

    merged = {key: _merge(in_room[key]) for key in order}
    qhp = [key for key in order if key[1] in rules.qhp_roles and merged[key]]
    staff = [key for key in order if key[1] in rules.staff_roles]
    for key in order:
        if key[1] not in rules.qhp_roles and key[1] not in rules.staff_roles:
            notes.append(f"{key[0]}: role '{key[1]}' is not a billable role; not counted")
        if remote[key]:
            notes.append(f"{key[0]}: time not in person is not counted")

    # Who is "first" QHP over time: sweep the boundaries of every QHP interval.
    arrival = {key: merged[key][0][0] for key in qhp}
    rank = sorted(qhp, key=lambda key: (arrival[key], order.index(key)))
    cuts = sorted({t for key in qhp for interval in merged[key] for t in interval})
    first_seconds: dict[tuple[str, str], float] = dict.fromkeys(qhp, 0.0)
    extra_seconds: dict[tuple[str, str], float] = dict.fromkeys(qhp, 0.0)
    for begin, end in pairwise(cuts):
        present = [key for key in rank if any(s <= begin and end <= e for s, e in merged[key])]
        if not present:
            continue
        span = (end - begin).total_seconds()
        first_seconds[present[0]] += span
        for key in present[1:]:
            extra_seconds[key] += span

    people = tuple(
        PersonTime(
            name=key[0],
            role=key[1],
            minutes=_whole_minutes(_seconds(merged[key])),
            remote_minutes=_whole_minutes(_seconds(_merge(remote[key]))),
            first_qhp_minutes=_whole_minutes(first_seconds.get(key, 0.0)),
            additional_qhp_minutes=_whole_minutes(extra_seconds.get(key, 0.0)),
        )
        for key in order
    )
    session_minutes = _whole_minutes(_seconds(_merge([i for k in order for i in merged[k]])))

    lines: list[BillingLine] = []
    esketamine = product is Product.ESKETAMINE_INTRANASAL
    if esketamine:
        if total_dose_mg is None:
            notes.append("Esketamine dose unknown: cannot choose between G codes")
        else:
            code = (
                rules.esketamine_up_to
                if total_dose_mg <= rules.esketamine_threshold_mg
                else rules.esketamine_above
            )
            lines.append(BillingLine(code.code, code.description, session_minutes, 1))
        notes.append(
            "The record must show REMS enrolment, direct supervision and the observation time"
        )
    if not esketamine or rules.esketamine_suggest_monitoring_codes:
        timed: list[BillingLine] = []
        first_minutes = _whole_minutes(sum(first_seconds.values()))
        if first_minutes:
            who = tuple(key[0] for key in qhp if first_seconds[key] >= 60)
            timed.append(
                BillingLine(
                    rules.first_qhp.code,
                    rules.first_qhp.description,
                    first_minutes,
                    units_for(first_minutes, rules),
                    who,
                )
            )
        for key in qhp:
            minutes = _whole_minutes(extra_seconds[key])
            if minutes:
                timed.append(
                    BillingLine(
                        rules.additional_qhp.code,
                        rules.additional_qhp.description,
                        minutes,
                        units_for(minutes, rules),
                        (key[0],),
                    )
                )
        for key in staff:
            minutes = _whole_minutes(_seconds(merged[key]))
            if minutes:
                timed.append(
                    BillingLine(
                        rules.clinical_staff.code,
                        rules.clinical_staff.description,
                        minutes,
                        units_for(minutes, rules),
                        (key[0],),
                    )
                )
        lines.extend(timed)
        for line in timed:
            if line.units == 0:
                notes.append(
                    f"{line.code}: {format_minutes(line.minutes)} is less than one unit "
                    f"under the '{rules.rounding.value}' rounding"
                )
    return BillingSummary(people, tuple(lines), session_minutes, rules.rounding, tuple(notes))
