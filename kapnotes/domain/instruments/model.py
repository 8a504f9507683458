"""Instrument specs: the pydantic models behind ``resources/instruments/*.json``.

An instrument file is data only. Its scoring (``sum`` or ``max`` of the item values,
sums per cluster, mean), its bands, flags and rules are declarative and are
evaluated by :mod:`kapnotes.domain.instruments.scoring`; nothing in a file is ever
executed. Every model forbids unknown keys and uses strict types, so a typo or a
quoted number is reported instead of silently ignored or coerced.

Beyond the per-field checks, :class:`InstrumentSpec` checks the file as a whole:
unique item ids, every item has answer options, option values are unique, clusters
are declared, bands are ordered, contiguous and cover the possible totals, and
flags and rules only name items and clusters that exist.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
"""Ids of instruments, items, clusters, flags and rules: letters, digits, ``_ . -``."""

MAX_CONDITION_DEPTH = 8
"""How deeply ``all`` / ``any_of`` conditions may nest."""

Op = Literal[">", ">=", "<", "<=", "==", "!="]
"""A comparison operator in a condition."""

Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=64)]
Text = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class AnswerOption(_Model):
    """One answer choice: what the form shows and the value it scores."""

    value: int
    label: Text


class Cluster(_Model):
    """A subscale (symptom cluster) that items can belong to."""

    id: Id
    label: Text


class Item(_Model):
    """One question. ``options`` overrides the instrument's shared answer options."""

    id: Id
    text: Text
    cluster: str | None = None
    options: list[AnswerOption] | None = None


class Scoring(_Model):
    """How the form is scored.

    ``total`` is ``"sum"`` (the sum of item values) or ``"max"`` (the highest item
    value, e.g. a screener scored by the highest item answered yes). Bands, response
    and remission apply to the total. ``subscale_sums`` reports a sum per cluster and
    ``mean`` the mean item value.
    """

    total: Literal["sum", "max"] = "sum"
    subscale_sums: bool = False
    mean: bool = False


class Band(_Model):
    """A labelled range of the total, both ends included."""

    min: int
    max: int
    label: Text

    def contains(self, total: float) -> bool:
        """Whether ``total`` falls inside this band."""
        return self.min <= total <= self.max


class ItemCondition(_Model):
    """True when one item's answer compares true, e.g. item 9 ``>`` 0."""

    item: str
    op: Op
    value: int | float


class ScoreCondition(_Model):
    """True when the total (or the mean item value) compares true."""

    score: Literal["total", "mean"]
    op: Op
    value: int | float


class SubscaleCondition(_Model):
    """True when a cluster's sum compares true."""

    subscale: str
    op: Op
    value: int | float


class CountCondition(_Model):
    """True when at least ``at_least`` of some items compare true.

    The items are those of one cluster (``of_items_in``) or a list of item ids
    (``of_items``); give exactly one of the two.
    """

    at_least: int = Field(ge=1)
    of_items_in: str | None = None
    of_items: list[str] | None = None
    op: Op
    value: int | float

    @model_validator(mode="after")
    def _one_item_source(self) -> Self:
        if (self.of_items_in is None) == (self.of_items is None):
            raise ValueError("give exactly one of 'of_items_in' (a cluster) or 'of_items'")
        return self


class AllCondition(_Model):
    """True when every sub-condition is true."""

    all: list[Condition] = Field(min_length=1)


class AnyCondition(_Model):
    """True when at least one sub-condition is true."""

    any_of: list[Condition] = Field(min_length=1)


_CONDITION_KEYS = {
    "item": "item",
    "score": "score",
    "subscale": "subscale",
    "at_least": "count",
    "all": "all",
    "any_of": "any",
}
_CONDITION_TYPES: dict[type[BaseModel], str] = {
    ItemCondition: "item",
    ScoreCondition: "score",
    SubscaleCondition: "subscale",
    CountCondition: "count",
    AllCondition: "all",
    AnyCondition: "any",
}
CONDITION_TAGS = frozenset(_CONDITION_TYPES.values())
"""Names pydantic puts into error locations for the condition kinds."""


def _condition_kind(raw: Any) -> str | None:
    """Which kind of condition a raw object is, from the key it carries."""
    if isinstance(raw, dict):
        for key, tag in _CONDITION_KEYS.items():
            if key in raw:
                return tag
        return None
    return _CONDITION_TYPES.get(type(raw))


Condition = Annotated[
    Annotated[ItemCondition, Tag("item")]
    | Annotated[ScoreCondition, Tag("score")]
    | Annotated[SubscaleCondition, Tag("subscale")]
    | Annotated[CountCondition, Tag("count")]
    | Annotated[AllCondition, Tag("all")]
    | Annotated[AnyCondition, Tag("any")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition_kind",
        custom_error_message=(
            "a condition needs one of the keys 'item', 'score', 'subscale', "
            "'at_least', 'all' or 'any_of'"
        ),
    ),
]
"""Any condition; which one is decided by the key it carries."""

AllCondition.model_rebuild()
AnyCondition.model_rebuild()


class Check(_Model):
    """A named condition: a flag or a rule.

    The condition is given as ``when`` (one condition), ``all`` or ``any_of``
    (lists of conditions); exactly one of the three.
    """

    id: Id
    label: Text
    description: str | None = None
    when: Condition | None = None
    all: list[Condition] | None = Field(default=None, min_length=1)
    any_of: list[Condition] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_condition(self) -> Self:
        given = [self.when is not None, self.all is not None, self.any_of is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of 'when', 'all' or 'any_of'")
        return self

    @property
    def condition(self) -> Condition:
        """The check's condition as one object."""
        if self.all is not None:
            return AllCondition(all=self.all)
        if self.any_of is not None:
            return AnyCondition(any_of=self.any_of)
        assert self.when is not None  # guaranteed by _one_condition
        return self.when

    @property
    def condition_key(self) -> str:
        """Which key holds the condition in the file: ``when``, ``all`` or ``any_of``."""
        if self.all is not None:
            return "all"
        if self.any_of is not None:
            return "any_of"
        return "when"


class Flag(Check):
    """A warning raised on the form when its condition holds (e.g. suicide risk)."""


class Rule(Check):
    """A named outcome reported as met / not met (e.g. provisional PTSD diagnosis)."""


class InstrumentSpec(_Model):
    """One outcome-measure instrument, as read from its JSON file."""

    format_version: Literal[1] = 1
    id: Id
    version: int = Field(ge=1)
    title: Text
    short_name: Text
    licence: Text
    instructions: Text
    stem: str | None = None
    options: list[AnswerOption] = Field(default_factory=list)
    clusters: list[Cluster] = Field(default_factory=list)
    items: list[Item] = Field(min_length=1)
    scoring: Scoring = Field(default_factory=Scoring)
    bands: list[Band] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    remission_below: int | None = None
    response_fall_percent: int = Field(default=50, ge=1, le=100)

    # -- queries -------------------------------------------------------------------

    @property
    def item_ids(self) -> list[str]:
        """Item ids in form order."""
        return [item.id for item in self.items]

    def item(self, item_id: str) -> Item:
        """The item with this id (``KeyError`` if there is none)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def options_for(self, item: Item | str) -> list[AnswerOption]:
        """The answer options an item offers (its own, else the shared ones)."""
        found = self.item(item) if isinstance(item, str) else item
        return found.options if found.options is not None else self.options

    def values_for(self, item: Item | str) -> list[int]:
        """The values an item's answer may take, ascending."""
        return sorted({option.value for option in self.options_for(item)})

    def items_in_cluster(self, cluster_id: str) -> list[str]:
        """Ids of the items in one cluster, in form order."""
        return [item.id for item in self.items if item.cluster == cluster_id]

    @property
    def score_range(self) -> tuple[int, int]:
        """Lowest and highest possible total."""
        lows = [min(self.values_for(item)) for item in self.items]
        highs = [max(self.values_for(item)) for item in self.items]
        if self.scoring.total == "max":
            return max(lows), max(highs)
        return sum(lows), sum(highs)

    def band_for(self, total: float) -> Band | None:
        """The band containing ``total``, if the instrument has bands."""
        for band in self.bands:
            if band.contains(total):
                return band
        return None

    # -- whole-file checks ---------------------------------------------------------

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        problems = _Checker(self).run()
        if problems:
            raise ValueError("\n".join(problems))
        return self


def _describe_item(index: int, item: Item, field: str = "") -> str:
    return f"item '{item.id}' (items[{index}]{field})"


class _Checker:
    """Collects every whole-file problem of a structurally valid spec."""

    def __init__(self, spec: InstrumentSpec) -> None:
        self.spec = spec
        self.problems: list[str] = []
        self.item_ids = {item.id for item in spec.items}
        self.cluster_ids = {cluster.id for cluster in spec.clusters}

    def run(self) -> list[str]:
        self._check_items()
        self._check_clusters()
        usable = not self.problems
        if usable:
            self._check_bands()
            self._check_remission()
        self._check_checks()
        return self.problems

    def _check_options(self, options: list[AnswerOption], path: str, subject: str = "") -> None:
        def where(index: int) -> str:
            return f"{subject} ({path}[{index}])" if subject else f"{path}[{index}]"

        first_index: dict[int, int] = {}
        for index, option in enumerate(options):
            if option.value in first_index:
                self.problems.append(
                    f"{where(index)}: option value {option.value} is already used by "
                    f"options[{first_index[option.value]}]"
                )
            else:
                first_index[option.value] = index

    def _check_items(self) -> None:
        spec = self.spec
        self._check_options(spec.options, "options")
        first_index: dict[str, int] = {}
        for index, item in enumerate(spec.items):
            if item.id in first_index:
                self.problems.append(
                    f"{_describe_item(index, item)}: duplicate item id "
                    f"(first used by items[{first_index[item.id]}])"
                )
            else:
                first_index[item.id] = index
            if item.options is not None:
                self._check_options(item.options, f"items[{index}].options", f"item '{item.id}'")
            if not spec.options_for(item):
                self.problems.append(
                    f"{_describe_item(index, item)}: no answer options (give 'options' "
                    "on the item or shared 'options' at the top level)"
                )
            if item.cluster is not None and item.cluster not in self.cluster_ids:
                declared = ", ".join(sorted(self.cluster_ids)) or "none"
                self.problems.append(
                    f"{_describe_item(index, item, '.cluster')}: unknown cluster "
                    f"'{item.cluster}' (declared clusters: {declared})"
                )

    def _check_clusters(self) -> None:
        seen: set[str] = set()
        for index, cluster in enumerate(self.spec.clusters):
            where = f"cluster '{cluster.id}' (clusters[{index}])"
            if cluster.id in seen:
                self.problems.append(f"{where}: duplicate cluster id")
            seen.add(cluster.id)
            if not self.spec.items_in_cluster(cluster.id):
                self.problems.append(f"{where}: no item belongs to this cluster")
        if self.spec.scoring.subscale_sums and not self.spec.clusters:
            self.problems.append("scoring.subscale_sums: the instrument declares no clusters")

    def _check_bands(self) -> None:
        bands = self.spec.bands
        if not bands:
            return
        low, high = self.spec.score_range
        for index, band in enumerate(bands):
            if band.min > band.max:
                self.problems.append(
                    f"bands[{index}] ('{band.label}'): min {band.min} is above max {band.max}"
                )
                return
        if bands[0].min != low:
            self.problems.append(
                f"bands[0] ('{bands[0].label}'): starts at {bands[0].min} but the lowest "
                f"possible total is {low}"
            )
        for index in range(1, len(bands)):
            before, band = bands[index - 1], bands[index]
            where = f"bands[{index}] ('{band.label}', {band.min}–{band.max})"
            if band.min <= before.max:
                self.problems.append(
                    f"{where}: overlaps bands[{index - 1}] ('{before.label}', "
                    f"{before.min}–{before.max}); bands must be in ascending order "
                    "without overlap"
                )
            elif band.min > before.max + 1:
                first, last = before.max + 1, band.min - 1
                missing = f"total {first} has" if first == last else f"totals {first}–{last} have"
                self.problems.append(
                    f"{where}: gap after bands[{index - 1}] ('{before.label}', "
                    f"{before.min}–{before.max}): {missing} no band"
                )
        last = len(bands) - 1
        if bands[last].max != high:
            self.problems.append(
                f"bands[{last}] ('{bands[last].label}'): ends at {bands[last].max} but the "
                f"highest possible total is {high}"
            )

    def _check_remission(self) -> None:
        threshold = self.spec.remission_below
        if threshold is None:
            return
        low, high = self.spec.score_range
        if not low < threshold <= high:
            self.problems.append(
                f"remission_below: {threshold} is outside the possible totals {low}–{high}"
            )

    def _check_checks(self) -> None:
        seen: dict[str, str] = {}
        groups: list[tuple[str, list[Flag] | list[Rule]]] = [
            ("flag", self.spec.flags),
            ("rule", self.spec.rules),
        ]
        for kind, checks in groups:
            for index, check in enumerate(checks):
                base = f"{kind}s[{index}]"
                where = f"{kind} '{check.id}' ({base})"
                if check.id in seen:
                    self.problems.append(f"{where}: id already used by {seen[check.id]}")
                else:
                    seen[check.id] = base
                self._check_condition(check.condition, kind, check.id, base, 1, check)

    def _check_condition(
        self,
        condition: Condition,
        kind: str,
        check_id: str,
        path: str,
        depth: int,
        check: Check | None = None,
    ) -> None:
        if check is not None:
            path = f"{path}.{check.condition_key}"
        where = f"{kind} '{check_id}' ({path})"
        if depth > MAX_CONDITION_DEPTH:
            self.problems.append(
                f"{where}: conditions nest more than {MAX_CONDITION_DEPTH} levels deep"
            )
            return
        if isinstance(condition, AllCondition | AnyCondition):
            key = "all" if isinstance(condition, AllCondition) else "any_of"
            parts = condition.all if isinstance(condition, AllCondition) else condition.any_of
            # A check's own 'all'/'any_of' list is already the path; nested ones add a key.
            prefix = path if check is not None and check.when is None else f"{path}.{key}"
            for index, part in enumerate(parts):
                self._check_condition(part, kind, check_id, f"{prefix}[{index}]", depth + 1)
        elif isinstance(condition, ItemCondition):
            if condition.item not in self.item_ids:
                self.problems.append(f"{where}: unknown item '{condition.item}'")
        elif isinstance(condition, SubscaleCondition):
            if condition.subscale not in self.cluster_ids:
                self.problems.append(f"{where}: unknown cluster '{condition.subscale}'")
        elif isinstance(condition, CountCondition):
            self._check_count(condition, where)

    def _check_count(self, condition: CountCondition, where: str) -> None:
        if condition.of_items_in is not None:
            cluster = condition.of_items_in
            if cluster not in self.cluster_ids:
                self.problems.append(f"{where}: unknown cluster '{cluster}'")
                return
            size = len(self.spec.items_in_cluster(cluster))
            if condition.at_least > size:
                self.problems.append(
                    f"{where}: asks for at least {condition.at_least} items but cluster "
                    f"'{cluster}' has only {size}"
                )
        elif condition.of_items is not None:
            unknown = [item for item in condition.of_items if item not in self.item_ids]
            for item_id in unknown:
                self.problems.append(f"{where}: unknown item '{item_id}'")
            if condition.at_least > len(condition.of_items):
                self.problems.append(
                    f"{where}: asks for at least {condition.at_least} of "
                    f"{len(condition.of_items)} listed items"
                )
