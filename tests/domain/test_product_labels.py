"""Products are named one way everywhere: the label table and the templates' choices agree."""

from __future__ import annotations

from kapnotes.domain.clients import PRODUCT_LABELS, Product, product_label
from kapnotes.domain.templates import SingleChoiceField, load_templates


def test_every_bundled_product_choice_uses_the_label_table() -> None:
    products = {p.value for p in Product}
    seen: list[str] = []
    for template_id, spec in load_templates().templates.items():
        for field in spec.fields():
            if not isinstance(field, SingleChoiceField) or not field.options:
                continue
            if not all(option.value in products for option in field.options):
                continue
            seen.append(f"{template_id}.{field.id}")
            for option in field.options:
                assert option.label == PRODUCT_LABELS[Product(option.value)], seen[-1]
    assert sorted(seen) == ["dosing.planned_product", "preparation.planned_product"]


def test_the_label_of_an_unknown_code_is_the_code() -> None:
    assert product_label("esketamine_intranasal") == "Esketamine intranasal"
    assert product_label("mdma") == "mdma"
