"""The trend chart of one instrument in one course: totals, severity bands, dosing sessions.

A QtCharts line chart: dates on a ``QDateTimeAxis`` spanning the course (its start
to its end, or to the last point while it is open), the total on a ``QValueAxis``
from the lowest to the highest possible total, the instrument's severity bands as
light horizontal areas (named on a second, right-hand axis), each dosing session
as a dashed vertical line, and each administration that raised a flag ringed (red
while the flag is open, grey once acknowledged). Colours come from the current
light or dark palette; there is no legend (the card says what the marks are).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCharts import (
    QAreaSeries,
    QCategoryAxis,
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QDateTime, QMargins, QPointF, Qt, QTime
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from kapnotes.domain.instruments import InstrumentSpec
from kapnotes.ui.dates import medium_format, show_date
from kapnotes.ui.measures import style

CHART_HEIGHT = 260
"""Height of a trend chart in pixels."""


def msecs(day: dt.date) -> float:
    """A date as the x value of the chart (local noon, in ms since the epoch)."""
    return float(QDateTime(QDate(day.year, day.month, day.day), QTime(12, 0)).toMSecsSinceEpoch())


def nice_interval(span: float, most_ticks: int = 6) -> int:
    """A round tick interval giving at most ``most_ticks`` intervals over ``span``."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if span / step <= most_ticks:
            return step
    return max(1, round(span / most_ticks))


def severity_colour(index: int, count: int) -> QColor:
    """A band's tint: from green (mildest) through amber to red (most severe)."""
    low, middle, high = style.colour("signed"), style.colour("draft"), style.colour("error")
    if count <= 1:
        return low
    position = index / (count - 1)
    if position <= 0.5:
        return style.mix(middle, low, position * 2)
    return style.mix(high, middle, (position - 0.5) * 2)


def axis_format(same_year: bool) -> str:
    """Tick labels of the date axis in the locale's order: ``Sep 12`` / ``12 Sep (26)``."""
    medium = medium_format()
    day_month = "MMM d" if medium.find("M") < medium.find("d") else "d MMM"
    return day_month if same_year else f"{day_month} yy"


class TrendChart(QChartView):
    """A chart view holding one instrument's trend; the series are kept as attributes.

    ``span`` is the course's first and last day (None: still open); the date axis
    covers it and every point. ``flagged`` lists the administrations that raised a
    flag as (day, total, open).
    """

    def __init__(
        self,
        spec: InstrumentSpec | None,
        points: Sequence[tuple[dt.date, int]],
        dosing_dates: Sequence[dt.date],
        parent: QWidget | None = None,
        *,
        span: tuple[dt.date, dt.date | None] | None = None,
        flagged: Sequence[tuple[dt.date, int, bool]] = (),
    ) -> None:
        chart = QChart()
        super().__init__(chart, parent)
        self.setObjectName("trendChart")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFixedHeight(CHART_HEIGHT)
        self.setMinimumWidth(420)
        self.setFrameShape(QChartView.Shape.NoFrame)
        self.setStyleSheet("background: transparent;")
        self.spec = spec
        self.points = sorted(points)
        self.dosing_dates = sorted(set(dosing_dates))
        self.band_series: list[QAreaSeries] = []
        self.dosing_series: list[QLineSeries] = []
        self.span = span
        self.flagged = sorted(flagged)

        card, text, muted = style.colour("card"), style.colour("text"), style.colour("muted")
        border, accent = style.colour("border"), style.colour("accent")
        chart.setBackgroundBrush(QBrush(card))
        chart.setBackgroundPen(QPen(Qt.PenStyle.NoPen))
        chart.setBackgroundRoundness(0)
        chart.setPlotAreaBackgroundVisible(False)
        chart.setMargins(QMargins(0, 4, 0, 0))
        chart_layout = chart.layout()
        if chart_layout is not None:
            chart_layout.setContentsMargins(0, 0, 0, 0)
        chart.legend().setVisible(False)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)

        # -- ranges ---------------------------------------------------------------
        if spec is not None:
            low, high = spec.score_range
        else:
            low, high = 0, max([total for _, total in self.points] or [10])
        days = [day for day, _ in self.points] + list(self.dosing_dates)
        if span is not None:
            days += [span[0]] + ([span[1]] if span[1] is not None else [])
        first, last = (min(days), max(days)) if days else (dt.date.today(),) * 2
        pad = max(2, (last - first).days // 20)
        x_min = msecs(first - dt.timedelta(days=pad))
        x_max = msecs(last + dt.timedelta(days=pad))

        label_font = QFont(self.font())
        label_font.setPointSizeF(max(7.5, label_font.pointSizeF() * 0.85))
        title_font = QFont(label_font)

        # -- axes -----------------------------------------------------------------
        self.x_axis = QDateTimeAxis()
        self.x_axis.setObjectName("dateAxis")
        self.x_axis.setTitleText("Date administered")
        self.x_axis.setFormat(axis_format(first.year == last.year))
        span_days = (last - first).days + 2 * pad
        self.x_axis.setTickCount(max(2, min(7, span_days // 7 + 1)))
        self.x_axis.setRange(
            QDateTime.fromMSecsSinceEpoch(int(x_min)), QDateTime.fromMSecsSinceEpoch(int(x_max))
        )
        self.y_axis = QValueAxis()
        self.y_axis.setObjectName("scoreAxis")
        self.y_axis.setTitleText("Total score")
        self.y_axis.setRange(low, high)
        self.y_axis.setLabelFormat("%d")
        self.y_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        self.y_axis.setTickAnchor(low)
        self.y_axis.setTickInterval(nice_interval(high - low))
        self.y_axis.setMinorTickCount(0)
        for axis in (self.x_axis, self.y_axis):
            axis.setLabelsBrush(QBrush(muted))
            axis.setLabelsFont(label_font)
            axis.setTitleBrush(QBrush(muted))
            axis.setTitleFont(title_font)
            axis.setLinePen(QPen(border, 1))
            grid = QColor(border)
            grid.setAlpha(150)
            axis.setGridLinePen(QPen(grid, 1, Qt.PenStyle.SolidLine))
        chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)

        # -- severity bands -------------------------------------------------------
        self.band_axis: QCategoryAxis | None = None
        bands = list(spec.bands) if spec is not None else []
        if bands:
            self.band_axis = QCategoryAxis()
            self.band_axis.setObjectName("bandAxis")
            self.band_axis.setLabelsPosition(
                QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionCenter
            )
            self.band_axis.setStartValue(low)
            self.band_axis.setRange(low, high)
            self.band_axis.setGridLineVisible(False)
            self.band_axis.setLineVisible(False)
            self.band_axis.setLabelsBrush(QBrush(muted))
            self.band_axis.setLabelsFont(label_font)
            chart.addAxis(self.band_axis, Qt.AlignmentFlag.AlignRight)
            strength = 0.13 if style.current_scheme() == "light" else 0.16
            for index, band in enumerate(bands):
                top = high if index == len(bands) - 1 else bands[index + 1].min
                bottom = band.min
                upper, lower = QLineSeries(), QLineSeries()
                upper.append([QPointF(x_min, top), QPointF(x_max, top)])
                lower.append([QPointF(x_min, bottom), QPointF(x_max, bottom)])
                upper.setParent(chart)  # the area series does not own its edges
                lower.setParent(chart)
                area = QAreaSeries(upper, lower)
                area.setName(band.label)
                area.setObjectName(f"band_{index}")
                area.setBrush(QBrush(style.mix(severity_colour(index, len(bands)), card, strength)))
                area.setPen(QPen(Qt.PenStyle.NoPen))
                chart.addSeries(area)
                area.attachAxis(self.x_axis)
                area.attachAxis(self.y_axis)
                self.band_series.append(area)
                self.band_axis.append(band.label, top)

        # -- dosing sessions ------------------------------------------------------
        dose_colour = QColor(muted)
        dose_pen = QPen(dose_colour, 1.4, Qt.PenStyle.DashLine)
        dose_pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        for day in self.dosing_dates:
            line = QLineSeries()
            line.setName(f"Dosing session {show_date(day)}")
            line.setObjectName("dosingLine")
            line.append([QPointF(msecs(day), low), QPointF(msecs(day), high)])
            line.setPen(dose_pen)
            chart.addSeries(line)
            line.attachAxis(self.x_axis)
            line.attachAxis(self.y_axis)
            self.dosing_series.append(line)

        # -- flagged administrations: a ring under the point (added first: drawn below) --
        self.flag_series = self._rings("openFlags", "Open risk flag", style.colour("error"))
        self.acknowledged_series = self._rings(
            "acknowledgedFlags", "Acknowledged risk flag", QColor(muted)
        )
        for day, total, is_open in self.flagged:
            ring = self.flag_series if is_open else self.acknowledged_series
            ring.append(msecs(day), total)
        for ring in (self.flag_series, self.acknowledged_series):
            chart.addSeries(ring)
            ring.attachAxis(self.x_axis)
            ring.attachAxis(self.y_axis)

        # -- the totals -----------------------------------------------------------
        self.line_series = QLineSeries()
        self.line_series.setObjectName("totalsLine")
        self.line_series.setName(spec.short_name if spec is not None else "Total")
        line_pen = QPen(accent, 2.6)
        line_pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        line_pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        self.line_series.setPen(line_pen)
        self.point_series = QScatterSeries()
        self.point_series.setObjectName("totalsPoints")
        self.point_series.setName("Administrations")
        self.point_series.setMarkerShape(QScatterSeries.MarkerShape.MarkerShapeCircle)
        self.point_series.setMarkerSize(10)
        self.point_series.setBrush(QBrush(accent))
        self.point_series.setPen(QPen(card, 2))
        self.point_series.setPointLabelsVisible(True)
        self.point_series.setPointLabelsFormat("@yPoint")
        self.point_series.setPointLabelsColor(text)
        bold = QFont(label_font)
        bold.setBold(True)
        self.point_series.setPointLabelsFont(bold)
        self.point_series.setPointLabelsClipping(False)
        for day, total in self.points:
            self.line_series.append(msecs(day), total)
            self.point_series.append(msecs(day), total)
        for series in (self.line_series, self.point_series):
            chart.addSeries(series)
            series.attachAxis(self.x_axis)
            series.attachAxis(self.y_axis)
        self.point_series.hovered.connect(self._hovered)
        for rings in (self.flag_series, self.acknowledged_series):
            rings.hovered.connect(self._hovered)
        self.setToolTip("")

    @staticmethod
    def _rings(name: str, title: str, colour: QColor) -> QScatterSeries:
        rings = QScatterSeries()
        rings.setObjectName(name)
        rings.setName(title)
        rings.setMarkerShape(QScatterSeries.MarkerShape.MarkerShapeCircle)
        rings.setMarkerSize(20)
        rings.setBrush(QBrush(Qt.BrushStyle.NoBrush))
        rings.setPen(QPen(colour, 2.4))
        return rings

    def _hovered(self, point: QPointF, state: bool) -> None:
        if not state:
            QToolTip.hideText()
            return
        day = QDateTime.fromMSecsSinceEpoch(int(point.x())).date().toPython()
        total = round(point.y())
        band = self.spec.band_for(total) if self.spec is not None else None
        when = show_date(day) if isinstance(day, dt.date) else ""
        text = f"{when}: {total}" + (f" · {band.label}" if band is not None else "")
        flags = [is_open for flag_day, _, is_open in self.flagged if flag_day == day]
        if flags:
            text += " · risk flag " + ("open" if any(flags) else "acknowledged")
        QToolTip.showText(self.cursor().pos(), text, self)
