"""The alert engine: the clinic's alert rules evaluated over the vitals log.

Deterministic: the result depends only on the readings, the doses and the
settings (no wall clock). Readings are taken in time order (ties keep the given
order). Each rule produces one :class:`Alert` per *episode*: an alert becomes
true at the reading that completes its condition and is resolved by the next
reading of the same measurement that no longer meets it; a later recurrence is
a new alert.

Rules (thresholds are settings, see :mod:`kapnotes.domain.session.settings`):

* ``pre_dose_hold`` - BP above 140/90 before T0 (readings before the first dose,
  or all readings while no dose is logged). Logging the first dose then needs an
  override with a reason (:func:`dose_needs_override`).
* ``hypertension`` - two BP readings above 180/110 at least 5 minutes apart
  within 30 minutes, whatever lies between, or one reading above 200/120
  (critical).
* ``tachycardia`` - consecutive heart-rate readings above 120 spanning at least
  5 minutes.
* ``desaturation`` - SpO2 below 94.
* ``excess_sedation`` - MOAA/S of 2 or less.

"Above 180/110" means systolic above 180 **or** diastolic above 110: 182/112 at
T+40 then 184/110 at T+45 is a hypertension alert (the second reading is above
through its systolic). Rules other than the pre-dose hold apply to every reading,
before T0 too: a 205/125 is an alert whenever it is measured.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kapnotes.domain.session.clock import format_t_plus
from kapnotes.domain.session.doses import DoseEntry, first_dose_time
from kapnotes.domain.session.settings import ClinicSettings, Severity
from kapnotes.domain.session.vitals import VitalsReading
from kapnotes.domain.timeline import ClockFormat, wall_clock


class RuleId(StrEnum):
    """The alert rules of the clinical spec."""

    PRE_DOSE_HOLD = "pre_dose_hold"
    HYPERTENSION = "hypertension"
    TACHYCARDIA = "tachycardia"
    DESATURATION = "desaturation"
    EXCESS_SEDATION = "excess_sedation"


@dataclass(frozen=True, slots=True)
class Alert:
    """One episode of a rule being true.

    ``since``: the time of the reading that made it true; ``readings``: the
    readings that triggered it (the whole run for sustained rules);
    ``resolved_at``: the first later reading of the same measurement that no
    longer meets the rule (``None`` while it is still active).
    """

    rule: RuleId
    severity: Severity
    message: str
    since: datetime
    readings: tuple[VitalsReading, ...]
    resolved_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Whether no later reading has resolved the alert."""
        return self.resolved_at is None


def _when(at: datetime, t0: datetime | None, clock: ClockFormat) -> str:
    if t0 is None or at < t0:
        return f"{clock(at)} (pre-dose)"
    return f"{clock(at)} ({format_t_plus(at - t0)})"


def _ordered(readings: Sequence[VitalsReading]) -> list[VitalsReading]:
    return sorted(readings, key=lambda reading: reading.time)  # stable: ties keep order


Measured = Callable[[VitalsReading], bool]
Meets = Callable[[VitalsReading], bool]
Fires = Callable[[list[VitalsReading]], bool]


@dataclass(frozen=True, slots=True)
class _Episode:
    fired_at: int  # index into the run
    run: list[VitalsReading]
    resolved_at: datetime | None


def _episodes(
    readings: list[VitalsReading], measured: Measured, meets: Meets, fires: Fires
) -> list[_Episode]:
    """Runs of consecutive measured readings that meet a condition, and where each fired.

    ``fires(run_so_far)`` decides whether the run, up to its last reading, makes
    the alert true; readings that do not measure the quantity are skipped.
    """
    episodes: list[_Episode] = []
    run: list[VitalsReading] = []
    fired: int | None = None

    def close(resolved: datetime | None) -> None:
        if fired is not None:
            episodes.append(_Episode(fired, list(run), resolved))

    for reading in readings:
        if not measured(reading):
            continue
        if meets(reading):
            run.append(reading)
            if fired is None and fires(run):
                fired = len(run) - 1
        else:
            close(reading.time)
            run, fired = [], None
    close(None)
    return episodes


def _span_at_least(minutes: int) -> Fires:
    need = timedelta(minutes=minutes)
    return lambda run: run[-1].time - run[0].time >= need


def evaluate_alerts(
    readings: Sequence[VitalsReading],
    doses: Sequence[DoseEntry],
    settings: ClinicSettings,
    *,
    clock: ClockFormat = wall_clock,
) -> list[Alert]:
    """All alert episodes in the readings, sorted by the time they became true.

    Times are instants (or all naive); ``clock`` shows them in messages (the
    session's timeline, so a time reads as the clinic's clock did).
    """
    ordered = _ordered(readings)
    t0 = first_dose_time(doses)
    rules = settings.alerts
    alerts: list[Alert] = []

    def has_bp(reading: VitalsReading) -> bool:
        return reading.has_bp

    hold = rules.pre_dose_hold
    if hold.enabled:
        pre_dose = [r for r in ordered if t0 is None or r.time < t0]
        for episode in _episodes(
            pre_dose,
            has_bp,
            lambda r: hold.above.exceeded_by(r.systolic, r.diastolic),
            lambda run: True,
        ):
            first = episode.run[episode.fired_at]
            alerts.append(
                Alert(
                    RuleId.PRE_DOSE_HOLD,
                    hold.severity,
                    f"Pre-dose BP {first.bp_text} at {_when(first.time, t0, clock)} is above "
                    f"{hold.above}: dosing needs an override with a reason",
                    first.time,
                    (first,),
                    episode.resolved_at,
                )
            )

    hyper = rules.hypertension
    if hyper.enabled:
        alerts.extend(_hypertension(ordered, t0, settings, clock))

    tachy = rules.tachycardia
    if tachy.enabled:
        for episode in _episodes(
            ordered,
            lambda r: r.heart_rate is not None,
            lambda r: r.heart_rate is not None and r.heart_rate > tachy.above_bpm,
            _span_at_least(tachy.sustained_minutes),
        ):
            run = tuple(episode.run[: episode.fired_at + 1])
            last = run[-1]
            shown = ", ".join(f"{r.heart_rate} at {_when(r.time, t0, clock)}" for r in run)
            alerts.append(
                Alert(
                    RuleId.TACHYCARDIA,
                    tachy.severity,
                    f"Tachycardia: heart rate above {tachy.above_bpm} for "
                    f"{tachy.sustained_minutes} min or more ({shown})",
                    last.time,
                    run,
                    episode.resolved_at,
                )
            )

    desat = rules.desaturation
    if desat.enabled:
        for episode in _episodes(
            ordered,
            lambda r: r.spo2 is not None,
            lambda r: r.spo2 is not None and r.spo2 < desat.below_percent,
            lambda run: True,
        ):
            first = episode.run[0]
            alerts.append(
                Alert(
                    RuleId.DESATURATION,
                    desat.severity,
                    f"Desaturation: SpO2 {first.spo2}% at {_when(first.time, t0, clock)} "
                    f"is below {desat.below_percent}%",
                    first.time,
                    (first,),
                    episode.resolved_at,
                )
            )

    sedation = rules.excess_sedation
    if sedation.enabled:
        for episode in _episodes(
            ordered,
            lambda r: r.moaas is not None,
            lambda r: r.moaas is not None and r.moaas <= sedation.at_or_below,
            lambda run: True,
        ):
            first = episode.run[0]
            alerts.append(
                Alert(
                    RuleId.EXCESS_SEDATION,
                    sedation.severity,
                    f"Excess sedation: MOAA/S {first.moaas} at {_when(first.time, t0, clock)} "
                    f"(alert at {sedation.at_or_below} or less)",
                    first.time,
                    (first,),
                    episode.resolved_at,
                )
            )

    order = list(RuleId)
    alerts.sort(key=lambda alert: (alert.since, order.index(alert.rule)))
    return alerts


def _hypertension(
    ordered: list[VitalsReading], t0: datetime | None, settings: ClinicSettings, clock: ClockFormat
) -> list[Alert]:
    """Hypertension episodes (the spec's rule, whatever lies between the two readings).

    * warning: a BP reading above ``sustained_above`` with an earlier one above it
      ``sustained_minutes`` or more (and ``window_minutes`` or less) before;
    * critical: a BP reading above ``once_above``.

    An episode is resolved by the next BP reading no longer above its threshold; a
    later pair (or very high reading) is a new episode.
    """
    rule = settings.alerts.hypertension
    need = timedelta(minutes=rule.sustained_minutes)
    window = timedelta(minutes=rule.window_minutes)
    out: list[Alert] = []
    high: list[VitalsReading] = []  # every BP reading above sustained_above so far
    open_: dict[str, tuple[Severity, str, datetime, tuple[VitalsReading, ...]]] = {}

    def close(kind: str, at: datetime | None) -> None:
        if kind in open_:
            severity, message, since, triggers = open_.pop(kind)
            out.append(Alert(RuleId.HYPERTENSION, severity, message, since, triggers, at))

    for reading in ordered:
        if not reading.has_bp:
            continue
        severe = rule.once_above.exceeded_by(reading.systolic, reading.diastolic)
        above = rule.sustained_above.exceeded_by(reading.systolic, reading.diastolic)
        if not severe:
            close("severe", reading.time)
        if not above:
            close("sustained", reading.time)
        if severe and "severe" not in open_:
            open_["severe"] = (
                rule.once_severity,
                f"Hypertension: BP {reading.bp_text} at {_when(reading.time, t0, clock)} "
                f"is above {rule.once_above}",
                reading.time,
                (reading,),
            )
        if above:
            earlier = next((e for e in high if need <= reading.time - e.time <= window), None)
            if earlier is not None and "sustained" not in open_ and "severe" not in open_:
                triggers = (earlier, reading)
                shown = ", ".join(f"{r.bp_text} at {_when(r.time, t0, clock)}" for r in triggers)
                open_["sustained"] = (
                    rule.severity,
                    f"Hypertension: BP above {rule.sustained_above} on two readings "
                    f"{rule.sustained_minutes} min or more apart ({shown})",
                    reading.time,
                    triggers,
                )
            high.append(reading)
    for kind in list(open_):
        close(kind, None)
    return out


def bp_recheck_due(
    readings: Sequence[VitalsReading], settings: ClinicSettings
) -> tuple[VitalsReading, datetime] | None:
    """When the latest BP reading is above the hypertension threshold: that reading and
    when to recheck it (``sustained_minutes`` later), so a second reading can confirm
    or clear the alert. None otherwise (or when the rule is off)."""
    rule = settings.alerts.hypertension
    with_bp = [r for r in _ordered(readings) if r.has_bp]
    if not rule.enabled or not with_bp:
        return None
    latest = with_bp[-1]
    if not rule.sustained_above.exceeded_by(latest.systolic, latest.diastolic):
        return None
    return latest, latest.time + timedelta(minutes=rule.sustained_minutes)


def active_alerts(alerts: Sequence[Alert]) -> list[Alert]:
    """The alerts not resolved by a later reading (what the banner shows)."""
    return [alert for alert in alerts if alert.active]


# --------------------------------------------------------------------------- pre-dose hold


class HoldKind(StrEnum):
    """Why the first dose needs an override."""

    BP_ABOVE_THRESHOLD = "bp_above_threshold"
    NO_PRE_DOSE_BP = "no_pre_dose_bp"


@dataclass(frozen=True, slots=True)
class HoldReason:
    """Why logging the first dose needs an override with a reason."""

    kind: HoldKind
    message: str
    readings: tuple[VitalsReading, ...] = ()


def dose_needs_override(
    readings: Sequence[VitalsReading],
    t0_candidate: datetime,
    settings: ClinicSettings,
    doses: Sequence[DoseEntry] = (),
    *,
    clock: ClockFormat = wall_clock,
) -> HoldReason | None:
    """Whether a first dose at ``t0_candidate`` needs an override, and why.

    Looks at the BP readings taken before ``t0_candidate``: with
    ``decide_on="any"`` (default) any of them above the hold threshold holds,
    with ``"latest"`` only the most recent. With ``require_pre_dose_bp`` a
    missing pre-dose BP holds too (the spec requires pre-dose vitals). Boosters
    are never held: when ``doses`` holds a dose at or before ``t0_candidate``,
    the answer is ``None``.
    """
    rule = settings.alerts.pre_dose_hold
    if not rule.enabled:
        return None
    if any(dose.time <= t0_candidate for dose in doses):
        return None
    pre_dose = [r for r in _ordered(readings) if r.time < t0_candidate and r.has_bp]
    if not pre_dose:
        if not rule.require_pre_dose_bp:
            return None
        return HoldReason(
            HoldKind.NO_PRE_DOSE_BP,
            "No pre-dose blood pressure is recorded: record pre-dose vitals, "
            "or give a reason to dose without them",
        )
    considered = pre_dose if rule.decide_on == "any" else pre_dose[-1:]
    high = tuple(r for r in considered if rule.above.exceeded_by(r.systolic, r.diastolic))
    if not high:
        return None
    shown = ", ".join(f"{r.bp_text} at {clock(r.time)}" for r in high)
    return HoldReason(
        HoldKind.BP_ABOVE_THRESHOLD,
        f"Pre-dose BP above {rule.above} ({shown}): dosing needs an override with a reason",
        high,
    )
