"""The clinic's pre-dose and discharge checklists, put into a dosing template.

The checklists are clinic settings (Settings → Clinic settings → Checklists), and
the dosing template holds the fields they are ticked in: ``pre_dose_checklist``
and ``discharge_criteria``. When a dosing note is started,
:func:`with_clinic_checklists` gives the template those fields with the clinic's
items, and that template is what the note keeps (its snapshot): the editor, the
live session's gates, signing and the printed note all read the same items, and a
later change of the settings leaves the note as it was written.

A pre-dose item ``only_for`` a product is shown only when the note's
``planned_product`` is that product (a ``show_if`` on the item).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from kapnotes.domain.session.settings import ChecklistItem, ClinicSettings, PreDoseItem
from kapnotes.domain.templates.model import ChecklistField, TemplateSpec

#: The dosing template's fields that take the clinic's checklists.
PRE_DOSE_FIELD: Final = "pre_dose_checklist"
DISCHARGE_FIELD: Final = "discharge_criteria"
#: The field whose value says which product is planned (for ``only_for``).
PRODUCT_FIELD: Final = "planned_product"


def _items(items: Sequence[ChecklistItem], product_known: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        data: dict[str, Any] = {"value": item.value, "label": item.label}
        only_for = item.only_for if isinstance(item, PreDoseItem) else None
        if only_for is not None and product_known:
            data["show_if"] = {"field": PRODUCT_FIELD, "equals": only_for.value}
        out.append(data)
    return out


def with_clinic_checklists(spec: TemplateSpec, settings: ClinicSettings) -> TemplateSpec:
    """``spec`` with the clinic's items in its ``pre_dose_checklist`` and
    ``discharge_criteria`` checklist fields (each field's other properties kept).

    A template without those fields comes back unchanged. Without a
    ``planned_product`` field an ``only_for`` item is shown for every note.
    Raises pydantic's ValidationError only if the result is not a valid template
    (cannot happen with valid settings: their item values follow the option pattern).
    """
    fields = spec.field_map()
    replaced: dict[str, list[dict[str, Any]]] = {}
    product_known = PRODUCT_FIELD in fields
    for field_id, items in (
        (PRE_DOSE_FIELD, settings.pre_dose_checklist),
        (DISCHARGE_FIELD, settings.discharge_checklist),
    ):
        if isinstance(fields.get(field_id), ChecklistField):
            replaced[field_id] = _items(items, product_known)
    if not replaced:
        return spec
    data = spec.snapshot()
    for section in data["sections"]:
        for field in section.get("fields", ()):
            if field["id"] in replaced:
                field["items"] = replaced[field["id"]]
    return TemplateSpec.model_validate(data)
