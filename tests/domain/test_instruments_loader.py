"""Loading instrument files: malformed files are refused with precise messages."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kapnotes.domain.instruments import (
    InstrumentError,
    bundled_instruments_dir,
    load_instrument_file,
    load_instruments,
    parse_instrument,
    score,
)

# A fictional clinic instrument: placeholder item text, two clusters, one flag, one rule.
VALID: dict[str, Any] = {
    "id": "clinic_demo",
    "version": 1,
    "title": "Clinic demo scale",
    "short_name": "DEMO",
    "licence": "Fictional test instrument.",
    "instructions": "Answer every item.",
    "options": [
        {"value": 0, "label": "No"},
        {"value": 1, "label": "Somewhat"},
        {"value": 2, "label": "Yes"},
    ],
    "clusters": [{"id": "A", "label": "Cluster A"}, {"id": "B", "label": "Cluster B"}],
    "items": [
        {"id": "q1", "text": "Item 1 (text from your licensed copy)", "cluster": "A"},
        {"id": "q2", "text": "Item 2 (text from your licensed copy)", "cluster": "A"},
        {"id": "q3", "text": "Item 3 (text from your licensed copy)", "cluster": "B"},
    ],
    "scoring": {"total": "sum", "subscale_sums": True, "mean": True},
    "bands": [
        {"min": 0, "max": 2, "label": "Low"},
        {"min": 3, "max": 6, "label": "High"},
    ],
    "flags": [
        {"id": "risk", "label": "Item 3 endorsed", "when": {"item": "q3", "op": ">", "value": 0}}
    ],
    "rules": [
        {
            "id": "rule1",
            "label": "Both clusters endorsed",
            "all": [
                {"at_least": 1, "of_items_in": "A", "op": ">=", "value": 2},
                {"subscale": "B", "op": ">=", "value": 1},
            ],
        }
    ],
    "remission_below": 2,
}

Mutation = Callable[[dict[str, Any]], None]


def _write(tmp_path: Path, data: object, name: str = "clinic_demo.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _set(path: str, value: object) -> Mutation:
    """A mutation setting one value, addressed like ``items.1.options``."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        del target[last]

    return mutate


MALFORMED: list[tuple[str, Mutation, list[str]]] = [
    (
        "unknown item in a flag",
        _set("flags.0.when.item", "q9"),
        ["flag 'risk' (flags[0].when)", "unknown item 'q9'"],
    ),
    (
        "option value not a number",
        _set("options.1.value", "one"),
        ["options[1].value", "must be a whole number", "'one'"],
    ),
    (
        "option value a fraction",
        _set("options.1.value", 1.5),
        ["options[1].value", "must be a whole number"],
    ),
    (
        "item option value not a number",
        _set("items.1.options", [{"value": "x", "label": "No"}]),
        ["item 'q2' (items[1].options[0].value)", "must be a whole number"],
    ),
    (
        "duplicate option value",
        _set("options.1.value", 0),
        ["options[1]: option value 0 is already used by options[0]"],
    ),
    (
        "duplicate option value on an item",
        _set("items.1.options", [{"value": 1, "label": "No"}, {"value": 1, "label": "Yes"}]),
        ["item 'q2' (items[1].options[1])", "option value 1 is already used"],
    ),
    (
        "duplicate item id",
        _set("items.2.id", "q2"),
        ["item 'q2' (items[2])", "duplicate item id", "items[1]"],
    ),
    (
        "item without text",
        _delete("items.0.text"),
        ["item 'q1' (items[0])", "missing key 'text'"],
    ),
    (
        "empty item text",
        _set("items.0.text", ""),
        ["item 'q1' (items[0].text)", "must not be empty"],
    ),
    (
        "unknown key on an item",
        _set("items.0.colour", "red"),
        ["item 'q1' (items[0])", "unknown key 'colour'"],
    ),
    (
        "unknown cluster on an item",
        _set("items.2.cluster", "Z"),
        ["item 'q3' (items[2].cluster)", "unknown cluster 'Z'"],
    ),
    (
        "bands overlapping",
        _set("bands.1.min", 2),
        ["bands[1] ('High', 2–6)", "overlaps bands[0]"],
    ),
    (
        "bands with a gap",
        _set("bands.1.min", 4),
        ["bands[1] ('High', 4–6)", "gap", "total 3 has no band"],
    ),
    (
        "bands not reaching the highest total",
        _set("bands.1.max", 5),
        ["bands[1] ('High')", "ends at 5", "highest possible total is 6"],
    ),
    (
        "bands not starting at the lowest total",
        _set("bands.0.min", 1),
        ["bands[0] ('Low')", "starts at 1", "lowest possible total is 0"],
    ),
    (
        "unknown cluster in a rule",
        _set("rules.0.all.0.of_items_in", "Z"),
        ["rule 'rule1' (rules[0].all[0])", "unknown cluster 'Z'"],
    ),
    (
        "unknown subscale in a rule",
        _set("rules.0.all.1.subscale", "Q"),
        ["rule 'rule1' (rules[0].all[1])", "unknown cluster 'Q'"],
    ),
    (
        "rule asks for more items than the cluster has",
        _set("rules.0.all.0.at_least", 3),
        ["rule 'rule1' (rules[0].all[0])", "at least 3 items", "cluster 'A' has only 2"],
    ),
    (
        "bad operator",
        _set("flags.0.when.op", "=>"),
        ["flag 'risk' (flags[0].when.op)", "'=>'"],
    ),
    (
        "condition of no known kind",
        _set("rules.0.all.1", {"python": "__import__('os').system('true')"}),
        ["rule 'rule1' (rules[0].all[1])", "a condition needs one of the keys"],
    ),
    (
        "scoring that is not one of the declared methods",
        _set("scoring.total", "lambda answers: sum(answers)"),
        ["scoring.total", "must be 'sum' or 'max'"],
    ),
    (
        "flag with two conditions",
        _set("flags.0.all", [{"item": "q1", "op": ">", "value": 0}]),
        ["flag 'risk' (flags[0])", "exactly one of 'when', 'all' or 'any_of'"],
    ),
    (
        "remission threshold outside the totals",
        _set("remission_below", 99),
        ["remission_below", "outside the possible totals 0–6"],
    ),
    (
        "quoted version",
        _set("version", "1"),
        ["version", "must be a whole number"],
    ),
]


@pytest.mark.parametrize(
    ("mutate", "fragments"),
    [pytest.param(mutate, fragments, id=case) for case, mutate, fragments in MALFORMED],
)
def test_malformed_file_names_file_item_and_problem(
    tmp_path: Path, mutate: Mutation, fragments: list[str]
) -> None:
    data = copy.deepcopy(VALID)
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(InstrumentError) as caught:
        load_instrument_file(path)
    message = str(caught.value)
    assert message.startswith(str(path))
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ('{\n  "id": "x",\n  "version": 1,,\n}', ["invalid JSON at line 3, column 16"]),
        ('{"id": "x", "id": "y"}', ["key 'id' appears twice"]),
        ('{"id": "x", "version": NaN}', ["NaN is not a number"]),
        ("[1, 2]", ["top level", "JSON object"]),
        ("", ["invalid JSON at line 1, column 1"]),
    ],
    ids=["syntax", "duplicate-key", "nan", "array", "empty"],
)
def test_invalid_json_is_reported_with_its_position(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError) as caught:
        load_instrument_file(path)
    message = str(caught.value)
    assert "broken.json" in message
    for fragment in fragments:
        assert fragment in message


def test_several_problems_are_all_listed(tmp_path: Path) -> None:
    data = copy.deepcopy(VALID)
    data["items"][2]["id"] = "q2"
    data["flags"][0]["when"]["item"] = "q9"
    with pytest.raises(InstrumentError) as caught:
        load_instrument_file(_write(tmp_path, data))
    assert len(caught.value.problems) == 2
    assert "2 problems" in str(caught.value)


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match="cannot read"):
        load_instrument_file(tmp_path / "absent.json")
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"title": "Caf\xe9"}')
    with pytest.raises(InstrumentError, match="not UTF-8"):
        load_instrument_file(latin)


def test_valid_clinic_file_loads_and_scores(tmp_path: Path) -> None:
    spec = load_instrument_file(_write(tmp_path, VALID))
    assert spec.score_range == (0, 6)
    result = score(spec, {"q1": 2, "q2": 0, "q3": 1})
    assert result.total == 3
    assert result.band == "High"
    assert result.subscale_sums == {"A": 2, "B": 1}
    assert result.mean == 1.0
    assert result.has_flag("risk")
    assert result.rule("rule1") is True


def test_any_of_and_max_scoring() -> None:
    data = copy.deepcopy(VALID)
    data["scoring"] = {"total": "max"}
    data["bands"] = [{"min": 0, "max": 0, "label": "None"}, {"min": 1, "max": 2, "label": "Some"}]
    data["remission_below"] = 1
    data["rules"] = [
        {
            "id": "either",
            "label": "q1 or q3 at 2",
            "any_of": [
                {"item": "q1", "op": "==", "value": 2},
                {"at_least": 1, "of_items": ["q3"], "op": "==", "value": 2},
            ],
        }
    ]
    spec = parse_instrument(data)
    assert spec.score_range == (0, 2)
    result = score(spec, {"q1": 0, "q2": 1, "q3": 2})
    assert result.total == 2
    assert result.band == "Some"
    assert result.rule("either") is True
    assert score(spec, {"q1": 1, "q2": 1, "q3": 1}).rule("either") is False
    assert score(spec, {"q1": 1}).rule("either") is None


def test_load_instruments_bundled_has_no_warnings() -> None:
    loaded = load_instruments()
    assert loaded.warnings == ()
    assert set(loaded.ids) == {"phq9", "gad7", "pcl5"}
    phq9 = loaded.get("phq9")
    assert phq9 is not None
    assert phq9.short_name == "PHQ-9"


def test_load_instruments_skips_bad_clinic_files_with_warnings(tmp_path: Path) -> None:
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    _write(clinic, VALID, "good.json")
    broken = copy.deepcopy(VALID)
    broken["items"][2]["id"] = "q1"
    _write(clinic, broken, "bad.json")
    shadow = copy.deepcopy(VALID)
    shadow["id"] = "phq9"
    _write(clinic, shadow, "phq9_copy.json")
    newer = copy.deepcopy(VALID)
    newer["version"] = 2
    _write(clinic, newer, "good_v2.json")
    (clinic / "README.md").write_text("not an instrument", encoding="utf-8")

    loaded = load_instruments([clinic, tmp_path / "missing"])

    assert set(loaded.ids) == {"phq9", "gad7", "pcl5", "clinic_demo"}
    latest = loaded.get("clinic_demo")
    assert latest is not None
    assert latest.version == 2
    first = loaded.get("clinic_demo", version=1)
    assert first is not None
    assert first.version == 1
    assert loaded.get("nothing") is None
    phq9 = loaded.get("phq9")
    assert phq9 is not None
    assert phq9.title == "Patient Health Questionnaire-9"  # the shipped one, not the copy
    assert len(loaded.warnings) == 3
    bad, shadowed, missing = loaded.warnings
    assert "bad.json" in bad
    assert "item 'q1' (items[2])" in bad
    assert "duplicate item id" in bad
    assert "phq9_copy.json" in shadowed
    assert "already loaded" in shadowed
    assert "missing" in missing
    assert "not found" in missing


def test_clinic_folders_only(tmp_path: Path) -> None:
    _write(tmp_path, VALID)
    loaded = load_instruments([tmp_path], include_bundled=False)
    assert loaded.ids == ["clinic_demo"]
    assert loaded.sources[("clinic_demo", 1)] == tmp_path / "clinic_demo.json"


def test_readme_example_is_a_valid_instrument() -> None:
    readme = (bundled_instruments_dir() / "README.md").read_text(encoding="utf-8")
    example = readme.split("```json\n", 1)[1].split("```", 1)[0]
    spec = parse_instrument(json.loads(example), "README.md")
    assert spec.score_range == (0, 8)
    result = score(spec, {"ex_1": 1, "ex_2": 0, "ex_3": 2, "ex_4": 2})
    assert result.total == 5
    assert result.band == "High"
    assert result.subscale_sums == {"A": 1, "B": 4}
    assert result.has_flag("item_4_yes")
    assert result.rule("both_subscales") is True
