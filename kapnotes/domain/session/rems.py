"""The esketamine (Spravato) REMS block, filled from the session's logs.

* BP before dosing: the last blood pressure taken before T0.
* BP at about 40 minutes: the BP reading closest to T+40 between T+30 and T+50
  (ties go to the earlier reading).
* BP before discharge: the last BP after T0 and at or before discharge; with
  ``pre_discharge_bp_within_min`` set (30 by default) it must be at most that
  old at discharge. It may be the same reading as the 40-minute one.
* Total monitoring minutes: from the first dose to the end of monitoring
  (``monitoring_end``, else the discharge time).

``missing`` lists in words what the block still lacks; the clinician's yes/no
answers (vitals acceptable, sedation, dissociation, …) stay with the clinician.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kapnotes.domain.clients import Product
from kapnotes.domain.session.doses import DoseEntry, first_dose_time
from kapnotes.domain.session.settings import BpCheck, ClinicSettings
from kapnotes.domain.session.vitals import VitalsReading
from kapnotes.domain.timeline import ClockFormat, wall_clock


@dataclass(frozen=True, slots=True)
class RemsSummary:
    """What the session's logs say for the REMS block, and what is missing."""

    t0: datetime | None
    bp_pre_dose: VitalsReading | None
    bp_40_min: VitalsReading | None
    bp_pre_discharge: VitalsReading | None
    monitoring_minutes: int | None
    minimum_minutes: int
    missing: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        """Whether nothing is missing."""
        return not self.missing

    def to_template_values(self) -> dict[str, Any]:
        """The computed ``rems_*`` fields of the dosing template (``None`` where unknown)."""

        def part(reading: VitalsReading | None, name: str) -> int | None:
            value = None if reading is None else getattr(reading, name)
            return value if isinstance(value, int) else None

        return {
            "rems_bp_pre_dose_systolic": part(self.bp_pre_dose, "systolic"),
            "rems_bp_pre_dose_diastolic": part(self.bp_pre_dose, "diastolic"),
            "rems_bp_40_min_systolic": part(self.bp_40_min, "systolic"),
            "rems_bp_40_min_diastolic": part(self.bp_40_min, "diastolic"),
            "rems_bp_pre_discharge_systolic": part(self.bp_pre_discharge, "systolic"),
            "rems_bp_pre_discharge_diastolic": part(self.bp_pre_discharge, "diastolic"),
            "rems_total_monitoring_min": self.monitoring_minutes,
        }


def rems_summary(
    readings: Sequence[VitalsReading],
    doses: Sequence[DoseEntry],
    discharge_time: datetime | None,
    settings: ClinicSettings,
    monitoring_end: datetime | None = None,
    *,
    clock: ClockFormat = wall_clock,
) -> RemsSummary:
    """Fill the REMS block from the logs (see the module docstring for each item)."""
    product = Product.ESKETAMINE_INTRANASAL
    monitoring = settings.monitoring
    check = monitoring.timed_bp_check.get(product) or BpCheck()
    minimum = monitoring.minimum_monitoring_min.get(product, 0)
    esketamine = [dose for dose in doses if dose.product == product]
    t0 = first_dose_time(esketamine or doses)
    with_bp = sorted((r for r in readings if r.has_bp), key=lambda r: r.time)
    missing: list[str] = []

    if t0 is None:
        pre_dose = with_bp[-1] if with_bp else None
        missing.append("no dose logged: T0 unknown")
        if pre_dose is None:
            missing.append("BP before dosing")
        if discharge_time is None:
            missing.append("discharge time")
        return RemsSummary(None, pre_dose, None, None, None, minimum, tuple(missing))

    before = [r for r in with_bp if r.time < t0]
    bp_pre_dose = before[-1] if before else None
    if bp_pre_dose is None:
        missing.append("BP before dosing")

    target = t0 + timedelta(minutes=check.at_min)
    start = t0 + timedelta(minutes=check.rems_window_start_min)
    end = t0 + timedelta(minutes=check.rems_window_end_min)
    window = [r for r in with_bp if start <= r.time <= end]
    bp_40 = min(window, key=lambda r: abs(r.time - target), default=None)
    if bp_40 is None:
        missing.append(
            f"BP at about {check.at_min} min (none between T+{check.rems_window_start_min} "
            f"and T+{check.rems_window_end_min})"
        )

    end_of_monitoring = monitoring_end or discharge_time
    bp_pre_discharge: VitalsReading | None = None
    if discharge_time is None:
        missing.append("discharge time")
    else:
        after = [r for r in with_bp if t0 <= r.time <= discharge_time]
        latest = after[-1] if after else None
        limit = monitoring.pre_discharge_bp_within_min
        if latest is not None and (
            limit is None or discharge_time - latest.time <= timedelta(minutes=limit)
        ):
            bp_pre_discharge = latest
        else:
            within = f" within {limit} min" if limit is not None else ""
            missing.append(f"BP before discharge (none{within} before {clock(discharge_time)})")

    minutes: int | None = None
    if end_of_monitoring is not None:
        minutes = int((end_of_monitoring - t0).total_seconds() // 60)
        if minutes < minimum:
            missing.append(
                f"monitoring of at least {minimum} min after the dose (only {minutes} min)"
            )
    return RemsSummary(t0, bp_pre_dose, bp_40, bp_pre_discharge, minutes, minimum, tuple(missing))
