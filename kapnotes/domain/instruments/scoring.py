"""Score a filled-in instrument: total, subscales, mean, band, flags and rules.

Only a complete form is scored: when an item is unanswered the total, mean,
subscale sums and band are ``None``/empty and ``missing_items`` lists what is
missing. Flags and rules still use what *is* known (three-valued logic): item 9 of
the PHQ-9 answered 1 raises the suicide-risk flag even on an unfinished form, and a
rule whose outcome depends on unanswered items reports ``met=None``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import assert_never

from pydantic import BaseModel, ConfigDict

from kapnotes.domain.instruments.errors import AnswerError
from kapnotes.domain.instruments.model import (
    AllCondition,
    AnyCondition,
    Condition,
    CountCondition,
    InstrumentSpec,
    ItemCondition,
    Op,
    ScoreCondition,
    SubscaleCondition,
)

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RaisedFlag(_Result):
    """A flag whose condition holds."""

    id: str
    label: str


class RuleOutcome(_Result):
    """A rule's outcome: ``met`` is ``None`` when unanswered items leave it open."""

    id: str
    label: str
    met: bool | None


class ScoreResult(_Result):
    """The scores of one filled-in form (serialisable with ``model_dump``)."""

    instrument_id: str
    instrument_version: int
    complete: bool
    missing_items: list[str]
    total: int | None
    subscale_sums: dict[str, int]
    mean: float | None
    band: str | None
    flags: list[RaisedFlag]
    rules: list[RuleOutcome]

    def has_flag(self, flag_id: str) -> bool:
        """Whether the flag with this id was raised."""
        return any(flag.id == flag_id for flag in self.flags)

    def rule(self, rule_id: str) -> bool | None:
        """The outcome of the rule with this id (``KeyError`` if there is none)."""
        for outcome in self.rules:
            if outcome.id == rule_id:
                return outcome.met
        raise KeyError(rule_id)


def check_answers(spec: InstrumentSpec, answers: Mapping[str, int | None]) -> dict[str, int]:
    """The answered items, after checking each answer is one of its item's values.

    Raises :class:`AnswerError` for an unknown item id or a value the item does not
    offer. ``None`` means unanswered.
    """
    known = set(spec.item_ids)
    answered: dict[str, int] = {}
    for item_id, value in answers.items():
        if item_id not in known:
            raise AnswerError(f"{spec.short_name}: unknown item '{item_id}'")
        if value is None:
            continue
        allowed = spec.values_for(item_id)
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            choices = ", ".join(str(choice) for choice in allowed)
            raise AnswerError(
                f"{spec.short_name} item '{item_id}': answer {value!r} is not one of the "
                f"item's option values ({choices})"
            )
        answered[item_id] = value
    return answered


class _Context:
    """What is known about one form while evaluating conditions."""

    def __init__(self, spec: InstrumentSpec, answered: dict[str, int]) -> None:
        self.spec = spec
        self.answered = answered
        values = [answered[item_id] for item_id in spec.item_ids if item_id in answered]
        self.complete = len(values) == len(spec.items)
        self.total: int | None = None
        self.mean: float | None = None
        if self.complete:
            self.total = max(values) if spec.scoring.total == "max" else sum(values)
            self.mean = sum(values) / len(values)

    def subscale_sum(self, cluster_id: str) -> int | None:
        """The sum of a cluster's items, if all of them are answered."""
        items = self.spec.items_in_cluster(cluster_id)
        if any(item_id not in self.answered for item_id in items):
            return None
        return sum(self.answered[item_id] for item_id in items)


def _compare(left: float | None, op: Op, right: float) -> bool | None:
    if left is None:
        return None
    return _OPS[op](left, right)


def _evaluate(condition: Condition, context: _Context) -> bool | None:
    """True, False, or None when unanswered items leave the condition open."""
    if isinstance(condition, ItemCondition):
        return _compare(context.answered.get(condition.item), condition.op, condition.value)
    if isinstance(condition, ScoreCondition):
        score = context.total if condition.score == "total" else context.mean
        return _compare(score, condition.op, condition.value)
    if isinstance(condition, SubscaleCondition):
        return _compare(context.subscale_sum(condition.subscale), condition.op, condition.value)
    if isinstance(condition, CountCondition):
        return _evaluate_count(condition, context)
    if isinstance(condition, AllCondition):
        outcomes = [_evaluate(part, context) for part in condition.all]
        if False in outcomes:
            return False
        return None if None in outcomes else True
    if isinstance(condition, AnyCondition):
        outcomes = [_evaluate(part, context) for part in condition.any_of]
        if True in outcomes:
            return True
        return None if None in outcomes else False
    assert_never(condition)


def _evaluate_count(condition: CountCondition, context: _Context) -> bool | None:
    if condition.of_items_in is not None:
        items = context.spec.items_in_cluster(condition.of_items_in)
    else:
        items = list(condition.of_items or [])
    matching = 0
    unknown = 0
    for item_id in items:
        value = context.answered.get(item_id)
        if value is None:
            unknown += 1
        elif _OPS[condition.op](value, condition.value):
            matching += 1
    if matching >= condition.at_least:
        return True
    if matching + unknown < condition.at_least:
        return False
    return None


def score(spec: InstrumentSpec, answers: Mapping[str, int | None]) -> ScoreResult:
    """Score one filled-in form; see the module docstring for incomplete forms."""
    answered = check_answers(spec, answers)
    context = _Context(spec, answered)
    subscales: dict[str, int] = {}
    if context.complete and spec.scoring.subscale_sums:
        for cluster in spec.clusters:
            cluster_sum = context.subscale_sum(cluster.id)
            assert cluster_sum is not None  # every item is answered
            subscales[cluster.id] = cluster_sum
    band = spec.band_for(context.total) if context.total is not None else None
    flags = [
        RaisedFlag(id=flag.id, label=flag.label)
        for flag in spec.flags
        if _evaluate(flag.condition, context) is True
    ]
    rules = [
        RuleOutcome(id=rule.id, label=rule.label, met=_evaluate(rule.condition, context))
        for rule in spec.rules
    ]
    return ScoreResult(
        instrument_id=spec.id,
        instrument_version=spec.version,
        complete=context.complete,
        missing_items=[item_id for item_id in spec.item_ids if item_id not in answered],
        total=context.total,
        subscale_sums=subscales,
        mean=context.mean if spec.scoring.mean else None,
        band=band.label if band is not None else None,
        flags=flags,
        rules=rules,
    )
