"""Trends of instrument totals over a fictional client's course."""

from __future__ import annotations

import datetime

import pytest

from kapnotes.domain.instruments import InstrumentSpec, load_instrument_file
from kapnotes.domain.instruments.loader import bundled_instruments_dir
from kapnotes.domain.trends import compute_trend, is_response, percent_change, trend_for


def _spec(name: str) -> InstrumentSpec:
    return load_instrument_file(bundled_instruments_dir() / f"{name}.json")


PHQ9 = _spec("phq9")
GAD7 = _spec("gad7")
PCL5 = _spec("pcl5")
START = datetime.date(2031, 3, 3)


def _weekly(*totals: int) -> list[tuple[datetime.date, int]]:
    return [(START + datetime.timedelta(weeks=week), total) for week, total in enumerate(totals)]


def test_six_session_course_from_22_to_9() -> None:
    trend = trend_for(PHQ9, _weekly(22, 19, 16, 14, 11, 9))
    assert trend.baseline.total == 22
    assert trend.latest.total == 9
    assert trend.change_points == -13
    assert trend.change_percent == -59  # (9 - 22) / 22 = -59.09%
    assert trend.fall_percent == 59
    assert trend.response is True
    assert trend.remission is False  # 9 is not below 5
    assert trend.baseline.band == "Severe"
    assert trend.latest.band == "Mild"
    assert [point.markers for point in trend.points] == [
        ("baseline",),
        (),
        (),
        (),
        ("response",),  # 11 is exactly a 50% fall
        ("latest", "response"),
    ]
    assert [point.change_percent for point in trend.points] == [0, -14, -27, -36, -50, -59]


def test_remission_is_below_the_instrument_threshold() -> None:
    trend = trend_for(PHQ9, _weekly(18, 10, 5, 4))
    assert trend.remission is True
    assert trend.response is True
    assert [point.remission for point in trend.points] == [False, False, False, True]
    assert trend.latest.markers == ("latest", "response", "remission")


def test_gad7_remission_threshold_comes_from_its_file() -> None:
    assert trend_for(GAD7, _weekly(12, 5)).remission is False
    assert trend_for(GAD7, _weekly(12, 4)).remission is True


def test_instrument_without_remission_threshold_reports_none() -> None:
    trend = trend_for(PCL5, _weekly(50, 20))
    assert trend.remission is None
    assert trend.response is True
    assert trend.change_percent == -60


def test_just_under_half_is_no_response() -> None:
    trend = trend_for(PHQ9, _weekly(21, 11))  # a 47.6% fall
    assert trend.change_percent == -48
    assert trend.response is False


def test_points_are_sorted_by_date() -> None:
    series = _weekly(20, 15, 10)
    trend = compute_trend(reversed(series))
    assert [point.total for point in trend.points] == [20, 15, 10]
    assert trend.baseline.date == START


def test_single_point_is_both_baseline_and_latest() -> None:
    trend = trend_for(PHQ9, _weekly(12))
    assert trend.baseline is trend.latest
    assert trend.latest.markers == ("baseline", "latest")
    assert trend.change_points == 0
    assert trend.change_percent == 0
    assert trend.response is False


def test_zero_baseline_has_no_percent_and_no_response() -> None:
    trend = trend_for(PHQ9, _weekly(0, 3))
    assert trend.change_points == 3
    assert trend.change_percent is None
    assert trend.fall_percent is None
    assert trend.response is False


def test_rise_is_positive() -> None:
    trend = compute_trend(_weekly(8, 11))
    assert trend.change_points == 3
    assert trend.change_percent == 38  # 37.5 rounds half away from zero
    assert trend.response is False
    assert trend.remission is None


@pytest.mark.parametrize(
    ("baseline", "value", "expected"),
    [(22, 9, -59), (8, 5, -38), (8, 11, 38), (3, 2, -33), (10, 10, 0), (0, 4, None)],
)
def test_percent_change_rounding(baseline: int, value: int, expected: int | None) -> None:
    assert percent_change(baseline, value) == expected


def test_custom_response_threshold() -> None:
    assert is_response(20, 15, fall_percent=25)
    assert not is_response(20, 16, fall_percent=25)
    trend = compute_trend(_weekly(20, 15), response_fall_percent=25)
    assert trend.response is True


def test_bad_series_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one score"):
        compute_trend([])
    with pytest.raises(ValueError, match="PHQ-9 total 30 on 2031-03-10 is outside"):
        trend_for(PHQ9, _weekly(20, 30))
    with pytest.raises(ValueError, match="response_fall_percent"):
        compute_trend(_weekly(1), response_fall_percent=0)
