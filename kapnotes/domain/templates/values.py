"""Checking a note's values against its template: inline problems and signing gaps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from kapnotes.domain.templates.evaluate import (
    Context,
    compute_values,
    evaluate_condition,
    section_visible,
    visible_fields,
    visible_items,
)
from kapnotes.domain.templates.model import (
    ChecklistField,
    LogField,
    TemplateSpec,
    is_blank,
)
from kapnotes.domain.templates.narrative import NarrativeLayout


@dataclass(frozen=True, slots=True)
class ValueProblem:
    """One problem with one field's value, for showing next to that field.

    ``severity`` is ``error`` (out of range, wrong type: the value is rejected) or
    ``warning`` (outside the plausible range: the clinician is asked to check).
    """

    field_id: str
    label: str
    severity: Literal["error", "warning"]
    message: str

    def __str__(self) -> str:
        return f"{self.label}: {self.message}"


def validate_values(
    spec: TemplateSpec, values: Mapping[str, Any], context: Context | None = None
) -> list[ValueProblem]:
    """Type and range problems of the filled-in, visible fields (hidden ones are ignored).

    Empty values are not problems here (see :func:`missing_for_signing`); keys
    that are not fields of the template are ignored.
    """
    problems: list[ValueProblem] = []
    for field in visible_fields(spec, values, context):
        if field.computed is not None and not field.allow_manual:
            continue
        value = values.get(field.id)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        for issue in field.check_value(value):
            problems.append(ValueProblem(field.id, field.label, issue.severity, issue.message))
    return problems


def _checklist_incomplete(
    field: ChecklistField,
    value: Any,
    values: Mapping[str, Any],
    context: Context | None,
) -> bool:
    if not field.require_all:
        return False
    if field.override_field is not None and not is_blank(values.get(field.override_field)):
        return False
    ticked = set(value or ())
    return any(item.value not in ticked for item in visible_items(field, values, context))


def _log_gaps(field: LogField, value: Any) -> list[str]:
    required = [column for column in field.columns if column.required_to_sign]
    gaps: list[str] = []
    for number, row in enumerate(value or (), start=1):
        if not isinstance(row, Mapping):
            continue
        for column in required:
            if column.is_empty(row.get(column.id)):
                gaps.append(f"{field.label} (row {number}): {column.label}")
    return gaps


def missing_for_signing(
    spec: TemplateSpec,
    values: Mapping[str, Any],
    layout: NarrativeLayout = NarrativeLayout.SOAP,
    context: Context | None = None,
) -> list[str]:
    """Labels of what must still be filled in before the note can be signed.

    A field counts when it is ``required_to_sign`` and visible (its section's and
    its own ``show_if`` hold) and empty; computed fields are computed first. A
    ``require_all`` checklist counts while a visible item is unticked (unless its
    override reason is given); a log column that is ``required_to_sign`` counts
    per row (``"Vitals (row 2): Time"``); a required narrative section needs every
    heading of ``layout``.
    """
    filled = compute_values(spec, values, context)
    missing: list[str] = []
    for section in spec.sections:
        if not section_visible(section, filled, context):
            continue
        for sub in section.narrative_fields(layout):
            if sub.required_to_sign and sub.is_empty(filled.get(sub.id)):
                missing.append(sub.label)
        for field in section.fields:
            if field.show_if is not None and not evaluate_condition(field.show_if, filled, context):
                continue
            value = filled.get(field.id)
            if field.required_to_sign and (
                field.is_empty(value)
                or (
                    isinstance(field, ChecklistField)
                    and _checklist_incomplete(field, value, filled, context)
                )
            ):
                missing.append(field.label)
            if isinstance(field, LogField):
                missing.extend(_log_gaps(field, value))
    return missing
