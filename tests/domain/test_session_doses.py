"""The medicine log: mg from mg/kg, template rows, and usual-range warnings."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from kapnotes.domain.clients import Product
from kapnotes.domain.session import (
    ClinicSettings,
    DoseEntry,
    DoseInputError,
    dose_mg,
    dose_warnings,
    first_dose_time,
    infusion_rate,
    mg_per_kg,
    plain_number,
    product_from,
    product_route,
)

T0 = datetime(2031, 3, 3, 10, 0)
DEFAULTS = ClinicSettings()


def test_mg_per_kg_times_weight() -> None:
    assert dose_mg(mg_per_kg=0.75, weight_kg=80) == 60
    assert dose_mg(mg_per_kg=0.5, weight_kg=72.4) == 36.2
    assert dose_mg(mg=150) == 150
    assert dose_mg(mg=60, mg_per_kg=0.75, weight_kg=80) == 60


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"mg_per_kg": 0.75}, "dose_mg_per_kg", "weight"),
        ({}, "dose_mg", "mg or in mg/kg"),
        ({"mg": 0}, "dose_mg", "above 0"),
        ({"mg_per_kg": -0.5, "weight_kg": 80}, "dose_mg_per_kg", "above 0"),
        ({"mg_per_kg": 0.5, "weight_kg": 0}, "dose_mg_per_kg", "weight"),
        ({"mg": 70, "mg_per_kg": 0.75, "weight_kg": 80}, "dose_mg", "does not match"),
    ],
)
def test_dose_input_errors_name_the_field(kwargs: dict[str, float], field: str, words: str) -> None:
    with pytest.raises(DoseInputError, match=words) as caught:
        dose_mg(**kwargs)
    assert caught.value.field == field


@pytest.mark.parametrize("product", list(Product))
def test_product_route_round_trip(product: Product) -> None:
    assert product_from(*product_route(product)) is product


def test_unknown_product_route() -> None:
    with pytest.raises(DoseInputError, match="not a known product"):
        product_from("esketamine", "iv")


def test_dose_log_row_maps_one_to_one() -> None:
    row = {
        "time": "10:00",
        "product": "racemic_ketamine",
        "route": "im",
        "dose_mg_per_kg": 0.75,
        "dose_mg": None,
        "lot_number": "LOT-TEST-1",
    }
    dose = DoseEntry.from_entry(row, date(2031, 3, 3), weight_kg=80)
    assert dose == DoseEntry(T0, Product.KETAMINE_IM, 60.0, 0.75, "LOT-TEST-1")
    assert dose.to_entry() == {**row, "dose_mg": 60.0}
    with pytest.raises(DoseInputError) as caught:
        DoseEntry.from_entry(row, date(2031, 3, 3))
    assert caught.value.field == "dose_mg_per_kg"


def test_first_dose_time() -> None:
    doses = [
        DoseEntry(T0 + timedelta(minutes=20), Product.KETAMINE_SUBLINGUAL, 100),
        DoseEntry(T0, Product.KETAMINE_SUBLINGUAL, 200),
    ]
    assert first_dose_time(doses) == T0
    assert first_dose_time([]) is None


def _earlier(product: Product, *mgs: float) -> list[DoseEntry]:
    return [DoseEntry(T0 + timedelta(minutes=20 * i), product, mg) for i, mg in enumerate(mgs)]


@pytest.mark.parametrize(
    ("product", "mg", "weight", "previous", "codes"),
    [
        (Product.KETAMINE_IV, 40, 80, [], []),  # 0.5 mg/kg
        (Product.KETAMINE_IV, 60, 80, [], []),  # 0.75 mg/kg, the top of the range
        (Product.KETAMINE_IV, 64, 80, [], ["above_range"]),  # 0.8 mg/kg
        (Product.KETAMINE_IV, 4, 80, [], ["below_range"]),  # 0.05 mg/kg
        (Product.KETAMINE_IV, 20, 80, [40], []),  # booster: total 60 mg = 0.75 mg/kg
        (Product.KETAMINE_IV, 24, 80, [40], ["above_range"]),  # total 0.8 mg/kg
        (Product.KETAMINE_IM, 40, 80, [], []),  # 0.5 mg/kg
        (Product.KETAMINE_IM, 40, 80, [40], []),  # total 1.0 mg/kg
        (Product.KETAMINE_IM, 40, 80, [48], ["above_range"]),  # total 1.1 mg/kg
        (Product.KETAMINE_IM, 40, None, [], ["weight_unknown"]),
        (Product.KETAMINE_SUBLINGUAL, 200, None, [], []),
        (Product.KETAMINE_SUBLINGUAL, 200, None, [150], ["above_range"]),  # total 350 mg
        (Product.KETAMINE_ORAL, 20, None, [], ["below_range"]),
        (Product.ESKETAMINE_INTRANASAL, 56, None, [], []),
        (Product.ESKETAMINE_INTRANASAL, 84, None, [], []),
        (Product.ESKETAMINE_INTRANASAL, 28, None, [28, 28], []),  # three devices
        (Product.ESKETAMINE_INTRANASAL, 28, None, [28, 28, 28], ["above_range"]),
        (Product.ESKETAMINE_INTRANASAL, 70, None, [], ["unusual_total"]),
        (Product.ESKETAMINE_INTRANASAL, 28, None, [], ["below_range"]),  # total so far
    ],
)
def test_dose_warnings(
    product: Product,
    mg: float,
    weight: float | None,
    previous: list[float],
    codes: list[str],
) -> None:
    warnings = dose_warnings(product, mg, weight, DEFAULTS, _earlier(product, *previous))
    assert [w.code for w in warnings] == codes


def test_warning_messages_show_the_total_and_range() -> None:
    [warning] = dose_warnings(
        Product.KETAMINE_IM, 40, 80, DEFAULTS, _earlier(Product.KETAMINE_IM, 48)
    )
    assert warning.message == (
        "1.1 mg/kg (session total incl. 1 earlier dose(s)) is above the usual range 0.5–1 mg/kg"
    )


def test_other_products_do_not_count_towards_the_total() -> None:
    previous = _earlier(Product.KETAMINE_SUBLINGUAL, 300)
    assert dose_warnings(Product.KETAMINE_IM, 40, 80, DEFAULTS, previous) == []


def test_ranges_come_from_settings() -> None:
    clinic = ClinicSettings.model_validate(
        {"dose_ranges": {"ketamine_im": {"unit": "mg_per_kg", "min": 0.2, "max": 2}}}
    )
    assert dose_warnings(Product.KETAMINE_IM, 120, 80, clinic) == []
    [missing] = dose_warnings(Product.KETAMINE_IV, 40, 80, clinic)
    assert missing.code == "no_range"


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (3070.0, 2, "3070"),
        (43.857, 2, "43.86"),
        (0.5, 2, "0.5"),
        (4479.3191, 2, "4479.32"),
        (1234567.0, 2, "1234567"),
        (0.075, 3, "0.075"),
        (0.004, 2, "0"),
        (40.0, 2, "40"),
    ],
)
def test_plain_numbers_never_use_scientific_notation(value: float, places: int, text: str) -> None:
    assert plain_number(value, places) == text


def test_mg_per_kg_and_the_infusion_rate() -> None:
    assert mg_per_kg(3508.8, 80) == 43.86
    assert mg_per_kg(40, None) is None and mg_per_kg(40, 0) is None
    assert infusion_rate(3508.8, None, 47) == "4479.32 mg/h"  # was 4.48e+03 mg/h
    assert infusion_rate(40, 0.5, 40) == "0.75 mg/kg/h"
    assert infusion_rate(40, 0.5, None) is None
