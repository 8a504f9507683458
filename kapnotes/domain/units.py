"""Units people type: weights in kilograms or pounds (the vault always stores kilograms).

A module of its own, light to import: the lock screen's date and weight inputs
need it before anything else of the domain loads.
"""

from __future__ import annotations

from enum import StrEnum


class WeightUnit(StrEnum):
    """The unit a weight is typed or shown in; the vault always stores kilograms."""

    KG = "kg"
    LB = "lb"


KG_PER_LB = 0.45359237
"""One international avoirdupois pound in kilograms (exact, by definition)."""
