"""The small evaluator for ``show_if`` conditions and ``computed`` expressions.

Both are plain data walked by this module; nothing in a template is ever run as
code. Values are a note's field values keyed by field id; ``context`` holds what
``$name.key`` references read, e.g. ``{"client": {"weight_kg": 80}, "linked":
{"session_date": "2026-03-02"}}`` (mappings or objects with attributes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time
from typing import Any

from kapnotes.domain.templates.model import (
    AnyField,
    ChecklistField,
    Computed,
    Condition,
    LogField,
    Option,
    Section,
    TemplateSpec,
    is_blank,
    is_number,
    parse_date,
    parse_time,
)
from kapnotes.domain.timeline import ClockTime, instants_of

Context = Mapping[str, Any]
_MISSING = object()


def _lookup(container: Any, key: str) -> Any:
    if isinstance(container, Mapping):
        return container.get(key)
    if container is None:
        return None
    return getattr(container, key, None)


def resolve_ref(
    ref: str,
    values: Mapping[str, Any],
    context: Context | None = None,
    row: Mapping[str, Any] | None = None,
) -> Any:
    """The value a reference names: ``field``, ``log.column`` (a list), ``$ns.a.b``.

    Inside a log row, a plain name is the sibling column first.
    """
    if ref.startswith("$"):
        current: Any = context or {}
        for part in ref[1:].split("."):
            current = _lookup(current, part)
        return current
    if row is not None and ref in row:
        return _stamped(row, ref)
    head, dot, column = ref.partition(".")
    value = values.get(head)
    if not dot:
        return _stamped(values, head)
    if not isinstance(value, list | tuple):
        return []
    return [_stamped(entry, column) if isinstance(entry, Mapping) else None for entry in value]


def _stamped(container: Mapping[str, Any], key: str) -> Any:
    """A value; a clock time that has an instant beside it comes as a :class:`ClockTime`."""
    value = container.get(key)
    if isinstance(value, str) and not isinstance(value, ClockTime):
        instant = instants_of(dict(container)).get(key)
        if instant is not None:
            return ClockTime(value, instant)
    return value


# --------------------------------------------------------------------------- conditions


def _same(a: Any, b: Any) -> bool:
    """Equality that keeps booleans apart from 0 and 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def _equals(value: Any, target: Any) -> bool:
    if isinstance(value, list | tuple):
        return any(_same(item, target) for item in value)
    return _same(value, target)


def evaluate_condition(
    condition: Condition, values: Mapping[str, Any], context: Context | None = None
) -> bool:
    """Whether ``condition`` holds for these values."""
    op = condition.operator
    if op == "all":
        return all(evaluate_condition(c, values, context) for c in condition.all_ or ())
    if op == "any":
        return any(evaluate_condition(c, values, context) for c in condition.any_ or ())
    if op == "not":
        assert condition.not_ is not None
        return not evaluate_condition(condition.not_, values, context)
    assert condition.field is not None
    value = resolve_ref(condition.field, values, context)
    if op == "equals":
        return _equals(value, condition.equals)
    if op == "not_equals":
        return not _equals(value, condition.not_equals)
    if op == "in":
        return any(_equals(value, target) for target in condition.in_ or ())
    # is_true: filled in / yes when true; empty / no when false.
    truthy = value is True if isinstance(value, bool) else not is_blank(value)
    return truthy is bool(condition.is_true)


def _shown(condition: Condition | None, values: Mapping[str, Any], context: Context | None) -> bool:
    return condition is None or evaluate_condition(condition, values, context)


def section_visible(
    section: Section, values: Mapping[str, Any], context: Context | None = None
) -> bool:
    """Whether the section's ``show_if`` holds."""
    return _shown(section.show_if, values, context)


def visible_fields(
    spec: TemplateSpec, values: Mapping[str, Any], context: Context | None = None
) -> Iterator[AnyField]:
    """The declared fields shown for these values (section and field ``show_if``)."""
    for section in spec.sections:
        if not section_visible(section, values, context):
            continue
        for field in section.fields:
            if _shown(field.show_if, values, context):
                yield field


def is_visible(
    spec: TemplateSpec,
    field_id: str,
    values: Mapping[str, Any],
    context: Context | None = None,
) -> bool:
    """Whether one declared field is shown for these values."""
    section = spec.section_of(field_id)
    field = spec.field(field_id)
    return section_visible(section, values, context) and _shown(field.show_if, values, context)


def visible_items(
    field: ChecklistField, values: Mapping[str, Any], context: Context | None = None
) -> list[Option]:
    """The checklist items shown for these values (item ``show_if``)."""
    return [item for item in field.items if _shown(item.show_if, values, context)]


# --------------------------------------------------------------------------- computed


def _flat(args: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for arg in args:
        if isinstance(arg, list | tuple):
            out.extend(arg)
        else:
            out.append(arg)
    return out


def _numbers(args: list[Any]) -> list[float] | None:
    """All args as numbers (lists flattened, their blanks skipped); None if a scalar is blank."""
    out: list[float] = []
    for arg in args:
        if isinstance(arg, list | tuple):
            out.extend(item for item in arg if is_number(item))
        elif is_number(arg):
            out.append(arg)
        else:
            return None
    return out


def _tidy(number: float) -> float | int:
    rounded = round(number, 6)
    return int(rounded) if float(rounded).is_integer() else rounded


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value) > 10 and "T" in value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _minutes_between(a: Any, b: Any) -> float | int | None:
    """Elapsed minutes: between instants where the clock times have them (a clock change
    counts as the real minutes it is), else between clock times (an end before the
    start is past midnight)."""
    start_at, end_at = getattr(a, "instant", None), getattr(b, "instant", None)
    if isinstance(start_at, datetime) and isinstance(end_at, datetime):
        return _tidy((end_at - start_at).total_seconds() / 60)
    start_dt, end_dt = _as_datetime(a), _as_datetime(b)
    if start_dt is not None and end_dt is not None:
        return _tidy((end_dt - start_dt).total_seconds() / 60)
    start, end = parse_time(a), parse_time(b)
    if not isinstance(start, time) or not isinstance(end, time):
        return None
    minutes = (end.hour * 60 + end.minute + end.second / 60) - (
        start.hour * 60 + start.minute + start.second / 60
    )
    if minutes < 0:  # clock times: an end earlier than the start is past midnight
        minutes += 24 * 60
    return _tidy(minutes)


def _days_between(a: Any, b: Any) -> int | None:
    start, end = parse_date(a), parse_date(b)
    if not isinstance(start, date) or not isinstance(end, date):
        return None
    return (end - start).days


def _apply(op: str, args: list[Any]) -> Any:
    if op in ("first", "last"):
        items = [a for a in _flat(args) if not is_blank(a)]
        if not items:
            return None
        return items[0] if op == "first" else items[-1]
    if op == "count":
        return sum(1 for a in _flat(args) if not is_blank(a))
    if op == "days_between":
        return _days_between(args[0], args[1])
    if op == "minutes_between":
        return _minutes_between(args[0], args[1])
    numbers = _numbers(args)
    if numbers is None:
        return None
    result: float
    if op in ("add", "sum"):
        result = sum(numbers)
    elif op in ("min", "max"):
        if not numbers:
            return None
        result = min(numbers) if op == "min" else max(numbers)
    elif op == "round":
        digits = int(numbers[1]) if len(numbers) > 1 else 0
        return _tidy(round(numbers[0], digits))
    elif len(numbers) != len(args):  # arithmetic on a whole log column is not meaningful
        return None
    elif op == "multiply":
        result = 1.0
        for number in numbers:
            result *= number
    elif op == "subtract":
        result = numbers[0] - numbers[1]
    elif op == "divide":
        if numbers[1] == 0:
            return None
        result = numbers[0] / numbers[1]
    else:  # pragma: no cover - ops are validated when the template loads
        raise ValueError(f"unknown computed op {op!r}")
    return _tidy(result)


def evaluate_computed(
    expr: Computed,
    values: Mapping[str, Any],
    context: Context | None = None,
    row: Mapping[str, Any] | None = None,
) -> Any:
    """The value of a computed expression, or None when an input is missing."""
    args: list[Any] = []
    for arg in expr.args:
        if isinstance(arg, Computed):
            args.append(evaluate_computed(arg, values, context, row))
        elif isinstance(arg, str):
            args.append(resolve_ref(arg, values, context, row))
        else:
            args.append(arg)
    return _apply(expr.op, args)


def _resolve(field: AnyField, result: Any, entered: Any) -> Any:
    if result is None and field.allow_manual:
        return entered
    return result


def compute_values(
    spec: TemplateSpec, values: Mapping[str, Any], context: Context | None = None
) -> dict[str, Any]:
    """A copy of ``values`` with every computed field (and log column) filled in.

    A computed field whose inputs are missing becomes None, unless it has
    ``allow_manual``, in which case the value the clinician typed is kept.
    """
    out: dict[str, Any] = dict(values)
    for field in spec.fields():
        if not isinstance(field, LogField) or not isinstance(out.get(field.id), list):
            continue
        rows: list[Any] = []
        for row in out[field.id]:
            if isinstance(row, Mapping):
                filled = dict(row)
                for column in field.columns:
                    if column.computed is not None:
                        result = evaluate_computed(column.computed, out, context, filled)
                        filled[column.id] = _resolve(column, result, row.get(column.id))
                rows.append(filled)
            else:
                rows.append(row)
        out[field.id] = rows
    computed = [field for field in spec.fields() if field.computed is not None]
    # Computed fields may read each other (cycles are rejected on load): iterate to a fixpoint.
    for _ in range(len(computed) + 1):
        changed = False
        for field in computed:
            assert field.computed is not None
            result = _resolve(
                field, evaluate_computed(field.computed, out, context), values.get(field.id)
            )
            if out.get(field.id, _MISSING) != result:
                out[field.id] = result
                changed = True
        if not changed:
            break
    return out
