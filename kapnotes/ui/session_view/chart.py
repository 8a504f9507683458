"""`VitalsChart`: systolic, diastolic, heart rate and SpO2 against T+minutes (QtCharts).

The clinic's alert thresholds are drawn as dashed lines in the colour of the
series they watch (systolic 180, diastolic 110, heart rate 120, SpO2 94 by
default). Before the first dose the x axis counts minutes relative to now.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

from kapnotes.domain.session import ClinicSettings
from kapnotes.ui.session_view.style import app_scheme, tokens


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One reading placed on the chart (x in minutes)."""

    minute: float
    systolic: int | None = None
    diastolic: int | None = None
    heart_rate: int | None = None
    spo2: int | None = None


SERIES: tuple[tuple[str, str, str], ...] = (
    ("systolic", "Systolic", "series_sys"),
    ("diastolic", "Diastolic", "series_dia"),
    ("heart_rate", "Heart rate", "series_hr"),
    ("spo2", "SpO2", "series_spo2"),
)


class VitalsChart(QChartView):
    """The live chart; :meth:`show_points` redraws it from the vitals log."""

    def __init__(self, settings: ClinicSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("vitalsChart")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(220)
        self._settings = settings
        self.chart_ = QChart()
        self.chart_.setMargins(QMargins(4, 4, 4, 4))
        self.chart_.setBackgroundRoundness(8)
        self.chart_.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.setChart(self.chart_)
        self.series: dict[str, QLineSeries] = {}
        self.thresholds: dict[str, QLineSeries] = {}
        self.axis_x = QValueAxis()
        self.axis_x.setTitleText("T+ minutes")
        self.axis_x.setLabelFormat("%d")
        self.axis_y = QValueAxis()
        self.axis_y.setRange(40, 220)
        self.axis_y.setTickType(QValueAxis.TickType.TicksDynamic)
        self.axis_y.setTickAnchor(40)
        self.axis_y.setTickInterval(20)
        self.axis_y.setLabelFormat("%d")
        self.chart_.addAxis(self.axis_x, Qt.AlignmentFlag.AlignBottom)
        self.chart_.addAxis(self.axis_y, Qt.AlignmentFlag.AlignLeft)
        for key, name, _token in SERIES:
            series = QLineSeries()
            series.setName(name)
            series.setPointsVisible(True)
            self.chart_.addSeries(series)
            series.attachAxis(self.axis_x)
            series.attachAxis(self.axis_y)
            self.series[key] = series
        for key, value in self.threshold_values().items():
            line = QLineSeries()
            line.setName(f"alert {value}")
            self.chart_.addSeries(line)
            line.attachAxis(self.axis_x)
            line.attachAxis(self.axis_y)
            self.thresholds[key] = line
        for line in self.thresholds.values():
            for marker in self.chart_.legend().markers(line):
                marker.setVisible(False)
        self._points: list[ChartPoint] = []
        self._span = (0.0, 60.0)
        self.apply_colours(tokens(app_scheme()))

    def threshold_values(self) -> dict[str, int]:
        """The alert thresholds drawn, by series (disabled rules are not drawn)."""
        rules = self._settings.alerts
        out: dict[str, int] = {}
        if rules.hypertension.enabled:
            out["systolic"] = rules.hypertension.sustained_above.systolic
            out["diastolic"] = rules.hypertension.sustained_above.diastolic
        if rules.tachycardia.enabled:
            out["heart_rate"] = rules.tachycardia.above_bpm
        if rules.desaturation.enabled:
            out["spo2"] = rules.desaturation.below_percent
        return out

    def apply_colours(self, colours: dict[str, str]) -> None:
        """Paint the chart in a scheme's tokens (``style.tokens``)."""
        text = QColor(colours["text"])
        muted = QColor(colours["muted"])
        grid = QColor(colours["grid"])
        self.chart_.setBackgroundBrush(QBrush(QColor(colours["panel"])))
        self.chart_.setBackgroundPen(QPen(QColor(colours["border"])))
        self.setBackgroundBrush(QBrush(QColor(colours["window"])))
        self.chart_.legend().setLabelColor(text)
        for axis in (self.axis_x, self.axis_y):
            axis.setLabelsColor(muted)
            axis.setTitleBrush(QBrush(muted))
            axis.setGridLineColor(grid)
            axis.setLinePenColor(grid)
        font = QFont(self.font())
        font.setPointSize(10)
        self.chart_.legend().setFont(font)
        for key, _name, token in SERIES:
            colour = QColor(colours[token])
            pen = QPen(colour)
            pen.setWidth(3)
            self.series[key].setPen(pen)
            self.series[key].setColor(colour)
            if key in self.thresholds:
                dashed = QPen(colour)
                dashed.setWidth(1)
                dashed.setStyle(Qt.PenStyle.DashLine)
                self.thresholds[key].setPen(dashed)

    def show_points(self, points: Sequence[ChartPoint], now_minute: float) -> None:
        """Redraw from the readings; the x axis spans the session so far."""
        self._points = list(points)
        for key, series in self.series.items():
            series.replace(
                [
                    QPointF(p.minute, float(value))
                    for p in points
                    if (value := getattr(p, key)) is not None
                ]
            )
        low = min([0.0, *(p.minute for p in points)])
        low = math.floor(low / 10) * 10
        high = max([low + 30.0, now_minute + 5.0, *(p.minute + 5.0 for p in points)])
        step = 10 if high - low <= 90 else 15 if high - low <= 150 else 30
        high = math.ceil(high / step) * step
        self.axis_x.setTickType(QValueAxis.TickType.TicksDynamic)
        self.axis_x.setTickAnchor(0)
        self.axis_x.setTickInterval(step)
        self._span = (low, high)
        self.axis_x.setRange(low, high)
        for key, line in self.thresholds.items():
            value = float(self.threshold_values()[key])
            line.replace([QPointF(low, value), QPointF(high, value)])

    def point_count(self, key: str) -> int:
        """How many points one series shows (tests and screenshots)."""
        return self.series[key].count()
