"""Charts drawn with reportlab.graphics: a session's vitals, a measure's course.

The vitals chart has two panels on one T+ axis (minutes from the first dose,
negative before it): blood pressure and heart rate above (mmHg and bpm share a
scale), SpO2 below (its own, narrow scale, where a fall from 98 to 91 shows).
The clinic's alert thresholds are dashed lines with their values; T0 is a
vertical line; every reading that raised an alert is ringed.

The trend chart shows one instrument's totals by date, the course's dosing
days as dashed verticals, and the response and remission thresholds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Rect, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.pdfbase.pdfmetrics import stringWidth

from kapnotes.domain.session import ClinicSettings, RuleId, VitalsReading
from kapnotes.reports.fonts import BOLD, FAMILY
from kapnotes.reports.styles import colour
from kapnotes.reports.words import MONTHS

Point = tuple[float, float]
#: A series with more points than this is drawn as a line without a marker on each point.
MARKED_POINTS = 60


@dataclass(frozen=True)
class Series:
    """One line of a chart: its points, colour token, legend text, dashes and marker."""

    points: Sequence[Point]
    token: str
    label: str
    dashed: bool = False
    marker: str = "FilledCircle"


@dataclass(frozen=True)
class Guide:
    """A dashed horizontal line at ``value`` with a short label (a threshold)."""

    value: float
    label: str
    token: str


@dataclass(frozen=True)
class Scale:
    """An axis range and its tick step."""

    low: float
    high: float
    step: float

    def at(self, value: float, start: float, length: float) -> float:
        """Where ``value`` falls on an axis drawn from ``start`` over ``length`` points."""
        return start + (value - self.low) / (self.high - self.low) * length


def tick_text(value: float) -> str:
    """An axis number: ``20``, ``−10`` (a true minus sign), ``2.5``."""
    return f"{value:g}".replace("-", "−")


def nice_step(span: float, ticks: int = 8) -> float:
    """A round tick step (1, 2, 5 × 10^n) giving about ``ticks`` ticks over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)


def scale_for(values: Sequence[float], low: float, high: float, ticks: int = 8) -> Scale:
    """A scale covering ``low``–``high`` and every value, on round ticks."""
    lo = min([low, *values])
    hi = max([high, *values])
    step = nice_step(hi - lo, ticks)
    return Scale(math.floor(lo / step) * step, math.ceil(hi / step) * step, step)


def _plot(
    drawing: Drawing,
    box: tuple[float, float, float, float],
    xs: Scale,
    ys: Scale,
    series: Sequence[Series],
    *,
    x_labels: bool,
    x_format: Callable[[float], str] | None = None,
    y_title: str = "",
) -> None:
    """A line plot of ``series`` in ``box`` (x, y, width, height) on fixed scales."""
    x, y, width, height = box
    drawing.add(
        Rect(x, y, width, height, fillColor=None, strokeColor=colour("border"), strokeWidth=0.6)
    )
    shown = [s for s in series if s.points]
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = x, y, width, height
    plot.data = [list(s.points) for s in shown] or [[(xs.low, ys.low)]]
    plot.joinedLines = 1
    for index, item in enumerate(shown):
        line = plot.lines[index]
        line.strokeColor = colour(item.token)
        line.strokeWidth = 1.3
        if item.dashed:
            line.strokeDashArray = (3, 2)
        if len(item.points) <= MARKED_POINTS:  # a dense series reads better as a line
            line.symbol = makeMarker(item.marker)
            line.symbol.size = 3.2
            line.symbol.fillColor = colour(item.token)
            line.symbol.strokeColor = colour(item.token)
    if not shown:
        plot.lines[0].strokeColor = None
    for axis, scale in ((plot.xValueAxis, xs), (plot.yValueAxis, ys)):
        axis.valueMin, axis.valueMax, axis.valueStep = scale.low, scale.high, scale.step
        axis.labels.fontName = FAMILY
        axis.labels.fontSize = 7
        axis.labels.fillColor = colour("muted")
        axis.strokeColor = colour("muted")
        axis.strokeWidth = 0.5
        axis.visibleGrid = 1
        axis.gridStrokeColor = colour("grid")
        axis.gridStrokeWidth = 0.4
    plot.xValueAxis.visibleLabels = 1 if x_labels else 0
    plot.xValueAxis.labelTextFormat = x_format or tick_text
    plot.yValueAxis.labelTextFormat = tick_text
    drawing.add(plot)
    if y_title:
        title = String(0, 0, y_title, fontName=FAMILY, fontSize=7, textAnchor="middle")
        title.fillColor = colour("muted")
        turned = Group(title)
        turned.transform = (0, 1, -1, 0, x - 26, y + height / 2)  # rotated a quarter turn
        drawing.add(turned)


def _guide(
    drawing: Drawing, guide: Guide, box: tuple[float, float, float, float], ys: Scale
) -> None:
    x, y, width, height = box
    if not ys.low <= guide.value <= ys.high:
        return
    level = ys.at(guide.value, y, height)
    drawing.add(
        Line(
            x,
            level,
            x + width,
            level,
            strokeColor=colour(guide.token),
            strokeWidth=0.8,
            strokeDashArray=(4, 3),
        )
    )
    text = String(x + width + 3, level - 2.5, guide.label, fontName=FAMILY, fontSize=6.5)
    text.fillColor = colour(guide.token)
    drawing.add(text)


def _legend(drawing: Drawing, items: Sequence[tuple[str, str, bool]], x: float, y: float) -> float:
    """A row of swatches: (colour token, text, dashed); returns where the row ends."""
    for token, text, dashed in items:
        drawing.add(
            Line(
                x,
                y + 2.5,
                x + 14,
                y + 2.5,
                strokeColor=colour(token),
                strokeWidth=1.4,
                strokeDashArray=(3, 2) if dashed else None,
            )
        )
        label = String(x + 17, y, text, fontName=FAMILY, fontSize=7)
        label.fillColor = colour("text")
        drawing.add(label)
        x += 17 + stringWidth(text, FAMILY, 7) + 16
    return x


def _ring(drawing: Drawing, cx: float, cy: float) -> None:
    drawing.add(
        Circle(cx, cy, 4.6, fillColor=None, strokeColor=colour("alert_border"), strokeWidth=1.2)
    )


RING_MEASURES: dict[RuleId, tuple[str, ...]] = {
    RuleId.PRE_DOSE_HOLD: ("systolic", "diastolic"),
    RuleId.HYPERTENSION: ("systolic", "diastolic"),
    RuleId.TACHYCARDIA: ("heart_rate",),
    RuleId.DESATURATION: ("spo2",),
    RuleId.EXCESS_SEDATION: (),
}


def vitals_chart(
    width: float,
    points: Sequence[tuple[float, VitalsReading]],
    alerted: Sequence[tuple[float, VitalsReading, RuleId]],
    settings: ClinicSettings,
) -> Drawing:
    """BP and heart rate above, SpO2 below, against T+ minutes (see the module docstring).

    ``points`` are (T+ minutes, reading); ``alerted`` the readings (with their T+ and
    the rule) that raised an alert.
    """
    rules = settings.alerts
    minutes = [m for m, _r in points] or [0.0]
    xs = scale_for(minutes, min(0.0, min(minutes)), max(60.0, max(minutes)), ticks=10)
    sys_pts = [(m, float(r.systolic)) for m, r in points if r.systolic is not None]
    dia_pts = [(m, float(r.diastolic)) for m, r in points if r.diastolic is not None]
    hr_pts = [(m, float(r.heart_rate)) for m, r in points if r.heart_rate is not None]
    spo2_pts = [(m, float(r.spo2)) for m, r in points if r.spo2 is not None]
    upper_values = [v for _m, v in (*sys_pts, *dia_pts, *hr_pts)]
    guides_top: list[Guide] = []
    if rules.hypertension.enabled:
        above = rules.hypertension.sustained_above
        guides_top.append(Guide(above.systolic, f"{above.systolic} sys", "series_sys"))
        guides_top.append(Guide(above.diastolic, f"{above.diastolic} dia", "series_dia"))
    if rules.tachycardia.enabled:
        guides_top.append(
            Guide(rules.tachycardia.above_bpm, f"{rules.tachycardia.above_bpm} bpm", "series_hr")
        )
    top_low = 40.0
    top_high = max([g.value for g in guides_top] or [180.0]) + 10
    ys_top = scale_for(upper_values, top_low, top_high, ticks=7)
    low_spo2 = rules.desaturation.below_percent if rules.desaturation.enabled else 94
    ys_low = scale_for([v for _m, v in spo2_pts], min(88.0, low_spo2 - 4.0), 100.0, ticks=4)
    ys_low = Scale(ys_low.low, max(100.0, ys_low.high), ys_low.step)

    left, right = 40.0, 44.0
    plot_w = width - left - right
    top_box = (left, 78.0, plot_w, 150.0)
    low_box = (left, 22.0, plot_w, 44.0)
    drawing = Drawing(width, 250)
    _plot(
        drawing,
        top_box,
        xs,
        ys_top,
        [
            Series(sys_pts, "series_sys", "Systolic"),
            Series(dia_pts, "series_dia", "Diastolic"),
            Series(hr_pts, "series_hr", "Heart rate", dashed=True, marker="FilledSquare"),
        ],
        x_labels=False,
        y_title="mmHg · bpm",
    )
    _plot(
        drawing,
        low_box,
        xs,
        ys_low,
        [Series(spo2_pts, "series_spo2", "SpO2", marker="FilledDiamond")],
        x_labels=True,
        y_title="SpO2 %",
    )
    for guide in guides_top:
        _guide(drawing, guide, top_box, ys_top)
    if rules.desaturation.enabled:
        _guide(drawing, Guide(low_spo2, f"{low_spo2}%", "series_spo2"), low_box, ys_low)
    # T0: the first dose
    if xs.low <= 0 <= xs.high:
        for box in (top_box, low_box):
            x0 = xs.at(0, box[0], box[2])
            drawing.add(
                Line(x0, box[1], x0, box[1] + box[3], strokeColor=colour("accent"), strokeWidth=0.9)
            )
        t0 = String(
            xs.at(0, left, plot_w) + 2, top_box[1] + top_box[3] - 9, "T0", fontName=BOLD, fontSize=7
        )
        t0.fillColor = colour("accent")
        drawing.add(t0)
    for minute, reading, rule in alerted:
        for measure in RING_MEASURES.get(rule, ()):
            value = getattr(reading, measure)
            if value is None:
                continue
            box, scale = (low_box, ys_low) if measure == "spo2" else (top_box, ys_top)
            _ring(drawing, xs.at(minute, box[0], box[2]), scale.at(value, box[1], box[3]))
    axis_title = String(
        left + plot_w / 2,
        2,
        "minutes from the first dose (T+)",
        fontName=FAMILY,
        fontSize=7,
        textAnchor="middle",
    )
    axis_title.fillColor = colour("muted")
    drawing.add(axis_title)
    legend_y = top_box[1] + top_box[3] + 12
    ring_x = _legend(
        drawing,
        [
            ("series_sys", "Systolic BP (mmHg)", False),
            ("series_dia", "Diastolic BP (mmHg)", False),
            ("series_hr", "Heart rate (bpm)", True),
            ("series_spo2", "SpO2 (%)", False),
        ],
        left,
        legend_y,
    )
    _ring(drawing, ring_x + 4, legend_y + 2.5)
    note = String(ring_x + 12, legend_y, "raised an alert", fontName=FAMILY, fontSize=7)
    note.fillColor = colour("text")
    drawing.add(note)
    return drawing


def short_day(ordinal: float) -> str:
    """``2 Mar`` for a date ordinal (chart tick labels)."""
    day = date.fromordinal(round(ordinal))
    return f"{day.day} {MONTHS[day.month - 1]}"


def trend_chart(
    width: float,
    points: Sequence[tuple[date, int]],
    dosing_days: Sequence[date],
    score_range: tuple[int, int],
    *,
    remission_below: int | None,
    response_level: float | None,
    response_label: str,
    label: str,
) -> Drawing:
    """One instrument's totals by date with the course's dosing days and its thresholds."""
    days = [d.toordinal() for d, _t in points] + [d.toordinal() for d in dosing_days]
    first, last = min(days), max(days)
    if last - first < 14:
        last = first + 14
    pad = max(1, round((last - first) * 0.04))
    step = nice_step(last - first, 7)
    step = max(1.0, 7.0 * max(1, round(step / 7))) if step >= 5 else step
    xs = Scale(first - pad, last + pad, step)
    low, high = score_range
    ys = Scale(float(low), float(high), nice_step(high - low, 6))
    left, right = 34.0, 78.0
    box = (left, 26.0, width - left - right, 128.0)
    drawing = Drawing(width, 178)
    line = Series([(float(d.toordinal()), float(t)) for d, t in points], "accent", label)
    _plot(drawing, box, xs, ys, [line], x_labels=True, x_format=short_day, y_title="total")
    for day in dosing_days:
        at = xs.at(day.toordinal(), box[0], box[2])
        drawing.add(
            Line(
                at,
                box[1],
                at,
                box[1] + box[3],
                strokeColor=colour("series_hr"),
                strokeWidth=0.7,
                strokeDashArray=(2, 2),
            )
        )
    if remission_below is not None:
        _guide(drawing, Guide(remission_below, f"remission < {remission_below}", "signed"), box, ys)
    if response_level is not None:
        _guide(drawing, Guide(response_level, response_label, "series_dia"), box, ys)
    _legend(
        drawing,
        [("accent", f"{label} total", False), ("series_hr", "dosing session", True)],
        left,
        box[1] + box[3] + 10,
    )
    return drawing
