"""The discharge gate: checklist, open alerts, last vitals and the minimum monitoring time.

Discharge needs an override with a reason while anything stands in the way
(:func:`discharge_gate`); :func:`discharge_check` is the checklist part alone.

Item ids (``value``) are those of the dosing template's ``discharge_criteria``
checklist, so the ticked values of the note are passed straight in.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kapnotes.domain.clients import Product
from kapnotes.domain.session.alerts import Alert
from kapnotes.domain.session.clock import format_minutes
from kapnotes.domain.session.settings import ChecklistItem, ClinicSettings
from kapnotes.domain.session.vitals import FIELD_LABELS, FIELD_UNITS, VitalsReading
from kapnotes.domain.timeline import ClockFormat, wall_clock


@dataclass(frozen=True, slots=True)
class DischargeDecision:
    """Whether discharge may be recorded.

    ``unticked`` lists the items still open; ``override_reason`` keeps the
    clinician's reason (stripped) whenever one was given; ``overridden`` is true
    when the reason is what allowed discharge.
    """

    allowed: bool
    unticked: tuple[ChecklistItem, ...]
    override_reason: str | None
    message: str

    @property
    def overridden(self) -> bool:
        """Whether discharge was allowed only thanks to the override reason."""
        return self.allowed and bool(self.unticked)


def discharge_check(
    checked_items: Collection[str],
    checklist: Sequence[ChecklistItem],
    override_reason: str | None = None,
) -> DischargeDecision:
    """Refuse discharge while an item is unticked, unless a (non-blank) reason is given."""
    reason = override_reason.strip() if override_reason else ""
    kept = reason or None
    ticked = set(checked_items)
    unticked = tuple(item for item in checklist if item.value not in ticked)
    if not unticked:
        return DischargeDecision(True, (), kept, "All discharge criteria are met")
    names = "; ".join(item.label for item in unticked)
    if kept is None:
        return DischargeDecision(
            False,
            unticked,
            None,
            f"Discharge criteria not met: {names}. Tick them, or override with a reason",
        )
    return DischargeDecision(
        True, unticked, kept, f"Discharge overridden ({names} not met): {kept}"
    )


class GateKind(StrEnum):
    """Why discharge now needs an override."""

    CHECKLIST = "checklist"
    OPEN_ALERT = "open_alert"
    VITALS = "vitals"
    NO_RECENT_BP = "no_recent_bp"
    MINIMUM_MONITORING = "minimum_monitoring"


@dataclass(frozen=True, slots=True)
class GateProblem:
    """One reason discharge at this moment needs an override with a reason."""

    kind: GateKind
    message: str


def discharge_gate(
    *,
    at: datetime,
    ticked: Collection[str],
    open_alerts: Sequence[Alert],
    readings: Sequence[VitalsReading],
    t0: datetime | None,
    product: Product,
    settings: ClinicSettings,
    clock: ClockFormat = wall_clock,
) -> list[GateProblem]:
    """Everything that stands in the way of discharging at ``at`` (empty: discharge may go).

    Source: the clinical spec's discharge criteria — discharge cannot be recorded
    while a checklist item is unticked, while an alert is open, with the last
    vitals outside the clinic's discharge ranges (``settings.discharge_ranges``),
    without a blood pressure within ``pre_discharge_bp_within_min`` minutes, or
    before the product's minimum monitoring time (minutes after T0,
    ``settings.monitoring.minimum_monitoring_min``), unless the clinician
    overrides with a reason. Times are instants; ``clock`` shows them.
    """
    problems: list[GateProblem] = []
    unticked = [item.label for item in settings.discharge_checklist if item.value not in ticked]
    if unticked:
        problems.append(GateProblem(GateKind.CHECKLIST, "Not ticked: " + "; ".join(unticked)))
    for alert in open_alerts:
        problems.append(GateProblem(GateKind.OPEN_ALERT, f"Alert still open: {alert.message}"))
    after = sorted((r for r in readings if t0 is None or r.time >= t0), key=lambda r: r.time)
    ranges = settings.discharge_ranges
    for name in ("systolic", "diastolic", "heart_rate", "spo2", "respiratory_rate", "moaas"):
        allowed = getattr(ranges, name)
        last = next((r for r in reversed(after) if getattr(r, name) is not None), None)
        if allowed is None or last is None:
            continue
        value = getattr(last, name)
        if value not in allowed:
            span = (
                f"{allowed.min}" if allowed.min == allowed.max else f"{allowed.min}–{allowed.max}"
            )
            problems.append(
                GateProblem(
                    GateKind.VITALS,
                    f"Last {FIELD_LABELS[name]} {value}{FIELD_UNITS.get(name, '')} at "
                    f"{clock(last.time)} is outside the discharge range {span}",
                )
            )
    within = settings.monitoring.pre_discharge_bp_within_min
    last_bp = next((r for r in reversed(after) if r.has_bp), None)
    if last_bp is None:
        problems.append(
            GateProblem(GateKind.NO_RECENT_BP, "No blood pressure recorded after the dose")
        )
    elif within is not None and at - last_bp.time > timedelta(minutes=within):
        problems.append(
            GateProblem(
                GateKind.NO_RECENT_BP,
                f"Last blood pressure {last_bp.bp_text} at {clock(last_bp.time)} is more than "
                f"{within} min old: record vitals before discharge",
            )
        )
    minimum = settings.monitoring.minimum_monitoring_min.get(product)
    if minimum is not None and t0 is not None:
        minutes = int((at - t0).total_seconds() // 60)
        if minutes < minimum:
            problems.append(
                GateProblem(
                    GateKind.MINIMUM_MONITORING,
                    f"Monitoring has lasted {format_minutes(minutes)}; the clinic's minimum for "
                    f"this product is {format_minutes(minimum)}",
                )
            )
    return problems
