"""`VitalsChart`: blood pressure, heart rate and SpO2 against T+ minutes, in three panes.

Each measure has its own pane and its own y axis in its own unit, one above the
other on a shared time axis (QtCharts: one ``QChart`` per pane):

* **BP** (mmHg): systolic and diastolic, the hypertension thresholds labelled
  "SBP 180" and "DBP 110", and the pre-dose hold drawn over the minutes before
  the first dose, labelled "hold 140/90";
* **HR** (/min) with "HR 120";
* **SpO2** (%) with "SpO2 94".

Thresholds are the clinic's settings (a disabled rule draws no line). The x
axis is minutes from the first dose ("T-10", "T+0", "T+10"), so pre-dose
readings sit at negative T+; before any dose it is minutes from now ("-10 min")
and the last half hour shows.
Each pane's plot area is placed by hand (``QChart.setPlotArea``) with gutters
measured from its fonts, so the three plots line up and the y-axis labels are
never squeezed into "…"; the tick step grows when a pane is short.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis, QXYSeries
from PySide6.QtCore import QMargins, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen, QResizeEvent
from PySide6.QtWidgets import QFrame, QGraphicsTextItem, QGraphicsView, QVBoxLayout, QWidget

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


#: Every series: key (a ChartPoint field), name, colour token, pane.
SERIES: tuple[tuple[str, str, str, str], ...] = (
    ("systolic", "Systolic", "series_sys", "bp"),
    ("diastolic", "Diastolic", "series_dia", "bp"),
    ("heart_rate", "Heart rate", "series_hr", "hr"),
    ("spo2", "SpO2", "series_spo2", "spo2"),
)


@dataclass(frozen=True, slots=True)
class PaneSpec:
    """One pane: its y-axis title, the range always shown, and how a range is rounded."""

    key: str
    title: str
    floor: int  # the lowest value always shown
    ceiling: int  # the highest value always shown
    round_to: int
    steps: tuple[int, ...]  # tick steps the y axis may use, smallest first
    top: int | None = None  # a hard top (SpO2 cannot pass 100)
    stretch: int = 1


PANES: tuple[PaneSpec, ...] = (
    PaneSpec("bp", "BP mmHg", 60, 200, 20, (10, 20, 40, 50, 100), stretch=5),
    PaneSpec("hr", "HR /min", 50, 130, 10, (10, 20, 30, 40, 50, 100), stretch=4),
    PaneSpec("spo2", "SpO2 %", 88, 100, 2, (1, 2, 5, 10, 20), top=100, stretch=4),
)

#: Pixels a y-axis label needs beyond its font's line height (QtCharts pads each label
#: and shortens it to "…" when the axis length per label is less than that).
LABEL_MARGIN = 9
HOLD_KEYS = ("hold_systolic", "hold_diastolic")
#: Minutes between time-axis labels, smallest first.
TIME_STEPS = (5, 10, 15, 30, 60, 120, 240, 480, 1440)


def tick_step(low: float, high: float, pixels: float, pitch: float, steps: Sequence[int]) -> int:
    """The smallest of ``steps`` whose labels on ``low``…``high`` get ``pitch`` pixels each.

    ``pixels`` is the axis's length. QtCharts gives each label the axis's length
    divided by the number of labels, and shortens a label that does not fit to
    "…"; so the test is per label, not per gap. The largest step when none does.
    """
    room = max(pixels, 1.0)
    for step in steps:
        labels = math.floor(high / step) - math.ceil(low / step) + 1
        if labels * pitch <= room:
            return step
    return steps[-1]


class Pane(QChartView):
    """One pane: a chart with its own y axis; the time axis shows labels on the last pane."""

    def __init__(self, spec: PaneSpec, with_time_labels: bool, resized: Callable[[], None]) -> None:
        self.chart_ = QChart()
        super().__init__(self.chart_)
        self._resized = resized
        self.spec = spec
        self.setObjectName(f"chartPane_{spec.key}")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        # A threshold's label lies outside its (flat) line's bounds, so a partial repaint
        # leaves the old label behind when the ranges change: repaint the whole pane.
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.with_time_labels = with_time_labels
        self.chart_.setMargins(QMargins(0, 0, 0, 0))
        self.chart_.setBackgroundRoundness(0)
        self.chart_.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart_.legend().setVisible(False)
        layout = self.chart_.layout()
        if layout is not None:
            layout.setContentsMargins(0, 0, 0, 0)
        self.axis_x = QValueAxis()
        self.axis_x.setLabelFormat("%d")
        self.axis_x.setMinorTickCount(0)
        self.axis_x.setLabelsVisible(with_time_labels)
        if with_time_labels:
            self.axis_x.setLabelFormat("T%+d")
        self.axis_y = QValueAxis()
        self.axis_y.setLabelFormat("%d")
        self.axis_y.setMinorTickCount(0)
        self.axis_y.setTitleText(spec.title)
        self.axis_y.setTickType(QValueAxis.TickType.TicksDynamic)
        self.chart_.addAxis(self.axis_x, Qt.AlignmentFlag.AlignBottom)
        self.chart_.addAxis(self.axis_y, Qt.AlignmentFlag.AlignLeft)
        self.label_font = QFont(self.font())
        self.label_font.setPointSizeF(9)
        self.title_font = QFont(self.label_font)
        self.title_font.setPointSizeF(8.5)
        for axis in (self.axis_x, self.axis_y):
            axis.setLabelsFont(self.label_font)
            axis.setTitleFont(self.title_font)
        self.range = (float(spec.floor), float(spec.ceiling))
        self.setMinimumHeight(self.minimum_height())

    def add(self, series: QLineSeries) -> None:
        """Put a series in this pane, on its axes."""
        self.chart_.addSeries(series)
        series.attachAxis(self.axis_x)
        series.attachAxis(self.axis_y)

    def _line(self, font: QFont) -> int:
        return QFontMetrics(font).height()

    def gutters(self) -> QMargins:
        """Room around the plot: the y title and labels left, the time labels below."""
        label = QFontMetrics(self.label_font)
        left = self._line(self.title_font) + 6 + label.horizontalAdvance("888") + 10
        bottom = 6
        if self.with_time_labels:
            bottom = label.height() + 8
        return QMargins(left, 8, 22, bottom)

    def label_pitch(self) -> int:
        """The axis length each y-axis label needs to show whole."""
        return self._line(self.label_font) + LABEL_MARGIN

    def minimum_height(self) -> int:
        """Room for two whole y labels, plus the gutters."""
        gutters = self.gutters()
        return 2 * self.label_pitch() + gutters.top() + gutters.bottom()

    def plot_rect(self) -> QRectF:
        """Where the plot goes in the pane (chart coordinates)."""
        g = self.gutters()
        size = self.chart_.size()
        return QRectF(
            g.left(),
            g.top(),
            max(size.width() - g.left() - g.right(), 10.0),
            max(size.height() - g.top() - g.bottom(), 10.0),
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Place the plot and choose the y ticks for the new height."""
        super().resizeEvent(event)
        self.chart_.setPlotArea(self.plot_rect())
        self.set_y_range(*self.range)
        self._resized()

    def set_y_range(self, low: float, high: float) -> None:
        """Show ``low``…``high`` with as many ticks as the pane's height can label."""
        self.range = (low, high)
        pixels = self.plot_rect().height()
        step = tick_step(low, high, pixels, self.label_pitch(), self.spec.steps)
        self.axis_y.setRange(low, high)
        self.axis_y.setTickAnchor(math.ceil(low / step) * step)
        self.axis_y.setTickInterval(step)

    def axis_label_texts(self) -> list[str]:
        """The texts of the axis labels as drawn (tests and screenshots)."""
        return [
            item.toPlainText()
            for item in self.scene().items()
            if isinstance(item, QGraphicsTextItem) and item.isVisible() and item.toPlainText()
        ]


class VitalsChart(QFrame):
    """The live chart; :meth:`show_points` redraws it from the vitals log.

    ``series`` by key (``systolic``, ``diastolic``, ``heart_rate``, ``spo2``);
    ``thresholds`` by the same keys plus ``hold_systolic`` and ``hold_diastolic``
    (only the rules enabled in the clinic settings); ``panes`` by ``bp``, ``hr``, ``spo2``.
    """

    def __init__(self, settings: ClinicSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("vitalsChart")
        self.setProperty("role", "panel")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._settings = settings
        self._points: list[ChartPoint] = []
        self._now = 0.0
        self._dosed = False
        self._span = (-30.0, 10.0)
        self.series: dict[str, QLineSeries] = {}
        self.thresholds: dict[str, QLineSeries] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 4)
        lay.setSpacing(0)
        self.panes: dict[str, Pane] = {}
        for position, spec in enumerate(PANES):
            pane = Pane(spec, position == len(PANES) - 1, self._relayout)
            self.panes[spec.key] = pane
            lay.addWidget(pane, spec.stretch)
        self.setMinimumHeight(self.minimumSizeHint().height())
        for key, name, _token, pane_key in SERIES:
            series = QLineSeries()
            series.setName(name)
            series.setPointsVisible(True)
            self.panes[pane_key].add(series)
            self.series[key] = series
        panes_of = {key: pane_key for key, _n, _t, pane_key in SERIES}
        panes_of.update(dict.fromkeys(HOLD_KEYS, "bp"))
        for key, (_value, text) in self.threshold_lines().items():
            line = QLineSeries()
            line.setName(text or key)
            # Labels stay inside the plot (placed there with room to spare): one drawn
            # outside the series' own area is not repainted when it moves, and ghosts.
            line.setPointLabelsClipping(True)
            self.panes[panes_of[key]].add(line)
            self.thresholds[key] = line
        self.apply_colours(tokens(app_scheme()))
        self.show_points([], 0.0)

    # -- what is drawn -------------------------------------------------------------

    def threshold_values(self) -> dict[str, int]:
        """The alert thresholds drawn, by series (disabled rules are not drawn)."""
        return {key: value for key, (value, _text) in self.threshold_lines().items()}

    def threshold_lines(self) -> dict[str, tuple[int, str]]:
        """Each threshold line: its value and its label ("SBP 180", "pre-dose hold 140/90")."""
        rules = self._settings.alerts
        out: dict[str, tuple[int, str]] = {}
        if rules.hypertension.enabled:
            above = rules.hypertension.sustained_above
            out["systolic"] = (above.systolic, f"SBP {above.systolic}")
            out["diastolic"] = (above.diastolic, f"DBP {above.diastolic}")
        if rules.tachycardia.enabled:
            out["heart_rate"] = (rules.tachycardia.above_bpm, f"HR {rules.tachycardia.above_bpm}")
        if rules.desaturation.enabled:
            below = rules.desaturation.below_percent
            out["spo2"] = (below, f"SpO2 {below}")
        if rules.pre_dose_hold.enabled:
            hold = rules.pre_dose_hold.above
            out["hold_systolic"] = (hold.systolic, f"hold {hold}")
            out["hold_diastolic"] = (hold.diastolic, "")
        return out

    def threshold_label(self, key: str) -> str:
        """The label shown on a threshold line ("" when it shows none or is not drawn)."""
        line = self.thresholds.get(key)
        if line is None:
            return ""
        for index in range(line.count()):
            config = line.pointConfiguration(index)
            if config.get(QXYSeries.PointConfiguration.LabelVisibility):
                return str(config.get(QXYSeries.PointConfiguration.LabelFormat, ""))
        return ""

    def point_count(self, key: str) -> int:
        """How many points one series shows (tests and screenshots)."""
        return self.series[key].count()

    def span(self) -> tuple[float, float]:
        """The time axis's range in minutes."""
        return self._span

    def axis_label_texts(self) -> list[str]:
        """Every axis label drawn, pane by pane (tests: none reads "…")."""
        return [text for pane in self.panes.values() for text in pane.axis_label_texts()]

    # -- colours --------------------------------------------------------------------

    def apply_colours(self, colours: dict[str, str]) -> None:
        """Paint the chart in a scheme's tokens (``style.tokens``)."""
        muted = QColor(colours["muted"])
        grid = QColor(colours["grid"])
        panel = QColor(colours["panel"])
        for pane in self.panes.values():
            pane.chart_.setBackgroundBrush(QBrush(panel))
            pane.chart_.setBackgroundPen(QPen(Qt.PenStyle.NoPen))
            pane.setBackgroundBrush(QBrush(panel))
            for axis in (pane.axis_x, pane.axis_y):
                axis.setLabelsColor(muted)
                axis.setTitleBrush(QBrush(muted))
                axis.setGridLineColor(grid)
                axis.setLinePenColor(grid)
        label_font = self.threshold_font()
        for key, _name, token, _pane in SERIES:
            colour = QColor(colours[token])
            pen = QPen(colour)
            pen.setWidth(3)
            self.series[key].setPen(pen)
            self.series[key].setColor(colour)
            if key in self.thresholds:
                self._style_line(self.thresholds[key], colour, Qt.PenStyle.DashLine, label_font)
        for key in HOLD_KEYS:
            if key in self.thresholds:
                self._style_line(self.thresholds[key], muted, Qt.PenStyle.DotLine, label_font)

    def threshold_font(self) -> QFont:
        """The font of the threshold labels."""
        font = QFont(self.font())
        font.setPointSizeF(8.5)
        font.setBold(True)
        return font

    @staticmethod
    def _style_line(line: QLineSeries, colour: QColor, style: Qt.PenStyle, font: QFont) -> None:
        pen = QPen(colour)
        pen.setWidthF(1.5)
        pen.setStyle(style)
        line.setPen(pen)
        line.setPointLabelsColor(colour)
        line.setPointLabelsFont(font)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A new size may call for another time step and other ranges."""
        super().resizeEvent(event)
        self._relayout()

    def _relayout(self) -> None:
        self._lay_out_time()
        self._fit_y_ranges()

    # -- data -----------------------------------------------------------------------

    def show_points(
        self, points: Sequence[ChartPoint], now_minute: float, dosed: bool | None = None
    ) -> None:
        """Redraw from the readings; the x axis spans the session so far.

        ``points`` at their T+ minutes (negative before the first dose);
        ``now_minute`` where now lies on that axis (0 before any dose); ``dosed``
        whether a dose is logged (default: judged from the minutes, a reading or
        now after T0).
        """
        self._points = list(points)
        self._now = now_minute
        if dosed is None:
            dosed = now_minute > 0 or any(p.minute >= 0 for p in points)
        self._dosed = dosed
        for key, series in self.series.items():
            series.replace(
                [
                    QPointF(p.minute, float(value))
                    for p in points
                    if (value := getattr(p, key)) is not None
                ]
            )
        self._lay_out_time()
        self._fit_y_ranges()

    def _label_pixels(self, text: str) -> float:
        """Pixels a threshold label takes across, with a gap to the plot's edge."""
        return QFontMetrics(self.threshold_font()).horizontalAdvance(text) + 12.0

    def _hold_drawn(self) -> bool:
        """The hold lines show while no dose is logged, and over pre-dose readings after."""
        return any(k in self.thresholds for k in HOLD_KEYS) and (
            not self._dosed or any(p.minute < 0 for p in self._points)
        )

    def _lay_out_time(self) -> None:
        """The time axis: the readings, now, and empty room at each end for the labels.

        The alert thresholds are labelled at the right end, past the latest reading;
        the pre-dose hold at the left end, before the first one; so no label lies
        over a reading.
        """
        width = max(self.panes["bp"].plot_rect().width(), 200.0)
        lines = self.threshold_lines()
        right = max(
            [self._label_pixels(text) for key, (_v, text) in lines.items() if key not in HOLD_KEYS]
            or [0.0]
        )
        left = self._label_pixels(lines["hold_systolic"][1]) if self._hold_drawn() else 0.0
        minutes = [p.minute for p in self._points]
        first = min([self._now, *minutes])
        last = max(minutes, default=self._now)
        low = min(0.0, first) if self._dosed else min(first, -30.0)
        high = max(low + 40.0, self._now + 2.0, last + 5.0)
        step = 60
        for _ in range(8):  # the labels' room in minutes grows with the span it widens
            step = next((s for s in TIME_STEPS if (high - low) / s * 44 <= width), TIME_STEPS[-1])
            # however long the span, never more labels than the axis has room for
            while (high - low) / step * 44 > width:
                step *= 2
            low = math.floor(low / step) * step
            high = math.ceil(high / step) * step
            per_pixel = (high - low) / width
            need_low = first - left * per_pixel
            need_high = last + right * per_pixel
            if low <= need_low and high >= need_high:
                break
            low, high = min(low, need_low), max(high, need_high)
        self._span = (low, high)
        for pane in self.panes.values():
            pane.axis_x.setTickType(QValueAxis.TickType.TicksDynamic)
            pane.axis_x.setTickAnchor(0)
            pane.axis_x.setTickInterval(step)
            pane.axis_x.setRange(low, high)
            # T-10, T+0, T+10 from the first dose; before it, minutes from now.
            pane.axis_x.setLabelFormat("T%+d" if self._dosed else "%d min")
        self._draw_thresholds(low, high, (high - low) / width)

    def _draw_thresholds(self, low: float, high: float, per_pixel: float) -> None:
        """Each threshold line over its span, with its label at its point 1."""
        lines = self.threshold_lines()
        hold_end = (0.0 if self._dosed else high) if self._hold_drawn() else low
        for key, line in self.thresholds.items():
            value, text = lines[key]
            if key in HOLD_KEYS:
                end = hold_end
                label_x = low + self._label_pixels(text) / 2 * per_pixel
            else:
                end = high
                label_x = high - self._label_pixels(text) / 2 * per_pixel
            if end <= low:
                line.clear()
                continue
            xs = [low, min(max(label_x, low), end), end]
            line.replace([QPointF(x, float(value)) for x in xs])
            if text:
                line.setPointConfiguration(
                    1,
                    {
                        QXYSeries.PointConfiguration.LabelVisibility: True,
                        QXYSeries.PointConfiguration.LabelFormat: text,
                    },
                )

    def _fit_y_ranges(self) -> None:
        """Each pane's range: its usual span, widened to every reading and threshold, with
        room above each labelled threshold for its label."""
        lines = self.threshold_lines()
        label_pixels = QFontMetrics(self.threshold_font()).height() + 6
        for key, pane in self.panes.items():
            spec = pane.spec
            values = [
                float(v)
                for skey, _n, _t, pkey in SERIES
                if pkey == key
                for p in self._points
                if (v := getattr(p, skey)) is not None
            ]
            labelled = [
                float(v)
                for tkey, (v, text) in lines.items()
                if text
                and ((tkey in HOLD_KEYS and key == "bp") or (tkey, key) in _PANE_OF_THRESHOLD)
            ]
            values += [
                float(v)
                for tkey, (v, _text) in lines.items()
                if (tkey in HOLD_KEYS and key == "bp") or (tkey, key) in _PANE_OF_THRESHOLD
            ]
            pad = spec.round_to
            low = min([float(spec.floor), *(v - pad for v in values)])
            high = max([float(spec.ceiling), *(v + pad for v in values)])
            low = math.floor(low / spec.round_to) * spec.round_to
            high = math.ceil(high / spec.round_to) * spec.round_to
            pixels = max(pane.plot_rect().height(), 1.0)
            top = float(spec.top) if spec.top is not None else math.inf
            for _ in range(20):  # widen until each label fits above its line
                per_pixel = (high - low) / pixels
                if high >= top or all(v + label_pixels * per_pixel <= high for v in labelled):
                    break
                high += spec.round_to
            pane.set_y_range(low, min(high, top))


_PANE_OF_THRESHOLD = {(key, pane) for key, _n, _t, pane in SERIES}
