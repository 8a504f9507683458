"""Measures UI: the instrument form, administering, the risk-flag banner and the trend panel."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCharts import QDateTimeAxis, QLineSeries
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import QApplication, QDialog, QLabel
from pytestqt.qtbot import QtBot

from kapnotes.domain.clients import ClientInput, CourseInput, CourseStatus, Product
from kapnotes.domain.instruments import (
    InstrumentSpec,
    LoadedInstruments,
    load_instruments,
    parse_instrument,
)
from kapnotes.domain.templates import InstrumentField
from kapnotes.store.clients import ClientStore
from kapnotes.store.measures import MeasureStore
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import OpenVault
from kapnotes.ui import theme
from kapnotes.ui.editor.instrument import InstrumentWidget
from kapnotes.ui.measures import (
    AdministerDialog,
    AdministrationsModel,
    InstrumentForm,
    MeasuresPanel,
    RiskFlagBanner,
)
from kapnotes.ui.measures.administer import instrument_list
from kapnotes.ui.measures.chart import msecs
from kapnotes.ui.measures.form import number_ranges

PHQ9_18 = [3, 3, 2, 2, 2, 2, 2, 1, 1]  # sums to 18, item 9 = 1
COURSE = [22, 19, 16, 13, 11, 9]


@pytest.fixture(scope="module")
def instruments() -> LoadedInstruments:
    return load_instruments()


@pytest.fixture
def phq9(instruments: LoadedInstruments) -> InstrumentSpec:
    spec = instruments.get("phq9")
    assert spec is not None
    return spec


@pytest.fixture
def client_id(open_vault: OpenVault) -> str:
    return ClientStore(open_vault).create(ClientInput(name="Wren Fabricated"))


@pytest.fixture
def store(open_vault: OpenVault) -> MeasureStore:
    return MeasureStore(open_vault)


def phq9_answers(values: list[int]) -> dict[str, int | None]:
    return {f"phq9_{i}": v for i, v in enumerate(values, start=1)}


def click_option(qtbot: QtBot, form: InstrumentForm, item_id: str, value: int) -> None:
    button = form.rows[item_id].buttons[value]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


# -- InstrumentForm ----------------------------------------------------------------


def test_clicking_18_with_item_9_shows_moderately_severe_and_the_risk_banner(
    qtbot: QtBot, phq9: InstrumentSpec
) -> None:
    form = InstrumentForm(phq9)
    qtbot.addWidget(form)
    form.show()
    assert form.score_text.startswith("Not scored")
    assert form.flag_texts == []
    for number, value in enumerate(PHQ9_18, start=1):
        with qtbot.waitSignal(form.answersChanged) as blocker:
            click_option(qtbot, form, f"phq9_{number}", value)
        assert blocker.args[0][f"phq9_{number}"] == value
    assert form.answers() == phq9_answers(PHQ9_18)
    assert form.score_text == "Score 18 · Moderately severe"
    assert form.flag_texts == [
        "Suicide-risk flag: item 9 answered above 0 — review safety",
    ]
    (banner,) = form.flag_banners
    assert banner.isVisible()

    click_option(qtbot, form, "phq9_9", 0)
    assert form.flag_texts == []
    assert form.score_text == "Score 17 · Moderately severe"


def test_unanswered_items_are_named_and_the_form_is_not_scored(
    qtbot: QtBot, phq9: InstrumentSpec
) -> None:
    form = InstrumentForm(phq9)
    qtbot.addWidget(form)
    form.show()
    for number, value in enumerate(PHQ9_18, start=1):
        if number not in (4, 7):
            click_option(qtbot, form, f"phq9_{number}", value)
    assert form.score_text == "Not scored — items 4, 7 unanswered"
    assert not form.result().complete
    assert form.answers()["phq9_4"] is None
    # a flag is raised even on an unfinished form
    assert len(form.flag_texts) == 1


def test_a_digit_on_the_focused_item_picks_that_option(qtbot: QtBot, phq9: InstrumentSpec) -> None:
    form = InstrumentForm(phq9)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    row = form.rows["phq9_3"]
    row.setFocus()
    qtbot.waitUntil(row.hasFocus)
    with qtbot.waitSignal(form.answersChanged):
        qtbot.keyClick(row, Qt.Key.Key_2)
    assert form.answers()["phq9_3"] == 2
    assert row.buttons[2].isChecked()
    # the digit also moved on to the next item: one key per answer
    qtbot.waitUntil(form.rows["phq9_4"].hasFocus)
    qtbot.keyClick(form.rows["phq9_4"], Qt.Key.Key_1)
    assert form.answers()["phq9_4"] == 1
    qtbot.waitUntil(form.rows["phq9_5"].hasFocus)
    form.rows["phq9_4"].setFocus()
    qtbot.waitUntil(form.rows["phq9_4"].hasFocus)
    # a digit no option has is ignored; Delete clears
    qtbot.keyClick(form.rows["phq9_4"], Qt.Key.Key_7)
    assert form.answers()["phq9_4"] == 1
    qtbot.keyClick(form.rows["phq9_4"], Qt.Key.Key_Delete)
    assert form.answers()["phq9_4"] is None


def test_set_answers_and_read_only(qtbot: QtBot, phq9: InstrumentSpec) -> None:
    form = InstrumentForm(phq9)
    qtbot.addWidget(form)
    with qtbot.assertNotEmitted(form.answersChanged):
        form.set_answers(phq9_answers([1] * 9))
    assert form.score_text == "Score 9 · Mild"
    form.set_read_only(True)
    form.rows["phq9_1"].setFocus()
    qtbot.keyClick(form.rows["phq9_1"], Qt.Key.Key_3)
    assert form.answers()["phq9_1"] == 1
    assert not form.rows["phq9_1"].buttons[3].isEnabled()


def test_number_ranges() -> None:
    assert number_ranges([4, 7]) == "4, 7"
    assert number_ranges([1, 2, 3, 5, 7, 8]) == "1–3, 5, 7, 8"


# -- AdministerDialog --------------------------------------------------------------


def test_administer_dialog_saves_a_scored_record(
    qtbot: QtBot, store: MeasureStore, client_id: str, instruments: LoadedInstruments
) -> None:
    dialog = AdministerDialog(store, instruments, client_id, instrument_id="phq9")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.save_button.isEnabled()  # nothing answered yet
    dialog.set_date(date(2026, 9, 12))
    form = dialog.form
    assert form is not None and form.spec.id == "phq9"
    for number, value in enumerate(PHQ9_18, start=1):
        click_option(qtbot, form, f"phq9_{number}", value)
    assert dialog.hint_label.isHidden()
    with qtbot.waitSignal(dialog.saved) as blocker:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    record = blocker.args[0]
    assert record.total == 18
    (stored,) = store.for_client(client_id)
    assert stored.total == 18 and stored.band == "Moderately severe"
    assert stored.administered_at.date() == date(2026, 9, 12)
    assert [f["id"] for f in stored.open_flags] == ["suicide_risk"]


def test_administer_dialog_stores_an_incomplete_form_unscored(
    qtbot: QtBot, store: MeasureStore, client_id: str, instruments: LoadedInstruments
) -> None:
    dialog = AdministerDialog(store, instruments, client_id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.set_instrument("gad7")
    form = dialog.form
    assert form is not None
    click_option(qtbot, form, "gad7_1", 2)
    click_option(qtbot, form, "gad7_2", 1)
    assert dialog.hint_label.isVisible()
    assert "items 3–7 unanswered" in dialog.hint_label.text()
    assert "without a score" in dialog.hint_label.text()
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    (stored,) = store.for_client(client_id, "gad7")
    assert stored.total is None and stored.band is None
    assert stored.answers == {"gad7_1": 2, "gad7_2": 1}


def test_cancel_saves_nothing(
    qtbot: QtBot, store: MeasureStore, client_id: str, instruments: LoadedInstruments
) -> None:
    dialog = AdministerDialog(store, instruments, client_id, instrument_id="phq9")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.form is not None
    click_option(qtbot, dialog.form, "phq9_1", 1)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert store.for_client(client_id) == []


# -- RiskFlagBanner ----------------------------------------------------------------


def test_risk_banner_shows_an_open_flag_until_acknowledged_with_a_note(
    qtbot: QtBot, store: MeasureStore, client_id: str, phq9: InstrumentSpec
) -> None:
    saved = store.save(
        client_id,
        phq9,
        phq9_answers(PHQ9_18),
        administered_at=datetime(2026, 9, 12, 10, tzinfo=UTC),
    )
    banner = RiskFlagBanner(lambda: store)
    qtbot.addWidget(banner)
    banner.show_client(client_id)
    banner.show()
    assert banner.isVisible()
    assert banner.flag_texts == [
        "PHQ-9 · 12 Sep 2026 · Suicide-risk flag: item 9 answered above 0",
    ]
    (row,) = banner.rows
    qtbot.mouseClick(row.ack_button, Qt.MouseButton.LeftButton)
    assert row.note_edit.isVisible()

    # an empty note is refused with a message, and nothing is stored
    qtbot.keyClicks(row.note_edit, "   ")
    qtbot.mouseClick(row.confirm_button, Qt.MouseButton.LeftButton)
    assert row.error_label.isVisible()
    assert "Say what was done" in row.error_label.text()
    assert [m.id for m in store.open_risk_flags(client_id)] == [saved.id]

    row.note_edit.clear()
    qtbot.keyClicks(row.note_edit, "Safety plan reviewed; no intent or plan.")
    with qtbot.waitSignal(banner.acknowledged) as blocker:
        qtbot.mouseClick(row.confirm_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [saved.id]
    assert banner.isHidden()
    assert banner.rows == []
    assert store.open_risk_flags(client_id) == []
    (record,) = store.for_client(client_id)
    assert record.acknowledgement == "Safety plan reviewed; no intent or plan."


def test_risk_banner_hides_without_flags_and_when_cleared(
    qtbot: QtBot, store: MeasureStore, client_id: str, phq9: InstrumentSpec
) -> None:
    banner = RiskFlagBanner(store)
    qtbot.addWidget(banner)
    banner.show()
    banner.show_client(client_id)
    assert banner.isHidden()
    store.save(client_id, phq9, phq9_answers(PHQ9_18))
    banner.refresh()
    assert banner.isVisible()
    banner.clear()
    assert banner.isHidden() and banner.client_id is None
    locked = RiskFlagBanner(lambda: None)
    qtbot.addWidget(locked)
    locked.show_client(client_id)
    assert locked.isHidden()


# -- MeasuresPanel -----------------------------------------------------------------


def six_session_course(
    open_vault: OpenVault, store: MeasureStore, client_id: str, phq9: InstrumentSpec
) -> list[date]:
    """PHQ-9 22 -> 9 weekly from 12 Sep 2026, a dosing session three days after each."""
    course = ClientStore(open_vault).add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 9, 1),
            indication="Depression",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    notes = NoteStore(open_vault)
    dosing = [date(2026, 9, 15) + timedelta(weeks=week) for week in range(6)]
    for day in dosing:
        notes.create(course, "dosing", {"id": "dosing", "version": 1}, day)
    for week, total in enumerate(COURSE):
        values = [min(3, max(0, total - 3 * i)) for i in range(8)] + [0]
        when = datetime(2026, 9, 12, 10, tzinfo=UTC) + timedelta(weeks=week)
        store.save(client_id, phq9, phq9_answers(values), administered_at=when)
    return dosing


def test_panel_shows_the_course_summary_chart_points_and_dosing_marks(
    qtbot: QtBot,
    open_vault: OpenVault,
    store: MeasureStore,
    client_id: str,
    phq9: InstrumentSpec,
    instruments: LoadedInstruments,
) -> None:
    dosing = six_session_course(open_vault, store, client_id, phq9)
    panel = MeasuresPanel()
    qtbot.addWidget(panel)
    panel.show_client(store, instruments, client_id)
    panel.show()
    card = panel.card("phq9")
    summary = card.summary_label.text()
    assert "Baseline 22 (12 Sep) → latest 9 (17 Oct)" in summary
    assert "−13 points" in summary
    assert "−59%" in summary
    assert "Response" in summary
    assert "Remission" not in summary

    chart = card.chart
    assert chart is not None
    points = chart.line_series.points()
    assert [round(p.y()) for p in points] == COURSE
    assert chart.point_series.count() == len(COURSE)
    first = datetime(2026, 9, 12, 10, tzinfo=UTC).date()
    assert points[0].x() == msecs(first)

    # the dosing sessions are vertical lines at their dates, inside the date axis
    assert [line.points()[0].x() for line in chart.dosing_series] == [msecs(d) for d in dosing]
    for line in chart.dosing_series:
        start, end = line.points()
        assert start.x() == end.x()
        assert (start.y(), end.y()) == (0, 27)
    (x_axis,) = chart.chart().axes(Qt.Orientation.Horizontal)
    assert isinstance(x_axis, QDateTimeAxis)
    lowest = x_axis.min().toMSecsSinceEpoch()
    highest = x_axis.max().toMSecsSinceEpoch()
    assert all(lowest < msecs(d) < highest for d in dosing)
    assert QDateTime.fromMSecsSinceEpoch(int(points[-1].x())).date().toPython() == date(
        2026, 10, 17
    )
    assert chart.y_axis.min() == 0 and chart.y_axis.max() == 27
    assert chart.y_axis.titleText() and x_axis.titleText()
    assert not chart.chart().legend().isVisible()
    assert len(chart.band_series) == len(phq9.bands)
    assert chart.band_axis is not None
    assert chart.band_axis.categoriesLabels() == [band.label for band in phq9.bands]
    assert all(isinstance(s, QLineSeries) for s in chart.dosing_series)

    # the table lists every administration, newest first
    model = card.model
    assert model.rowCount() == len(COURSE)
    assert model.index(0, 1).data() == "9"
    assert model.index(len(COURSE) - 1, 1).data() == "22"
    assert model.index(len(COURSE) - 1, 2).data() == "Severe"


def test_administer_from_the_panel_reloads_and_signals(
    qtbot: QtBot,
    store: MeasureStore,
    client_id: str,
    instruments: LoadedInstruments,
) -> None:
    panel = MeasuresPanel()
    qtbot.addWidget(panel)
    assert not panel.administer_button.isEnabled()
    panel.show_client(store, instruments, client_id)
    panel.show()
    assert panel.empty_label.isVisible()
    assert panel.cards == []
    qtbot.mouseClick(panel.administer_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.set_instrument("phq9")
    assert dialog.form is not None
    for number, value in enumerate([1] * 9, start=1):
        click_option(qtbot, dialog.form, f"phq9_{number}", value)
    with qtbot.waitSignal(panel.measuresChanged) as blocker:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [client_id]
    assert [card.instrument_id for card in panel.cards] == ["phq9"]
    assert panel.empty_label.isHidden()
    assert "one scored administration" in panel.card("phq9").summary_label.text()

    panel.clear()
    assert panel.cards == [] and panel.client_id is None
    assert not panel.administer_button.isEnabled()


def test_incomplete_administrations_are_listed_unscored(
    qtbot: QtBot,
    store: MeasureStore,
    client_id: str,
    phq9: InstrumentSpec,
    instruments: LoadedInstruments,
) -> None:
    answers = phq9_answers([1] * 9)
    answers["phq9_4"] = None
    answers["phq9_7"] = None
    store.save(client_id, phq9, answers)
    panel = MeasuresPanel()
    qtbot.addWidget(panel)
    panel.show_client(store, instruments, client_id)
    card = panel.card("phq9")
    assert card.chart is None
    assert card.summary_label.text().startswith("No scored administration yet")
    assert card.model.index(0, 1).data() == "—"
    assert card.model.index(0, 2).data() == "Not scored — items 4, 7 unanswered"


def test_administrations_model_passes_the_model_tester(
    qtmodeltester: object,
    store: MeasureStore,
    client_id: str,
    phq9: InstrumentSpec,
) -> None:
    store.save(client_id, phq9, phq9_answers(PHQ9_18))
    store.save(client_id, phq9, phq9_answers([0] * 9))
    partial = phq9_answers([1] * 9)
    partial["phq9_2"] = None
    store.save(client_id, phq9, partial)
    model = AdministrationsModel(store.for_client(client_id), phq9)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert model.rowCount() == 3
    flags = [model.index(row, 3).data() for row in range(3)]
    assert any(text and text.endswith("— open") for text in flags)


def test_a_clinic_instrument_without_bands_charts_without_band_areas(
    qtbot: QtBot, store: MeasureStore, client_id: str
) -> None:
    spec = parse_instrument(
        {
            "id": "clinic_mood",
            "version": 1,
            "title": "Clinic mood check (fictional)",
            "short_name": "Mood",
            "licence": "Fictional, for tests",
            "instructions": "Rate each.",
            "options": [{"value": v, "label": f"level {v}"} for v in range(5)],
            "items": [{"id": f"m{i}", "text": f"Question {i}"} for i in range(1, 4)],
        }
    )
    store.save(client_id, spec, {"m1": 4, "m2": 3, "m3": 2})
    panel = MeasuresPanel()
    qtbot.addWidget(panel)
    panel.show_client(store, [spec], client_id)
    chart = panel.card("clinic_mood").chart
    assert chart is not None
    assert chart.band_series == [] and chart.band_axis is None
    assert chart.y_axis.max() == 12
    assert chart.dosing_series == []


def test_the_panel_follows_a_dark_palette(
    qtbot: QtBot,
    store: MeasureStore,
    client_id: str,
    phq9: InstrumentSpec,
    instruments: LoadedInstruments,
) -> None:
    store.save(client_id, phq9, phq9_answers([1] * 9))
    panel = MeasuresPanel()
    qtbot.addWidget(panel)
    panel.show_client(store, instruments, client_id)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = app.palette()
    try:
        app.setPalette(theme.qpalette("dark"))
        dark_card = theme.palettes()["dark"]["card"]

        def rebuilt_dark() -> bool:
            chart = panel.card("phq9").chart
            return chart is not None and chart.chart().backgroundBrush().color().name() == dark_card

        qtbot.waitUntil(rebuilt_dark)
    finally:
        app.setPalette(original)


def test_instruments_are_offered_phq9_gad7_pcl5_then_clinic_ones() -> None:
    assert [s.id for s in instrument_list(load_instruments())][:3] == ["phq9", "gad7", "pcl5"]


# -- courses, flagged administrations, the administer dialog naming the client ----------


def _course_with_dosing(
    open_vault: OpenVault, client_id: str, start: date, dosing: list[date], status: str
) -> str:
    course = ClientStore(open_vault).add_course(
        client_id,
        CourseInput(
            start_date=start,
            indication="Depression",
            planned_product=Product.KETAMINE_IM,
            status=CourseStatus(status),
        ),
    )
    for day in dosing:
        NoteStore(open_vault).create(course, "dosing", {"id": "dosing", "version": 1}, day)
    return course


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def test_each_course_has_its_own_trend_over_its_own_days(
    qtbot: QtBot,
    open_vault: OpenVault,
    store: MeasureStore,
    client_id: str,
    phq9: InstrumentSpec,
    instruments: LoadedInstruments,
) -> None:
    first = _course_with_dosing(
        open_vault, client_id, date(2026, 1, 5), [date(2026, 1, 12), date(2026, 2, 9)], "completed"
    )
    second = _course_with_dosing(
        open_vault, client_id, date(2026, 6, 1), [date(2026, 6, 8)], "active"
    )
    for day, total in [(date(2026, 1, 6), 20), (date(2026, 2, 9), 12), (date(2026, 6, 2), 15)]:
        values = [min(3, max(0, total - 3 * i)) for i in range(8)] + [0]
        store.save(client_id, phq9, phq9_answers(values), administered_at=_noon(day))
    panel = MeasuresPanel()
    qtbot.addWidget(panel)
    panel.show_client(store, instruments, client_id, "Wren Fabricated")
    titles = [s.title_label.text() for s in panel.sections]
    assert titles == [
        "Racemic ketamine IM · 1 Jun 2026 – ongoing",
        "Racemic ketamine IM · 5 Jan 2026 – 9 Feb 2026",
    ]
    assert all(s.title_label.isVisibleTo(panel) for s in panel.sections)

    old = panel.card("phq9", first)
    assert "Baseline 20 (6 Jan) → latest 12 (9 Feb)" in old.summary_label.text()
    assert old.chart is not None
    (x_axis,) = old.chart.chart().axes(Qt.Orientation.Horizontal)
    assert isinstance(x_axis, QDateTimeAxis)
    lowest = x_axis.min().date().toPython()
    highest = x_axis.max().date().toPython()
    assert date(2026, 1, 1) <= lowest <= date(2026, 1, 5)  # the course's start, padded
    assert date(2026, 2, 9) < highest <= date(2026, 2, 16)  # not the later course
    assert [line.points()[0].x() for line in old.chart.dosing_series] == [
        msecs(date(2026, 1, 12)),
        msecs(date(2026, 2, 9)),
    ]
    new = panel.card("phq9", second)
    assert new.chart is not None
    assert [line.points()[0].x() for line in new.chart.dosing_series] == [msecs(date(2026, 6, 8))]
    assert "one scored administration" in new.summary_label.text()


def test_flagged_administrations_are_marked_on_the_chart_and_in_the_table(
    qtbot: QtBot,
    store: MeasureStore,
    client_id: str,
    phq9: InstrumentSpec,
    instruments: LoadedInstruments,
) -> None:
    flagged = store.save(
        client_id, phq9, phq9_answers(PHQ9_18), administered_at=_noon(date(2026, 9, 1))
    )
    calm = [1] * 8 + [0]
    store.save(client_id, phq9, phq9_answers(calm), administered_at=_noon(date(2026, 9, 8)))
    panel = MeasuresPanel()
    qtbot.addWidget(panel)
    panel.show_client(store, instruments, client_id)
    card = panel.card("phq9")
    assert card.chart is not None
    assert [(p.x(), p.y()) for p in card.chart.flag_series.points()] == [
        (msecs(date(2026, 9, 1)), 18)
    ]
    assert card.chart.acknowledged_series.count() == 0
    assert "red an open risk flag" in card.legend_label.text()
    model = card.model
    flagged_row, calm_row = model.index(1, 0), model.index(0, 0)  # newest first
    assert model.data(flagged_row, Qt.ItemDataRole.DecorationRole) is not None
    assert model.data(calm_row, Qt.ItemDataRole.DecorationRole) is None
    assert model.data(flagged_row, Qt.ItemDataRole.AccessibleTextRole) == (
        "1 Sep 2026, risk flag open"
    )
    assert model.index(1, 3).data().endswith("— open")

    store.acknowledge(flagged.id, "Safety plan reviewed")
    panel.reload()
    card = panel.card("phq9")
    assert card.chart is not None
    assert card.chart.flag_series.count() == 0
    assert card.chart.acknowledged_series.count() == 1
    assert card.model.index(1, 3).data().endswith("— acknowledged by Dr Ada Quill, PsyD")
    assert card.model.data(card.model.index(1, 0), Qt.ItemDataRole.AccessibleTextRole) == (
        "1 Sep 2026, risk flag acknowledged"
    )
    (line,) = card.acknowledgement_texts
    assert line.startswith("1 Sep 2026 · Suicide-risk flag: item 9 answered above 0 — ")
    assert "Acknowledged by Dr Ada Quill, PsyD on " in line
    assert line.endswith(": Safety plan reviewed")


def test_the_administer_dialog_names_the_client_and_the_course(
    qtbot: QtBot,
    open_vault: OpenVault,
    store: MeasureStore,
    client_id: str,
    instruments: LoadedInstruments,
) -> None:
    first = _course_with_dosing(
        open_vault, client_id, date(2026, 1, 5), [date(2026, 2, 9)], "completed"
    )
    second = _course_with_dosing(open_vault, client_id, date(2026, 6, 1), [], "active")
    panel = MeasuresPanel()
    qtbot.addWidget(panel)
    panel.show_client(store, instruments, client_id, "Wren Fabricated")
    dialog = panel.administer("phq9")
    assert dialog is not None
    assert dialog.client_label.text() == "for Wren Fabricated"
    assert "Wren Fabricated" in dialog.windowTitle()
    assert dialog.course_combo.count() == 2
    dialog.set_date(date(2026, 1, 20))
    assert dialog.course_id == first  # the course whose days hold the date
    dialog.set_date(date(2026, 7, 1))
    assert dialog.course_id == second
    dialog.set_course(first)  # a course chosen by hand stays
    dialog.set_date(date(2026, 7, 2))
    assert dialog.course_id == first
    assert dialog.form is not None
    for number in range(1, 10):
        click_option(qtbot, dialog.form, f"phq9_{number}", 0)
    with qtbot.waitSignal(dialog.saved) as blocker:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].course_id == first
    assert [c.instrument_id for c in panel.cards] == ["phq9"]
    assert panel.sections[0].course is not None and panel.sections[0].course.id == first


def test_a_note_names_its_measure_once_and_a_missing_one_in_plain_words(
    qtbot: QtBot, phq9: InstrumentSpec
) -> None:
    field = InstrumentField(
        type="instrument", id="phq9", label="PHQ-9", required_to_sign=True, instrument_id="phq9"
    )
    widget = InstrumentWidget(field, phq9)
    qtbot.addWidget(widget)
    widget.show()
    shown = [lbl.text() for lbl in widget.findChildren(QLabel) if lbl.isVisible()]
    assert sum("PHQ-9" in text for text in shown) == 1
    assert widget.title.text().startswith("PHQ-9 · Patient Health Questionnaire-9")

    ebi = InstrumentField(type="instrument", id="ebi", label="EBI", instrument_id="ebi")
    missing = InstrumentWidget(ebi, None)
    qtbot.addWidget(missing)
    (text,) = [lbl.text() for lbl in missing.findChildren(QLabel, "instrumentMissing")]
    assert text.startswith("The EBI form is not set up on this computer")
    assert "'ebi'" not in text and "installed" not in text
