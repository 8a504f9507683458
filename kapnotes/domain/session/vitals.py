"""Vitals readings and their plausibility check.

A :class:`VitalsReading` uses the column ids of the dosing template's
``vitals_log`` (``systolic``, ``diastolic``, ``heart_rate``, ``spo2``,
``respiratory_rate``, ``moaas``, ``dissociation``, ``cadss_total``), so a log row
maps to a reading 1:1 (:meth:`VitalsReading.from_entry`). Partial readings are
normal (only a blood pressure, or only SpO2); a blood pressure needs both parts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from kapnotes.domain.session.settings import VitalsLimits
from kapnotes.domain.templates.model import parse_time

VITALS_FIELDS: Final[tuple[str, ...]] = (
    "systolic",
    "diastolic",
    "heart_rate",
    "spo2",
    "respiratory_rate",
    "moaas",
    "dissociation",
    "cadss_total",
)

FIELD_LABELS: Final[dict[str, str]] = {
    "time": "Time",
    "systolic": "Systolic BP",
    "diastolic": "Diastolic BP",
    "heart_rate": "Heart rate",
    "spo2": "SpO2",
    "respiratory_rate": "Respiratory rate",
    "moaas": "Sedation (MOAA/S)",
    "dissociation": "Dissociation",
    "cadss_total": "CADSS total",
}

FIELD_UNITS: Final[dict[str, str]] = {
    "systolic": " mmHg",
    "diastolic": " mmHg",
    "heart_rate": " bpm",
    "spo2": "%",
    "respiratory_rate": "/min",
}


@dataclass(frozen=True, slots=True)
class VitalsReading:
    """One row of the vitals log, taken at ``time`` (a full datetime)."""

    time: datetime
    systolic: int | None = None
    diastolic: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None
    respiratory_rate: int | None = None
    moaas: int | None = None
    dissociation: int | None = None
    cadss_total: int | None = None

    @property
    def has_bp(self) -> bool:
        """Whether both parts of a blood pressure were recorded."""
        return self.systolic is not None and self.diastolic is not None

    @property
    def bp_text(self) -> str | None:
        """``"182/112"``, or ``None`` without a blood pressure."""
        if self.systolic is None or self.diastolic is None:
            return None
        return f"{self.systolic}/{self.diastolic}"

    def values(self) -> dict[str, int]:
        """The recorded values by template column id (missing ones left out)."""
        out: dict[str, int] = {}
        for name in VITALS_FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any], day: date) -> VitalsReading:
        """A reading from a ``vitals_log`` row (``time`` as ``HH:MM``) on ``day``.

        Raises ``ValueError`` naming the column when the time or a value is not usable.
        """
        at = _entry_time(entry, day)
        values: dict[str, int | None] = {}
        for name in VITALS_FIELDS:
            raw = entry.get(name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                values[name] = None
            elif isinstance(raw, bool) or not isinstance(raw, int | float | str):
                raise ValueError(f"{FIELD_LABELS[name]} must be a whole number")
            else:
                try:
                    number = float(raw)
                except ValueError:
                    raise ValueError(f"{FIELD_LABELS[name]} must be a whole number") from None
                if not number.is_integer():
                    raise ValueError(f"{FIELD_LABELS[name]} must be a whole number")
                values[name] = int(number)
        return cls(time=at, **values)


def _entry_time(entry: Mapping[str, Any], day: date) -> datetime:
    raw = entry.get("time")
    if isinstance(raw, datetime):
        return raw
    parsed = parse_time(raw)
    if parsed is None:
        raise ValueError("Time must be a clock time (HH:MM)")
    return datetime.combine(day, parsed)


@dataclass(frozen=True, slots=True)
class VitalsProblem:
    """Why a reading was refused, naming the field (a template column id)."""

    field: str
    message: str
    value: int | None = None

    def __str__(self) -> str:
        return self.message


def _fmt(name: str, value: int) -> str:
    return f"{value}{FIELD_UNITS.get(name, '')}"


def check_vitals(reading: VitalsReading, limits: VitalsLimits | None = None) -> list[VitalsProblem]:
    """Problems that make a reading implausible; an empty list means it may be stored.

    Each value must lie inside its limit (defaults: systolic 50-300, diastolic
    20-200, heart rate 20-250, SpO2 50-100, respiratory rate 4-60, MOAA/S 0-5,
    dissociation 0-10); the diastolic must be below the systolic; a blood
    pressure needs both parts; a reading needs at least one value.
    """
    limits = limits or VitalsLimits()
    problems: list[VitalsProblem] = []
    values = reading.values()
    if not values:
        return [VitalsProblem("", "Enter at least one value (BP, heart rate, SpO2, …)")]
    for name, value in values.items():
        allowed = getattr(limits, name)
        if value not in allowed:
            label = FIELD_LABELS[name]
            problems.append(
                VitalsProblem(
                    name,
                    f"{label} {_fmt(name, value)} is not plausible: "
                    f"it must be between {allowed.min} and {allowed.max}",
                    value,
                )
            )
    if reading.systolic is not None and reading.diastolic is None:
        problems.append(VitalsProblem("diastolic", "Diastolic BP is missing: enter both BP parts"))
    if reading.diastolic is not None and reading.systolic is None:
        problems.append(VitalsProblem("systolic", "Systolic BP is missing: enter both BP parts"))
    if (
        reading.systolic is not None
        and reading.diastolic is not None
        and reading.diastolic >= reading.systolic
    ):
        problems.append(
            VitalsProblem(
                "diastolic",
                f"Diastolic BP {reading.diastolic} must be below systolic {reading.systolic}",
                reading.diastolic,
            )
        )
    return problems
