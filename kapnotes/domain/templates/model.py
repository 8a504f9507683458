"""Pydantic models of the note-template format (data, never code).

A template is a JSON object::

    {"id": "preparation", "version": 1, "title": "Preparation session",
     "phase": "preparation",
     "sections": [{"id": "screen", "title": "Screening", "fields": [
         {"id": "readiness", "type": "scale", "label": "Readiness",
          "anchors": {"low": "Not ready", "high": "Fully ready"}}]}]}

Field ``type`` selects the model (a discriminated union). Every field may carry
``required_to_sign``, ``help``, a declarative ``show_if`` condition and a
declarative ``computed`` expression. Cross-field rules (unique ids, references in
``show_if`` and ``computed`` pointing at real fields, no computed cycles) are
checked when a :class:`TemplateSpec` is built, so every spec in memory is sound.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from datetime import date, time
from typing import Annotated, Any, ClassVar, Literal, NamedTuple

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictInt,
    Tag,
    field_validator,
    model_validator,
)

from kapnotes.domain.notes import Phase
from kapnotes.domain.templates.context import CONTEXT_FIELDS, context_reference_problem
from kapnotes.domain.templates.narrative import (
    NarrativeLayout,
    all_narrative_field_ids,
    layout_headings,
    narrative_field_id,
)

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
OPTION_PATTERN = r"^[a-z0-9][a-z0-9_]*$"
_ID_RE = re.compile(ID_PATTERN)

JsonScalar = str | int | float | bool | None

#: Namespaces a ``$name.key`` reference may name in a stored template snapshot.
#: ``course`` and ``settings`` were once reserved and are still read, so that old
#: notes keep opening; what a note's context actually holds, and what template
#: files are checked against when loaded, is ``context.CONTEXT_FIELDS``.
CONTEXT_NAMESPACES: frozenset[str] = frozenset({"client", "linked", "course", "settings"})

#: Computed operators with their (minimum, maximum) argument counts; None = no maximum.
COMPUTED_OPS: dict[str, tuple[int, int | None]] = {
    "add": (1, None),
    "sum": (1, None),
    "subtract": (2, 2),
    "multiply": (2, None),
    "divide": (2, 2),
    "round": (1, 2),
    "min": (1, None),
    "max": (1, None),
    "count": (1, None),
    "first": (1, 1),
    "last": (1, 1),
    "days_between": (2, 2),
    "minutes_between": (2, 2),
}

_FROZEN = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ValueIssue(NamedTuple):
    """One problem with one value: ``error`` blocks saving it, ``warning`` only asks."""

    severity: Literal["error", "warning"]
    message: str


def _error(message: str) -> list[ValueIssue]:
    return [ValueIssue("error", message)]


def is_number(value: object) -> bool:
    """True for ints and finite floats, never for booleans."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def is_blank(value: object) -> bool:
    """True for values that count as 'not filled in': None, blank text, empty lists."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict | set):
        return len(value) == 0
    return False


def parse_date(value: object) -> date | None:
    """A date from a ``date`` or an ISO ``YYYY-MM-DD`` (or ISO date-time) string."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def parse_time(value: object) -> time | None:
    """A clock time from a ``time`` or an ``HH:MM`` / ``HH:MM:SS`` string."""
    if isinstance(value, time):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}(:\d{2})?", value):
        try:
            return time.fromisoformat(value)
        except ValueError:
            return None
    return None


# --------------------------------------------------------------------------- conditions


class Condition(BaseModel):
    """A declarative ``show_if`` condition.

    Exactly one operator: ``{"field": f, "equals": v}``, ``not_equals``, ``in`` (a
    list), ``is_true`` (true: the value is filled/yes; false: it is empty/no), or a
    combination ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": {...}}``. For list
    values (multi-choice, checklist) ``equals`` tests membership and ``in`` overlap.
    ``field`` is a field id of the same template or a ``$client.weight_kg``-style
    context reference.
    """

    model_config = _FROZEN

    field: str | None = None
    equals: JsonScalar = None
    not_equals: JsonScalar = None
    in_: tuple[JsonScalar, ...] | None = Field(default=None, alias="in")
    is_true: bool | None = None
    all_: tuple[Condition, ...] | None = Field(default=None, alias="all", min_length=1)
    any_: tuple[Condition, ...] | None = Field(default=None, alias="any", min_length=1)
    not_: Condition | None = Field(default=None, alias="not")

    COMPARISONS: ClassVar[tuple[str, ...]] = ("equals", "not_equals", "in_", "is_true")
    COMBINATIONS: ClassVar[tuple[str, ...]] = ("all_", "any_", "not_")

    @property
    def operator(self) -> str:
        """The operator's JSON name: equals, not_equals, in, is_true, all, any or not."""
        for name in (*self.COMPARISONS, *self.COMBINATIONS):
            if name in self.model_fields_set:
                return name.rstrip("_")
        raise AssertionError("validated condition without an operator")

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        used = [n for n in (*self.COMPARISONS, *self.COMBINATIONS) if n in self.model_fields_set]
        if len(used) != 1:
            raise ValueError(
                "show_if needs exactly one of equals, not_equals, in, is_true, all, any, not"
                f" (found {', '.join(n.rstrip('_') for n in used) or 'none'})"
            )
        if used[0] in self.COMPARISONS and not self.field:
            raise ValueError(f"show_if '{used[0].rstrip('_')}' needs 'field'")
        if used[0] in self.COMBINATIONS and self.field is not None:
            raise ValueError(f"show_if '{used[0].rstrip('_')}' takes no 'field'")
        if used[0] == "in_" and self.in_ is None:
            raise ValueError("show_if 'in' needs a list of values")
        if used[0] == "is_true" and self.is_true is None:
            raise ValueError("show_if 'is_true' needs true or false")
        return self

    def walk(self) -> Iterator[Condition]:
        """This condition and every nested one."""
        yield self
        for child in (*(self.all_ or ()), *(self.any_ or ())):
            yield from child.walk()
        if self.not_ is not None:
            yield from self.not_.walk()

    def compared_values(self) -> tuple[JsonScalar, ...]:
        """The literal values this (flat) condition compares its field against."""
        op = self.operator
        if op == "equals":
            return (self.equals,)
        if op == "not_equals":
            return (self.not_equals,)
        if op == "in":
            return self.in_ or ()
        return ()


# --------------------------------------------------------------------------- computed


def _arg_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "ref"
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dict | Computed):
        return "expr"
    return None


ComputedArg = Annotated[
    Annotated[str, Tag("ref")]
    | Annotated[float, Tag("number")]
    | Annotated["Computed", Tag("expr")],
    Discriminator(
        _arg_kind,
        custom_error_type="computed_arg",
        custom_error_message="computed args must be field ids, numbers or nested {op, args}",
    ),
]


class Computed(BaseModel):
    """A declarative expression, e.g. ``{"op": "multiply", "args": ["a", "$client.weight_kg"]}``.

    Arguments are field ids (``"dose_mg_per_kg"``), a log column (``"dose_log.time"``,
    a list), context references (``"$linked.session_date"``), numbers, or nested
    expressions. Evaluated by :mod:`kapnotes.domain.templates.computed`, never eval().
    """

    model_config = _FROZEN

    op: str
    args: tuple[ComputedArg, ...]

    @model_validator(mode="after")
    def _known_op(self) -> Computed:
        if self.op not in COMPUTED_OPS:
            known = ", ".join(sorted(COMPUTED_OPS))
            raise ValueError(f"computed op '{self.op}' unknown (known: {known})")
        low, high = COMPUTED_OPS[self.op]
        if len(self.args) < low or (high is not None and len(self.args) > high):
            if low == high:
                wanted = f"{low}"
            else:
                wanted = f"{low} or more" if high is None else f"{low}-{high}"
            raise ValueError(f"computed op '{self.op}' takes {wanted} args, got {len(self.args)}")
        return self

    def refs(self) -> Iterator[str]:
        """Every field or context reference used, nested expressions included."""
        for arg in self.args:
            if isinstance(arg, str):
                yield arg
            elif isinstance(arg, Computed):
                yield from arg.refs()


# --------------------------------------------------------------------------- fields


class Option(BaseModel):
    """One choice or checklist item: a stable value and the label shown."""

    model_config = _FROZEN

    value: str = Field(pattern=OPTION_PATTERN)
    label: str = Field(min_length=1)
    help: str = ""
    show_if: Condition | None = None


class Anchors(BaseModel):
    """The words at the two ends of a scale."""

    model_config = _FROZEN

    low: str = Field(min_length=1)
    high: str = Field(min_length=1)


class _FieldBase(BaseModel):
    """What every field has: id, label, help, signing rule, show_if, computed."""

    model_config = _FROZEN

    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1)
    help: str = ""
    required_to_sign: bool = False
    show_if: Condition | None = None
    computed: Computed | None = None
    allow_manual: bool = False
    default: Any = None

    def check_value(self, value: Any) -> list[ValueIssue]:
        """Problems with a non-empty value of this field (type, range, options)."""
        return []

    def is_empty(self, value: Any) -> bool:
        """Whether ``value`` counts as not filled in, for signing."""
        return is_blank(value)


def _check_text(value: Any, max_length: int | None) -> list[ValueIssue]:
    if not isinstance(value, str):
        return _error("must be text")
    if max_length is not None and len(value) > max_length:
        return _error(f"must be at most {max_length} characters")
    return []


class ShortTextField(_FieldBase):
    """One line of text."""

    type: Literal["short_text"]
    max_length: int | None = Field(default=None, ge=1)

    def check_value(self, value: Any) -> list[ValueIssue]:
        """Text, not longer than ``max_length``."""
        return _check_text(value, self.max_length)


class LongTextField(_FieldBase):
    """Free prose, several paragraphs."""

    type: Literal["long_text"]
    max_length: int | None = Field(default=None, ge=1)

    def check_value(self, value: Any) -> list[ValueIssue]:
        """Text, not longer than ``max_length``."""
        return _check_text(value, self.max_length)


def _check_limits(name: str, limits: tuple[float, float] | None) -> None:
    if limits is not None and limits[0] > limits[1]:
        raise ValueError(f"{name} min {limits[0]:g} > max {limits[1]:g}")


def _check_number(
    field: NumberField | IntegerField, value: Any, *, integer: bool
) -> list[ValueIssue]:
    if not is_number(value) or (integer and not isinstance(value, int)):
        return _error("must be a whole number" if integer else "must be a number")
    unit = f" {field.unit}" if field.unit else ""
    if field.range is not None:
        low, high = field.range
        if not low <= value <= high:
            return _error(f"must be between {low:g} and {high:g}{unit}")
    if field.plausible is not None:
        low, high = field.plausible
        if not low <= value <= high:
            return [ValueIssue("warning", f"{value:g}{unit} is unusual (usual {low:g}-{high:g})")]
    return []


class NumberField(_FieldBase):
    """A decimal number; ``range`` rejects, ``plausible`` only warns."""

    type: Literal["number"]
    unit: str = ""
    range: tuple[float, float] | None = None
    plausible: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _limits(self) -> NumberField:
        _check_limits("range", self.range)
        _check_limits("plausible", self.plausible)
        return self

    def check_value(self, value: Any) -> list[ValueIssue]:
        """A number inside ``range``; a warning outside ``plausible``."""
        return _check_number(self, value, integer=False)


class IntegerField(_FieldBase):
    """A whole number; ``range`` rejects, ``plausible`` only warns."""

    type: Literal["integer"]
    unit: str = ""
    range: tuple[int, int] | None = None
    plausible: tuple[int, int] | None = None

    @model_validator(mode="after")
    def _limits(self) -> IntegerField:
        _check_limits("range", self.range)
        _check_limits("plausible", self.plausible)
        return self

    def check_value(self, value: Any) -> list[ValueIssue]:
        """A whole number inside ``range``; a warning outside ``plausible``."""
        return _check_number(self, value, integer=True)


def _unique_options(options: tuple[Option, ...]) -> tuple[Option, ...]:
    seen: set[str] = set()
    for option in options:
        if option.value in seen:
            raise ValueError(f"duplicate option '{option.value}'")
        seen.add(option.value)
    return options


class _ChoiceBase(_FieldBase):
    options: tuple[Option, ...] = Field(min_length=1)
    allow_other: bool = False
    other_label: str = "Other"

    _unique = field_validator("options")(_unique_options)

    def option_values(self) -> list[str]:
        """The stored values of the options, in order."""
        return [option.value for option in self.options]

    def _check_choice(self, value: Any) -> list[ValueIssue]:
        if not isinstance(value, str):
            return _error("must be text")
        if value not in self.option_values() and not self.allow_other:
            return _error(f"'{value}' is not one of the options")
        return []


class SingleChoiceField(_ChoiceBase):
    """One of a list of options (plus free text when ``allow_other``)."""

    type: Literal["single_choice"]

    def check_value(self, value: Any) -> list[ValueIssue]:
        """An option value, or any text when ``allow_other``."""
        return self._check_choice(value)


class MultiChoiceField(_ChoiceBase):
    """Any number of options; free-text entries allowed when ``allow_other``."""

    type: Literal["multi_choice"]

    def check_value(self, value: Any) -> list[ValueIssue]:
        """A list of option values (and free text when ``allow_other``)."""
        if not isinstance(value, list | tuple):
            return _error("must be a list of choices")
        return [issue for item in value for issue in self._check_choice(item)]


class ChecklistField(_FieldBase):
    """Items to tick; the value is the list of ticked item values.

    ``None`` means "not reviewed"; ``[]`` means "reviewed, nothing ticked". With
    ``require_all`` every visible item must be ticked before signing unless the
    field named by ``override_field`` (a reason) is filled in.
    """

    type: Literal["checklist"]
    items: tuple[Option, ...] = Field(min_length=1)
    require_all: bool = False
    override_field: str | None = None

    _unique = field_validator("items")(_unique_options)

    def item_values(self) -> list[str]:
        """The stored values of the items, in order."""
        return [item.value for item in self.items]

    def check_value(self, value: Any) -> list[ValueIssue]:
        """A list of known item values."""
        if not isinstance(value, list | tuple):
            return _error("must be a list of ticked items")
        known = self.item_values()
        return [
            ValueIssue("error", f"'{item}' is not an item of this checklist")
            for item in value
            if item not in known
        ]

    def is_empty(self, value: Any) -> bool:
        """Only ``None`` is unanswered: an empty list means nothing applies."""
        return value is None


class ScaleField(_FieldBase):
    """A whole-number rating (0-10 by default) with words at both ends."""

    type: Literal["scale"]
    min: int = 0
    max: int = 10
    anchors: Anchors

    @model_validator(mode="after")
    def _bounds(self) -> ScaleField:
        if self.min >= self.max:
            raise ValueError(f"scale min {self.min} must be below max {self.max}")
        return self

    def check_value(self, value: Any) -> list[ValueIssue]:
        """A whole number from ``min`` to ``max``."""
        if not isinstance(value, int) or isinstance(value, bool):
            return _error("must be a whole number")
        if not self.min <= value <= self.max:
            return _error(f"must be between {self.min} and {self.max}")
        return []


class DateField(_FieldBase):
    """A calendar date, stored as ``YYYY-MM-DD``."""

    type: Literal["date"]

    def check_value(self, value: Any) -> list[ValueIssue]:
        """An ISO date."""
        if isinstance(value, str) and len(value) == 10 and parse_date(value) is not None:
            return []
        return _error("must be a date (YYYY-MM-DD)")


class TimeField(_FieldBase):
    """A clock time, stored as ``HH:MM`` (or ``HH:MM:SS``)."""

    type: Literal["time"]

    def check_value(self, value: Any) -> list[ValueIssue]:
        """A clock time."""
        if parse_time(value) is None or not isinstance(value, str):
            return _error("must be a time (HH:MM)")
        return []


class YesNoField(_FieldBase):
    """Yes or no; ``false`` is an answer, only ``None`` is empty."""

    type: Literal["yes_no"]

    def check_value(self, value: Any) -> list[ValueIssue]:
        """True or false."""
        return [] if isinstance(value, bool) else _error("must be yes or no")

    def is_empty(self, value: Any) -> bool:
        """Only ``None`` is unanswered."""
        return value is None


class InstrumentField(_FieldBase):
    """A rating instrument (``instrument_id``, e.g. ``phq9``); the value is its answers."""

    type: Literal["instrument"]
    instrument_id: str = Field(pattern=OPTION_PATTERN)

    def check_value(self, value: Any) -> list[ValueIssue]:
        """An object of answers (scored by the instruments module)."""
        return [] if isinstance(value, dict) else _error("must be a set of answers")


class NoteLinkField(_FieldBase):
    """A link to another note of this client (e.g. the dosing session integrated)."""

    type: Literal["note_link"]
    link_phase: Phase

    def check_value(self, value: Any) -> list[ValueIssue]:
        """A note id (text)."""
        return [] if isinstance(value, str) else _error("must be a note id")


ColumnField = Annotated[
    ShortTextField
    | LongTextField
    | NumberField
    | IntegerField
    | SingleChoiceField
    | MultiChoiceField
    | ScaleField
    | DateField
    | TimeField
    | YesNoField,
    Field(discriminator="type"),
]

LogType = Literal[
    "vitals_log", "dose_log", "observation_log", "adverse_events", "clinicians", "intervention_log"
]

#: Columns each log type must have (id -> accepted column types): the session
#: clock, alert rules and billing read these by id.
LOG_REQUIRED_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "vitals_log": {
        "time": ("time",),
        "systolic": ("integer", "number"),
        "diastolic": ("integer", "number"),
        "heart_rate": ("integer", "number"),
        "spo2": ("integer", "number"),
    },
    "dose_log": {
        "time": ("time",),
        "product": ("single_choice",),
        "dose_mg": ("number",),
    },
    "observation_log": {"time": ("time",), "text": ("long_text", "short_text")},
    "adverse_events": {"kind": ("single_choice",), "severity": ("single_choice",)},
    "clinicians": {"name": ("short_text",), "role": ("single_choice",)},
    "intervention_log": {"time": ("time",), "drug": ("short_text",)},
}


class LogField(_FieldBase):
    """A timestamped table: vitals, doses, observations, adverse events, clinicians.

    The value is a list of rows (objects keyed by column id). Columns are ordinary
    field specs; a column's ``computed`` may refer to sibling columns of its row.
    ``required_to_sign`` on the log means at least one row; on a column, that every
    row fills it.
    """

    type: LogType
    columns: tuple[ColumnField, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _columns(self) -> LogField:
        seen: set[str] = set()
        for column in self.columns:
            if column.id in seen:
                raise ValueError(f"duplicate column id '{column.id}'")
            seen.add(column.id)
            if column.show_if is not None:
                raise ValueError(f"column '{column.id}': show_if is not supported in log columns")
        by_id = {column.id: column for column in self.columns}
        for column_id, kinds in LOG_REQUIRED_COLUMNS[self.type].items():
            found = by_id.get(column_id)
            if found is None:
                raise ValueError(f"{self.type} needs a column '{column_id}'")
            if found.type not in kinds:
                raise ValueError(
                    f"{self.type} column '{column_id}' must be {' or '.join(kinds)}"
                    f", not {found.type}"
                )
        return self

    def column(self, column_id: str) -> ColumnField | None:
        """The column with this id, if any."""
        return next((c for c in self.columns if c.id == column_id), None)

    def check_value(self, value: Any) -> list[ValueIssue]:
        """A list of rows; each cell checked by its column (prefixed ``row N, label``)."""
        if not isinstance(value, list | tuple):
            return _error("must be a list of entries")
        issues: list[ValueIssue] = []
        for number, row in enumerate(value, start=1):
            if not isinstance(row, dict):
                issues.append(ValueIssue("error", f"row {number}: must be an entry"))
                continue
            for column in self.columns:
                cell = row.get(column.id)
                if is_blank(cell) and not isinstance(cell, bool):
                    continue
                for issue in column.check_value(cell):
                    prefix = f"row {number}, {column.label}: "
                    issues.append(ValueIssue(issue.severity, prefix + issue.message))
        return issues


AnyField = Annotated[
    ShortTextField
    | LongTextField
    | NumberField
    | IntegerField
    | SingleChoiceField
    | MultiChoiceField
    | ChecklistField
    | ScaleField
    | DateField
    | TimeField
    | YesNoField
    | InstrumentField
    | NoteLinkField
    | LogField,
    Field(discriminator="type"),
]

FIELD_TYPES: tuple[str, ...] = (
    "short_text",
    "long_text",
    "number",
    "integer",
    "single_choice",
    "multi_choice",
    "checklist",
    "scale",
    "date",
    "time",
    "yes_no",
    "instrument",
    "note_link",
    *LOG_REQUIRED_COLUMNS,
)


def narrative_fields(
    layout: NarrativeLayout, section_id: str = "narrative", *, required: bool = False
) -> tuple[LongTextField, ...]:
    """The long-text sub-fields a narrative section shows for ``layout``."""
    return tuple(
        LongTextField(
            type="long_text",
            id=narrative_field_id(section_id, heading.key),
            label=heading.title,
            help=heading.help,
            required_to_sign=required,
        )
        for heading in layout_headings(layout)
    )


# --------------------------------------------------------------------------- sections


class Section(BaseModel):
    """A titled group of fields; ``narrative`` sections follow the clinic's layout."""

    model_config = _FROZEN

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    help: str = ""
    narrative: bool = False
    required_to_sign: bool = False
    show_if: Condition | None = None
    fields: tuple[AnyField, ...] = ()

    @model_validator(mode="after")
    def _has_fields(self) -> Section:
        if not self.narrative and not self.fields:
            raise ValueError(f"section '{self.id}' has no fields")
        return self

    def narrative_fields(self, layout: NarrativeLayout) -> tuple[LongTextField, ...]:
        """This section's narrative sub-fields for ``layout`` (none unless narrative)."""
        if not self.narrative:
            return ()
        return narrative_fields(layout, self.id, required=self.required_to_sign)


# --------------------------------------------------------------------------- template


class TemplateSpec(BaseModel):
    """One note template: id, version, title, phase and its sections."""

    model_config = _FROZEN

    id: str = Field(pattern=ID_PATTERN)
    version: StrictInt = Field(ge=1)
    title: str = Field(min_length=1)
    phase: Phase
    description: str = ""
    sections: tuple[Section, ...] = Field(min_length=1)

    def fields(self) -> Iterator[AnyField]:
        """Every declared field in order (narrative sub-fields not included)."""
        for section in self.sections:
            yield from section.fields

    def field_map(self) -> dict[str, AnyField]:
        """Declared fields by id."""
        return {field.id: field for field in self.fields()}

    def field(self, field_id: str) -> AnyField:
        """The field with this id; KeyError when there is none."""
        found = self.field_map().get(field_id)
        if found is None:
            raise KeyError(field_id)
        return found

    def section_of(self, field_id: str) -> Section:
        """The section holding a declared field; KeyError when there is none."""
        for section in self.sections:
            if any(field.id == field_id for field in section.fields):
                return section
        raise KeyError(field_id)

    def snapshot(self) -> dict[str, Any]:
        """The spec as JSON-ready data, to store with a note; ``model_validate`` reads it."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    @model_validator(mode="after")
    def _references(self) -> TemplateSpec:
        problems = _cross_check(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self


def _check_ref(
    ref: str, fields: Mapping[str, AnyField], *, columns: Mapping[str, Any] | None = None
) -> str | None:
    """None when ``ref`` resolves, else what is wrong with it."""
    if ref.startswith("$"):
        namespace, _, key = ref[1:].partition(".")
        if namespace not in CONTEXT_NAMESPACES or not key:
            known = ", ".join(f"${n}.…" for n in CONTEXT_FIELDS)
            return f"unknown context reference '{ref}' (known: {known})"
        return None
    if columns is not None and ref in columns:
        return None
    head, dot, column = ref.partition(".")
    target = fields.get(head)
    if target is None:
        return f"unknown field '{head}'"
    if dot:
        if not isinstance(target, LogField):
            return f"'{head}' is not a log, so '{ref}' names no column"
        if target.column(column) is None:
            return f"log '{head}' has no column '{column}'"
    return None


def _check_condition(
    owner: str, condition: Condition, fields: Mapping[str, AnyField], self_id: str | None = None
) -> list[str]:
    problems: list[str] = []
    for node in condition.walk():
        if node.field is None:
            continue
        if node.field == self_id:
            problems.append(f"{owner}: show_if refers to the field itself")
            continue
        wrong = _check_ref(node.field, fields)
        if wrong is not None:
            problems.append(f"{owner}: show_if refers to {wrong}")
            continue
        target = fields.get(node.field)
        if isinstance(target, _ChoiceBase | ChecklistField) and not getattr(
            target, "allow_other", False
        ):
            known = (
                target.item_values()
                if isinstance(target, ChecklistField)
                else target.option_values()
            )
            for value in node.compared_values():
                if value not in known:
                    problems.append(
                        f"{owner}: show_if value {value!r} is not an option of '{node.field}'"
                    )
    return problems


def _cross_check(spec: TemplateSpec) -> list[str]:
    problems: list[str] = []
    fields: dict[str, AnyField] = {}
    section_ids: set[str] = set()
    for section in spec.sections:
        if section.id in section_ids:
            problems.append(f"section '{section.id}': duplicate section id")
        section_ids.add(section.id)
        for field in section.fields:
            if field.id in fields:
                problems.append(f"field '{field.id}': duplicate field id")
            fields[field.id] = field
    for section in spec.sections:
        if section.narrative:
            for sub_id in sorted(all_narrative_field_ids(section.id)):
                if sub_id in fields:
                    problems.append(
                        f"field '{sub_id}': duplicate field id"
                        f" (narrative section '{section.id}' uses it)"
                    )
        if section.show_if is not None:
            problems += _check_condition(f"section '{section.id}'", section.show_if, fields)
    for field in spec.fields():
        owner = f"field '{field.id}'"
        if field.show_if is not None:
            problems += _check_condition(owner, field.show_if, fields, field.id)
        if isinstance(field, ChecklistField):
            for item in field.items:
                if item.show_if is not None:
                    problems += _check_condition(
                        f"{owner} item '{item.value}'", item.show_if, fields, field.id
                    )
            if field.override_field is not None and field.override_field not in fields:
                problems.append(
                    f"{owner}: override_field refers to unknown field '{field.override_field}'"
                )
        if field.computed is not None:
            for ref in field.computed.refs():
                wrong = _check_ref(ref, fields)
                if wrong is not None:
                    problems.append(f"{owner}: computed refers to {wrong}")
        if isinstance(field, LogField):
            columns = {column.id: column for column in field.columns}
            for column in field.columns:
                if column.computed is None:
                    continue
                for ref in column.computed.refs():
                    wrong = _check_ref(ref, fields, columns=columns)
                    if wrong is not None:
                        problems.append(f"{owner} column '{column.id}': computed refers to {wrong}")
        if field.default is not None:
            for issue in field.check_value(field.default):
                if issue.severity == "error":
                    problems.append(f"{owner}: default {issue.message}")
    if not problems:
        problems += _computed_cycles(spec)
    return problems


def _computed_cycles(spec: TemplateSpec) -> list[str]:
    graph: dict[str, list[str]] = {}
    for field in spec.fields():
        if field.computed is not None:
            graph[field.id] = [
                ref.partition(".")[0] for ref in field.computed.refs() if not ref.startswith("$")
            ]
    problems: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) == 2 or node not in graph:
            return
        if state.get(node) == 1:
            cycle = " -> ".join([*path[path.index(node) :], node])
            problems.append(f"field '{node}': computed fields refer to each other ({cycle})")
            return
        state[node] = 1
        for nxt in graph[node]:
            visit(nxt, [*path, node])
        state[node] = 2

    for node in graph:
        visit(node, [])
    return problems[:1]


def _references(spec: TemplateSpec) -> Iterator[tuple[str, str, str]]:
    """Every reference in ``spec`` as (owner, ``show_if`` or ``computed``, reference)."""

    def condition_refs(owner: str, condition: Condition | None) -> Iterator[tuple[str, str, str]]:
        if condition is not None:
            for node in condition.walk():
                if node.field is not None:
                    yield owner, "show_if", node.field

    for section in spec.sections:
        yield from condition_refs(f"section '{section.id}'", section.show_if)
    for field in spec.fields():
        owner = f"field '{field.id}'"
        yield from condition_refs(owner, field.show_if)
        if isinstance(field, ChecklistField):
            for item in field.items:
                yield from condition_refs(f"{owner} item '{item.value}'", item.show_if)
        if isinstance(field, _ChoiceBase):
            for option in field.options:
                yield from condition_refs(f"{owner} option '{option.value}'", option.show_if)
        if field.computed is not None:
            yield from ((owner, "computed", ref) for ref in field.computed.refs())
        if isinstance(field, LogField):
            for column in field.columns:
                if column.computed is not None:
                    column_owner = f"{owner} column '{column.id}'"
                    yield from ((column_owner, "computed", ref) for ref in column.computed.refs())


def context_reference_problems(spec: TemplateSpec) -> list[str]:
    """Each ``$…`` reference of ``spec`` that names nothing a note's context holds.

    One line per problem, e.g. ``field 'dose_mg': computed reads $client.weight,
    which does not exist; client fields are: name, weight_kg, date_of_birth, id``.
    Template files must have none (the loader refuses them); a snapshot stored
    with an old note is not held to this, so the note still opens as written.
    """
    has_note_link = any(isinstance(field, NoteLinkField) for field in spec.fields())
    problems: list[str] = []
    for owner, kind, ref in _references(spec):
        if not ref.startswith("$"):
            continue
        wrong = context_reference_problem(ref, has_note_link=has_note_link)
        line = f"{owner}: {kind} {wrong}"
        if wrong is not None and line not in problems:
            problems.append(line)
    return problems


Condition.model_rebuild()
Computed.model_rebuild()


def is_field_id(text: str) -> bool:
    """Whether ``text`` is a valid field id (snake_case)."""
    return _ID_RE.fullmatch(text) is not None
