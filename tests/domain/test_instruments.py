"""Scoring of the shipped instruments (PHQ-9, GAD-7, PCL-5) with fictional answers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kapnotes.domain.instruments import (
    AnswerError,
    InstrumentSpec,
    ScoreResult,
    load_instrument_file,
    parse_instrument,
    score,
)
from kapnotes.domain.instruments.loader import bundled_instruments_dir


def _spec(name: str) -> InstrumentSpec:
    return load_instrument_file(bundled_instruments_dir() / f"{name}.json")


PHQ9 = _spec("phq9")
GAD7 = _spec("gad7")
PCL5 = _spec("pcl5")
SPECS = {"phq9": PHQ9, "gad7": GAD7, "pcl5": PCL5}


def _all(spec: InstrumentSpec, value: int) -> dict[str, int | None]:
    return dict.fromkeys(spec.item_ids, value)


def _summing_to(spec: InstrumentSpec, total: int) -> dict[str, int | None]:
    """Fill items in form order, each as high as needed, so the answers sum to total."""
    answers: dict[str, int | None] = {}
    left = total
    for item_id in spec.item_ids:
        value = min(left, max(spec.values_for(item_id)))
        answers[item_id] = value
        left -= value
    assert left == 0, "total above the instrument's maximum"
    return answers


# -- shipped content -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "items", "labels", "score_range"),
    [
        (
            "phq9",
            9,
            ["Not at all", "Several days", "More than half the days", "Nearly every day"],
            (0, 27),
        ),
        (
            "gad7",
            7,
            ["Not at all", "Several days", "More than half the days", "Nearly every day"],
            (0, 21),
        ),
        (
            "pcl5",
            20,
            ["Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely"],
            (0, 80),
        ),
    ],
)
def test_shipped_instrument_shape(
    name: str, items: int, labels: list[str], score_range: tuple[int, int]
) -> None:
    spec = SPECS[name]
    assert spec.id == name
    assert len(spec.items) == items
    assert [option.label for option in spec.options] == labels
    assert [option.value for option in spec.options] == list(range(len(labels)))
    assert spec.score_range == score_range
    assert all(item.text.strip() for item in spec.items)


def test_pcl5_clusters_follow_the_standard_items() -> None:
    assert PCL5.items_in_cluster("B") == [f"pcl5_{i}" for i in range(1, 6)]
    assert PCL5.items_in_cluster("C") == ["pcl5_6", "pcl5_7"]
    assert PCL5.items_in_cluster("D") == [f"pcl5_{i}" for i in range(8, 15)]
    assert PCL5.items_in_cluster("E") == [f"pcl5_{i}" for i in range(15, 21)]


def test_remission_thresholds_are_in_the_files() -> None:
    assert PHQ9.remission_below == 5
    assert GAD7.remission_below == 5
    assert PCL5.remission_below is None


def test_only_free_instruments_are_shipped() -> None:
    shipped = {path.stem for path in bundled_instruments_dir().glob("*.json")}
    assert shipped == {"phq9", "gad7", "pcl5"}


# -- all zeros, all maximum ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "total", "band"),
    [
        ("phq9", 0, 0, "Minimal"),
        ("phq9", 3, 27, "Severe"),
        ("gad7", 0, 0, "Minimal"),
        ("gad7", 3, 21, "Severe"),
        ("pcl5", 0, 0, "Below the probable-PTSD cut-off"),
        ("pcl5", 4, 80, "Probable PTSD (cut-off 31–33)"),
    ],
)
def test_all_zeros_and_all_maximum(name: str, value: int, total: int, band: str) -> None:
    result = score(SPECS[name], _all(SPECS[name], value))
    assert result.complete
    assert result.missing_items == []
    assert result.total == total
    assert result.band == band


def test_all_zero_raises_no_flag_and_meets_no_rule() -> None:
    assert not score(PHQ9, _all(PHQ9, 0)).flags
    result = score(PCL5, _all(PCL5, 0))
    assert not result.flags
    assert result.rule("provisional_ptsd") is False


def test_all_maximum_raises_every_flag() -> None:
    assert score(PHQ9, _all(PHQ9, 3)).has_flag("suicide_risk")
    result = score(PCL5, _all(PCL5, 4))
    assert result.has_flag("probable_ptsd")
    assert result.rule("provisional_ptsd") is True
    assert result.subscale_sums == {"B": 20, "C": 8, "D": 28, "E": 24}


# -- band edges --------------------------------------------------------------------------

PHQ9_EDGES = [
    (0, "Minimal"),
    (4, "Minimal"),
    (5, "Mild"),
    (9, "Mild"),
    (10, "Moderate"),
    (14, "Moderate"),
    (15, "Moderately severe"),
    (19, "Moderately severe"),
    (20, "Severe"),
    (27, "Severe"),
]
GAD7_EDGES = [
    (0, "Minimal"),
    (4, "Minimal"),
    (5, "Mild"),
    (9, "Mild"),
    (10, "Moderate"),
    (14, "Moderate"),
    (15, "Severe"),
    (21, "Severe"),
]
PCL5_EDGES = [
    (0, "Below the probable-PTSD cut-off"),
    (32, "Below the probable-PTSD cut-off"),
    (33, "Probable PTSD (cut-off 31–33)"),
    (80, "Probable PTSD (cut-off 31–33)"),
]


@pytest.mark.parametrize(
    ("name", "total", "band"),
    [("phq9", *edge) for edge in PHQ9_EDGES]
    + [("gad7", *edge) for edge in GAD7_EDGES]
    + [("pcl5", *edge) for edge in PCL5_EDGES],
)
def test_band_edges(name: str, total: int, band: str) -> None:
    result = score(SPECS[name], _summing_to(SPECS[name], total))
    assert result.total == total
    assert result.band == band


@pytest.mark.parametrize(("total", "raised"), [(32, False), (33, True)])
def test_pcl5_probable_ptsd_flag_at_the_cut_off(total: int, raised: bool) -> None:
    assert score(PCL5, _summing_to(PCL5, total)).has_flag("probable_ptsd") is raised


# -- missing items -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["phq9", "gad7", "pcl5"])
def test_missing_items_are_not_scored(name: str) -> None:
    spec = SPECS[name]
    answers = _all(spec, 1)
    answers[spec.item_ids[0]] = None
    del answers[spec.item_ids[-1]]
    result = score(spec, answers)
    assert not result.complete
    assert result.missing_items == [spec.item_ids[0], spec.item_ids[-1]]
    assert result.total is None
    assert result.band is None
    assert result.mean is None
    assert result.subscale_sums == {}


def test_empty_form_lists_every_item_as_missing() -> None:
    result = score(GAD7, {})
    assert result.missing_items == GAD7.item_ids
    assert result.total is None


def test_incomplete_phq9_still_raises_the_suicide_risk_flag() -> None:
    result = score(PHQ9, {"phq9_1": 2, "phq9_9": 2})
    assert not result.complete
    assert result.total is None
    assert result.has_flag("suicide_risk")


def test_incomplete_pcl5_rule_is_open_until_decidable() -> None:
    open_answers: dict[str, int | None] = {"pcl5_1": 3, "pcl5_6": 2}
    assert score(PCL5, open_answers).rule("provisional_ptsd") is None
    # C answered all below 2: the rule can no longer be met, whatever else comes.
    closed = score(PCL5, {"pcl5_1": 3, "pcl5_6": 1, "pcl5_7": 0})
    assert closed.rule("provisional_ptsd") is False


# -- sample clinic case 1 and the PHQ-9 risk flag --------------------------------------


def test_phq9_summing_to_18_with_item_9_at_1() -> None:
    values = [3, 3, 2, 2, 2, 2, 2, 1, 1]
    answers: dict[str, int | None] = dict(zip(PHQ9.item_ids, values, strict=True))
    result = score(PHQ9, answers)
    assert result.total == 18
    assert result.band == "Moderately severe"
    assert result.has_flag("suicide_risk")
    assert [flag.id for flag in result.flags] == ["suicide_risk"]


def test_phq9_item_9_at_zero_raises_no_flag() -> None:
    answers = _all(PHQ9, 3)
    answers["phq9_9"] = 0
    result = score(PHQ9, answers)
    assert result.total == 24
    assert not result.has_flag("suicide_risk")


# -- PCL-5 provisional diagnosis ----------------------------------------------------------

JUST_MEETS = {
    "pcl5_1": 2,  # B: 1 item
    "pcl5_7": 2,  # C: 1 item
    "pcl5_8": 2,  # D: 2 items
    "pcl5_14": 3,
    "pcl5_15": 2,  # E: 2 items
    "pcl5_20": 4,
}


def _pcl5(ratings: dict[str, int], base: int = 1) -> dict[str, int | None]:
    answers = _all(PCL5, base)
    answers.update(ratings)
    return answers


def test_pcl5_provisional_diagnosis_just_met() -> None:
    result = score(PCL5, _pcl5(JUST_MEETS))
    assert result.rule("provisional_ptsd") is True
    assert result.total == 14 + 15  # six rated items + fourteen items at 1
    assert not result.has_flag("probable_ptsd")


@pytest.mark.parametrize(
    "change",
    [
        {"pcl5_1": 1},  # no B item at 2
        {"pcl5_7": 1},  # no C item at 2
        {"pcl5_8": 1},  # only one D item at 2
        {"pcl5_20": 1},  # only one E item at 2
    ],
    ids=["B", "C", "D", "E"],
)
def test_pcl5_provisional_diagnosis_just_missed(change: dict[str, int]) -> None:
    result = score(PCL5, _pcl5({**JUST_MEETS, **change}))
    assert result.complete
    assert result.rule("provisional_ptsd") is False


def test_pcl5_high_total_without_the_cluster_pattern() -> None:
    # Every B, D and E item at 4 but C at 1: total far above 33, no provisional diagnosis.
    answers = _all(PCL5, 4)
    answers.update({"pcl5_6": 1, "pcl5_7": 1})
    result = score(PCL5, answers)
    assert result.total == 74
    assert result.has_flag("probable_ptsd")
    assert result.rule("provisional_ptsd") is False
    assert result.subscale_sums["C"] == 2


# -- answers that do not fit -------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "fragment"),
    [
        ({"phq9_3": 4}, "item 'phq9_3': answer 4 is not one of the item's option values"),
        ({"phq9_3": -1}, "answer -1"),
        ({"phq9_3": True}, "answer True"),
        ({"phq9_3": 1.5}, "answer 1.5"),
        ({"phq9_3": "2"}, "answer '2'"),
        ({"phq9_10": 1}, "unknown item 'phq9_10'"),
    ],
)
def test_answers_outside_the_options_are_rejected(
    answers: dict[str, object], fragment: str
) -> None:
    with pytest.raises(AnswerError, match="PHQ-9") as caught:
        score(PHQ9, answers)  # type: ignore[arg-type]
    assert fragment in str(caught.value)


def test_result_serialises_for_the_note_snapshot() -> None:
    result = score(PHQ9, _all(PHQ9, 1))
    dumped = result.model_dump()
    assert dumped["instrument_id"] == "phq9"
    assert dumped["instrument_version"] == 1
    assert ScoreResult.model_validate(dumped) == result


# -- property: complete random answers ----------------------------------------------------


@st.composite
def _complete_forms(draw: st.DrawFn) -> tuple[InstrumentSpec, dict[str, int]]:
    spec = draw(st.sampled_from(list(SPECS.values())))
    answers = {
        item_id: draw(st.sampled_from(spec.values_for(item_id))) for item_id in spec.item_ids
    }
    return spec, answers


@settings(database=None, max_examples=300, deadline=None)
@given(_complete_forms())
def test_complete_random_answers_total_is_the_sum_and_band_contains_it(
    form: tuple[InstrumentSpec, dict[str, int]],
) -> None:
    spec, answers = form
    result = score(spec, dict(answers))
    assert result.complete
    assert result.missing_items == []
    assert result.total == sum(answers.values())
    band = next(band for band in spec.bands if band.label == result.band)
    assert band.min <= result.total <= band.max
    if spec.scoring.subscale_sums:
        assert sum(result.subscale_sums.values()) == result.total


@pytest.mark.parametrize("name", ["phq9", "gad7", "pcl5"])
def test_spec_snapshot_round_trips(name: str) -> None:
    spec = SPECS[name]
    for snapshot in (spec.model_dump(mode="json"), spec.model_dump(mode="json", exclude_none=True)):
        assert parse_instrument(json.loads(json.dumps(snapshot))) == spec
