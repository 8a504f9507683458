"""Note templates as data: the format, its loader and the evaluator of its rules.

A template is a JSON file (``resources/templates/*.json`` or a clinic's own
folder) validated into a :class:`TemplateSpec`. ``show_if`` conditions and
``computed`` expressions are declarative and evaluated here, never by eval().
This package is pure Python (pydantic only): no Qt, no SQLAlchemy.
"""

from __future__ import annotations

from kapnotes.domain.templates.errors import TemplateError
from kapnotes.domain.templates.evaluate import (
    compute_values,
    evaluate_computed,
    evaluate_condition,
    is_visible,
    resolve_ref,
    section_visible,
    visible_fields,
    visible_items,
)
from kapnotes.domain.templates.loader import (
    LoadResult,
    bundled_templates_dir,
    load_template_file,
    load_templates,
    parse_template,
)
from kapnotes.domain.templates.model import (
    COMPUTED_OPS,
    CONTEXT_NAMESPACES,
    FIELD_TYPES,
    LOG_REQUIRED_COLUMNS,
    Anchors,
    AnyField,
    ChecklistField,
    ColumnField,
    Computed,
    Condition,
    DateField,
    InstrumentField,
    IntegerField,
    LogField,
    LongTextField,
    MultiChoiceField,
    NoteLinkField,
    NumberField,
    Option,
    ScaleField,
    Section,
    ShortTextField,
    SingleChoiceField,
    TemplateSpec,
    TimeField,
    ValueIssue,
    YesNoField,
    narrative_fields,
)
from kapnotes.domain.templates.narrative import (
    LAYOUT_HEADINGS,
    NarrativeHeading,
    NarrativeLayout,
    layout_headings,
)
from kapnotes.domain.templates.values import ValueProblem, missing_for_signing, validate_values

__all__ = [
    "COMPUTED_OPS",
    "CONTEXT_NAMESPACES",
    "FIELD_TYPES",
    "LAYOUT_HEADINGS",
    "LOG_REQUIRED_COLUMNS",
    "Anchors",
    "AnyField",
    "ChecklistField",
    "ColumnField",
    "Computed",
    "Condition",
    "DateField",
    "InstrumentField",
    "IntegerField",
    "LoadResult",
    "LogField",
    "LongTextField",
    "MultiChoiceField",
    "NarrativeHeading",
    "NarrativeLayout",
    "NoteLinkField",
    "NumberField",
    "Option",
    "ScaleField",
    "Section",
    "ShortTextField",
    "SingleChoiceField",
    "TemplateError",
    "TemplateSpec",
    "TimeField",
    "ValueIssue",
    "ValueProblem",
    "YesNoField",
    "bundled_templates_dir",
    "compute_values",
    "evaluate_computed",
    "evaluate_condition",
    "is_visible",
    "layout_headings",
    "load_template_file",
    "load_templates",
    "missing_for_signing",
    "narrative_fields",
    "parse_template",
    "resolve_ref",
    "section_visible",
    "validate_values",
    "visible_fields",
    "visible_items",
]
