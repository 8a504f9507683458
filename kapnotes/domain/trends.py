"""Trends of one instrument's totals over a client's course.

Given the dated totals of one instrument for one client, report the baseline (the
earliest), the latest, the change in points and in percent from baseline,
*response* (a fall of at least ``response_fall_percent``, 50% by default, from
baseline) and *remission* (a total below the instrument's ``remission_below``), and
mark each point so a chart can show where response and remission were reached.

Percentages are whole numbers rounded half away from zero, computed exactly with
integers: a fall from 22 to 9 is (9 - 22) / 22 = -59.09% -> -59. Response is decided
on the exact value, not the rounded one. A baseline of 0 has no percent change and
cannot show a response.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from kapnotes.domain.instruments.model import InstrumentSpec

DEFAULT_RESPONSE_FALL_PERCENT = 50


def percent_change(baseline: int, value: int) -> int | None:
    """Change from ``baseline`` to ``value`` in whole percent (``None`` if baseline <= 0)."""
    if baseline <= 0:
        return None
    change = value - baseline
    magnitude = (200 * abs(change) + baseline) // (2 * baseline)  # round half up
    return magnitude if change >= 0 else -magnitude


def is_response(
    baseline: int, value: int, fall_percent: int = DEFAULT_RESPONSE_FALL_PERCENT
) -> bool:
    """Whether ``value`` is at least ``fall_percent`` percent below a positive baseline."""
    return baseline > 0 and 100 * (baseline - value) >= fall_percent * baseline


@dataclass(frozen=True)
class TrendPoint:
    """One dated total, compared with the baseline."""

    date: datetime.date
    total: int
    change_points: int
    change_percent: int | None
    band: str | None
    is_baseline: bool
    is_latest: bool
    response: bool
    remission: bool

    @property
    def markers(self) -> tuple[str, ...]:
        """Labels for a chart: any of ``baseline``, ``latest``, ``response``, ``remission``."""
        flags = {
            "baseline": self.is_baseline,
            "latest": self.is_latest,
            "response": self.response,
            "remission": self.remission,
        }
        return tuple(name for name, on in flags.items() if on)


@dataclass(frozen=True)
class Trend:
    """The course of one instrument: baseline, latest, change, response, remission.

    ``change_points`` and ``change_percent`` are signed (a fall is negative);
    ``fall_percent`` gives the fall as a positive number. ``remission`` is ``None``
    when the instrument defines no remission threshold.
    """

    points: tuple[TrendPoint, ...]
    response_fall_percent: int
    remission_below: int | None

    @property
    def baseline(self) -> TrendPoint:
        """The earliest point."""
        return self.points[0]

    @property
    def latest(self) -> TrendPoint:
        """The most recent point."""
        return self.points[-1]

    @property
    def change_points(self) -> int:
        """Latest total minus baseline total."""
        return self.latest.change_points

    @property
    def change_percent(self) -> int | None:
        """Latest change from baseline in whole percent (negative for a fall)."""
        return self.latest.change_percent

    @property
    def fall_percent(self) -> int | None:
        """How far the latest total fell below baseline, in whole percent."""
        return None if self.change_percent is None else -self.change_percent

    @property
    def response(self) -> bool:
        """Whether the latest total shows a response."""
        return self.latest.response

    @property
    def remission(self) -> bool | None:
        """Whether the latest total is in remission (``None``: no threshold defined)."""
        return None if self.remission_below is None else self.latest.remission


def compute_trend(
    series: Iterable[tuple[datetime.date, int]],
    *,
    remission_below: int | None = None,
    response_fall_percent: int = DEFAULT_RESPONSE_FALL_PERCENT,
    spec: InstrumentSpec | None = None,
) -> Trend:
    """The trend of a series of ``(date, total)``; the order given does not matter.

    Points on the same date keep their given order. With ``spec`` each point gets
    its band label and totals outside the instrument's range are refused. Raises
    ``ValueError`` for an empty series or an out-of-range total.
    """
    ordered = sorted(series, key=lambda point: point[0])
    if not ordered:
        raise ValueError("a trend needs at least one score")
    if not 1 <= response_fall_percent <= 100:
        raise ValueError(f"response_fall_percent must be 1–100, got {response_fall_percent}")
    if spec is not None:
        low, high = spec.score_range
        for date, total in ordered:
            if not low <= total <= high:
                raise ValueError(
                    f"{spec.short_name} total {total} on {date.isoformat()} is outside "
                    f"the possible totals {low}–{high}"
                )
    baseline = ordered[0][1]
    last = len(ordered) - 1
    points = []
    for index, (date, total) in enumerate(ordered):
        band = spec.band_for(total) if spec is not None else None
        points.append(
            TrendPoint(
                date=date,
                total=total,
                change_points=total - baseline,
                change_percent=percent_change(baseline, total),
                band=band.label if band is not None else None,
                is_baseline=index == 0,
                is_latest=index == last,
                response=index > 0 and is_response(baseline, total, response_fall_percent),
                remission=remission_below is not None and total < remission_below,
            )
        )
    return Trend(tuple(points), response_fall_percent, remission_below)


def trend_for(spec: InstrumentSpec, series: Iterable[tuple[datetime.date, int]]) -> Trend:
    """The trend of one instrument's totals, with its own thresholds and bands."""
    return compute_trend(
        series,
        remission_below=spec.remission_below,
        response_fall_percent=spec.response_fall_percent,
        spec=spec,
    )
