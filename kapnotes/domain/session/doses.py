"""The medicine log: doses in mg or mg/kg, and warnings outside the usual ranges.

A :class:`DoseEntry` mirrors a row of the dosing template's ``dose_log``
(``time``, ``product``, ``route``, ``dose_mg_per_kg``, ``dose_mg``,
``lot_number``); the template keeps product and route apart
(``racemic_ketamine`` + ``im``), the domain joins them into one
:class:`~kapnotes.domain.clients.Product` (``ketamine_im``).

The usual ranges (clinic settings) are checked against the **session total** of
the product, boosters included: for mg/kg routes the total mg divided by the
client's weight, for mg routes the total mg. They raise warnings (a dose outside
them is logged with a reason, as the clinical spec's "Usual dose ranges" asks),
except for a total more than :data:`IMPLAUSIBLE_FACTOR` times the range's top:
that is taken for a typing slip (3000 for 30.0) and refused, like an impossible
vital sign, until the clinic widens its range.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from kapnotes.domain.clients import Product
from kapnotes.domain.session.settings import ClinicSettings
from kapnotes.domain.templates.model import parse_time

_PRODUCT_ROUTE: Final[dict[Product, tuple[str, str]]] = {
    Product.KETAMINE_IM: ("racemic_ketamine", "im"),
    Product.KETAMINE_IV: ("racemic_ketamine", "iv"),
    Product.KETAMINE_SUBLINGUAL: ("racemic_ketamine", "sublingual"),
    Product.KETAMINE_ORAL: ("racemic_ketamine", "oral"),
    Product.ESKETAMINE_INTRANASAL: ("esketamine", "intranasal"),
}
_ROUTE_PRODUCT: Final[dict[tuple[str, str], Product]] = {v: k for k, v in _PRODUCT_ROUTE.items()}


class DoseInputError(ValueError):
    """A dose that cannot be computed; ``field`` names the dose_log column at fault."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def product_route(product: Product) -> tuple[str, str]:
    """The dose_log ``product`` and ``route`` values, e.g. ``("esketamine", "intranasal")``."""
    return _PRODUCT_ROUTE[product]


def product_from(product: str, route: str) -> Product:
    """The product of a dose_log row's ``product`` and ``route`` values."""
    try:
        return _ROUTE_PRODUCT[(product, route)]
    except KeyError:
        raise DoseInputError(
            "route", f"{product} by the {route} route is not a known product"
        ) from None


def dose_mg(
    mg: float | None = None,
    mg_per_kg: float | None = None,
    weight_kg: float | None = None,
) -> float:
    """The dose in mg, from mg or from mg/kg and the client's weight (rounded to 0.01 mg).

    ``dose_mg(mg_per_kg=0.75, weight_kg=80) == 60``. When both mg and mg/kg are
    given they must agree (within 0.5 %). :class:`DoseInputError` names the
    field for a missing weight, a missing dose or a dose that is not positive.
    """
    if mg is not None and mg <= 0:
        raise DoseInputError("dose_mg", "Dose in mg must be above 0")
    if mg_per_kg is not None and mg_per_kg <= 0:
        raise DoseInputError("dose_mg_per_kg", "Dose in mg/kg must be above 0")
    if mg_per_kg is None:
        if mg is None:
            raise DoseInputError("dose_mg", "Enter the dose in mg or in mg/kg")
        return round(mg, 2)
    if weight_kg is None:
        raise DoseInputError(
            "dose_mg_per_kg", "A dose in mg/kg needs the client's weight: record it or enter mg"
        )
    if weight_kg <= 0:
        raise DoseInputError("dose_mg_per_kg", "The client's weight must be above 0 kg")
    computed = round(mg_per_kg * weight_kg, 2)
    if mg is not None and abs(mg - computed) > 0.005 * computed:
        raise DoseInputError(
            "dose_mg",
            f"{mg:g} mg does not match {mg_per_kg:g} mg/kg × {weight_kg:g} kg = {computed:g} mg",
        )
    return computed


@dataclass(frozen=True, slots=True)
class DoseEntry:
    """One administration: the first is T0, further entries are boosters."""

    time: datetime
    product: Product
    dose_mg: float
    dose_mg_per_kg: float | None = None
    lot_number: str | None = None

    @classmethod
    def from_entry(
        cls, entry: Mapping[str, Any], day: date, weight_kg: float | None = None
    ) -> DoseEntry:
        """A dose from a ``dose_log`` row on ``day``; mg computed from mg/kg when needed."""
        raw_time = entry.get("time")
        at = raw_time if isinstance(raw_time, datetime) else None
        if at is None:
            parsed = parse_time(raw_time)
            if parsed is None:
                raise DoseInputError("time", "Time must be a clock time (HH:MM)")
            at = datetime.combine(day, parsed)
        product = product_from(str(entry.get("product")), str(entry.get("route")))
        mg = _number(entry, "dose_mg")
        per_kg = _number(entry, "dose_mg_per_kg")
        lot = entry.get("lot_number")
        return cls(
            time=at,
            product=product,
            dose_mg=dose_mg(mg=mg, mg_per_kg=per_kg, weight_kg=weight_kg),
            dose_mg_per_kg=per_kg,
            lot_number=str(lot) if lot not in (None, "") else None,
        )

    def to_entry(self) -> dict[str, Any]:
        """The ``dose_log`` row of this dose (``time`` as ``HH:MM``)."""
        product, route = product_route(self.product)
        return {
            "time": self.time.strftime("%H:%M"),
            "product": product,
            "route": route,
            "dose_mg_per_kg": self.dose_mg_per_kg,
            "dose_mg": self.dose_mg,
            "lot_number": self.lot_number,
        }


def _number(entry: Mapping[str, Any], name: str) -> float | None:
    raw = entry.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise DoseInputError(name, f"{name} must be a number")
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise DoseInputError(name, f"{name} must be a number") from None


def first_dose_time(doses: Sequence[DoseEntry]) -> datetime | None:
    """T0: the time of the earliest dose, or ``None`` before any."""
    return min((dose.time for dose in doses), default=None)


@dataclass(frozen=True, slots=True)
class DoseWarning:
    """A dose outside the usual range; ``code`` is ``above_range``, ``below_range``,
    ``unusual_total``, ``weight_unknown`` or ``no_range``."""

    code: str
    message: str


def _fmt(number: float) -> str:
    return f"{round(number, 3):g}"


#: A session total this many times the usual maximum is refused as a typing slip.
IMPLAUSIBLE_FACTOR: Final = 3.0


def implausible_dose(
    product: Product,
    mg: float,
    weight_kg: float | None,
    settings: ClinicSettings,
    previous_doses: Sequence[DoseEntry] = (),
) -> str | None:
    """Why a new dose of ``mg`` (mg) cannot be right, or None.

    The session total of ``product`` (earlier doses plus this one; mg/kg with the
    weight in kg for an mg/kg range) above :data:`IMPLAUSIBLE_FACTOR` times the
    clinic's usual maximum is refused: ``"3000 mg (42.9 mg/kg) is more than 3 times
    the usual maximum 0.75 mg/kg …"``. No range, or an mg/kg range without a
    weight, refuses nothing (those are warnings).
    """
    usual = settings.dose_ranges.get(product)
    if usual is None:
        return None
    total_mg = sum(d.dose_mg for d in previous_doses if d.product == product) + mg
    if usual.unit == "mg_per_kg":
        if weight_kg is None or weight_kg <= 0:
            return None
        total, unit = total_mg / weight_kg, "mg/kg"
        shown = f"{_fmt(total_mg)} mg ({_fmt(total)} mg/kg)"
    else:
        total, unit = total_mg, "mg"
        shown = f"{_fmt(total_mg)} mg"
    if total <= IMPLAUSIBLE_FACTOR * usual.max + 1e-9:
        return None
    session = " as the session total" if total_mg != mg else ""
    return (
        f"{shown}{session} is more than {_fmt(IMPLAUSIBLE_FACTOR)} times the usual maximum "
        f"{_fmt(usual.max)} {unit}: check the number. If such a dose is intended, widen the "
        "usual range in Settings → Clinic settings"
    )


def dose_warnings(
    product: Product,
    mg: float,
    weight_kg: float | None,
    settings: ClinicSettings,
    previous_doses: Sequence[DoseEntry] = (),
) -> list[DoseWarning]:
    """Warnings for a new dose of ``mg`` given the session's earlier doses.

    The session total of the same product (earlier doses of ``product`` plus
    this one) is compared with the product's usual range; an mg/kg range needs
    the weight. An empty list means nothing unusual.
    """
    usual = settings.dose_ranges.get(product)
    if usual is None:
        return [DoseWarning("no_range", "No usual dose range is set for this product")]
    earlier = [dose.dose_mg for dose in previous_doses if dose.product == product]
    total_mg = sum(earlier) + mg
    boosters = f" (session total incl. {len(earlier)} earlier dose(s))" if earlier else ""
    if usual.unit == "mg_per_kg":
        if weight_kg is None or weight_kg <= 0:
            return [
                DoseWarning(
                    "weight_unknown",
                    "The client's weight is unknown: the usual range "
                    f"{_fmt(usual.min)}–{_fmt(usual.max)} mg/kg cannot be checked",
                )
            ]
        total = total_mg / weight_kg
        unit = "mg/kg"
    else:
        total = total_mg
        unit = "mg"
    shown = f"{_fmt(total)} {unit}{boosters}"
    span = f"{_fmt(usual.min)}–{_fmt(usual.max)} {unit}"
    if total > usual.max + 1e-9:
        return [DoseWarning("above_range", f"{shown} is above the usual range {span}")]
    if total < usual.min - 1e-9:
        return [DoseWarning("below_range", f"{shown} is below the usual range {span}")]
    if usual.usual_totals and not any(abs(total - v) < 1e-6 for v in usual.usual_totals):
        options = " or ".join(f"{_fmt(v)} {unit}" for v in usual.usual_totals)
        return [DoseWarning("unusual_total", f"{shown}: the usual session total is {options}")]
    return []
