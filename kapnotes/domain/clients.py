"""Client and course input rules, shared by the GUI dialogs and the JSON import.

Each rule failure names the field it belongs to, so a dialog can show the
message next to that field and an import can name the JSON path.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from kapnotes.domain.units import KG_PER_LB as KG_PER_LB
from kapnotes.domain.units import WeightUnit as WeightUnit

MIN_WEIGHT_KG = 20.0
MAX_WEIGHT_KG = 300.0


def weight_in(kg: float, unit: WeightUnit) -> float:
    """A weight in kilograms expressed in ``unit``, to 0.1 (``70`` kg is ``154.3`` lb)."""
    return round(kg if unit is WeightUnit.KG else kg / KG_PER_LB, 1)


def weight_text(kg: float, unit: WeightUnit = WeightUnit.KG) -> str:
    """``"70 kg"`` or ``"154.3 lb"``: a weight shown in one unit, to 0.1."""
    return f"{weight_in(kg, unit):g} {unit.value}"


def weight_range_text(unit: WeightUnit = WeightUnit.KG) -> str:
    """The plausible-weight rule as a message, in the unit the weight was typed in."""
    low, high = weight_in(MIN_WEIGHT_KG, unit), weight_in(MAX_WEIGHT_KG, unit)
    return f"Weight must be between {low:g} and {high:g} {unit.value}"


class CourseStatus(StrEnum):
    """Where a course of treatment stands."""

    PLANNED = "planned"
    ACTIVE = "active"
    COMPLETED = "completed"
    DISCONTINUED = "discontinued"


class Product(StrEnum):
    """Ketamine products and routes named in the clinical spec."""

    KETAMINE_IM = "ketamine_im"
    KETAMINE_IV = "ketamine_iv"
    KETAMINE_SUBLINGUAL = "ketamine_sublingual"
    KETAMINE_ORAL = "ketamine_oral"
    ESKETAMINE_INTRANASAL = "esketamine_intranasal"


#: How every screen names a product: the same words as the bundled templates' product
#: choices (a note keeps its template's words, so these follow the templates; a test
#: holds the two together).
PRODUCT_LABELS: dict[Product, str] = {
    Product.KETAMINE_IM: "Racemic ketamine IM",
    Product.KETAMINE_IV: "Racemic ketamine IV",
    Product.KETAMINE_SUBLINGUAL: "Racemic ketamine sublingual lozenge/troche",
    Product.KETAMINE_ORAL: "Racemic ketamine oral",
    Product.ESKETAMINE_INTRANASAL: "Esketamine intranasal",
}


def product_label(value: str) -> str:
    """The label of a planned product code (the code itself when it is not one we know)."""
    try:
        return PRODUCT_LABELS[Product(value)]
    except ValueError:
        return value


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


class ClientInput(BaseModel):
    """What a clinician types about a client; validated before anything is stored."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    preferred_name: str | None = Field(default=None, max_length=200)
    date_of_birth: date | None = None
    pronouns: str | None = Field(default=None, max_length=50)
    contact: str | None = Field(default=None, max_length=2000)
    emergency_contact: str | None = Field(default=None, max_length=2000)
    weight_kg: float | None = None
    diagnoses: str | None = Field(default=None, max_length=5000)
    medications: str | None = Field(default=None, max_length=5000)
    allergies: str | None = Field(default=None, max_length=5000)

    @field_validator(
        "preferred_name",
        "pronouns",
        "contact",
        "emergency_contact",
        "diagnoses",
        "medications",
        "allergies",
        "weight_kg",
        "date_of_birth",
        mode="before",
    )
    @classmethod
    def _blank_optional(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("name", mode="before")
    @classmethod
    def _name_required(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("Name is required")
        return value

    @field_validator("date_of_birth")
    @classmethod
    def _dob_not_future(cls, value: date | None, info: ValidationInfo) -> date | None:
        today = (info.context or {}).get("today", date.today())
        if value is not None and value > today:
            raise ValueError("Date of birth cannot be in the future")
        if value is not None and value.year < 1900:
            raise ValueError("Date of birth must be after 1900")
        return value

    @field_validator("weight_kg")
    @classmethod
    def _weight_range(cls, value: float | None) -> float | None:
        if value is not None and not (MIN_WEIGHT_KG <= value <= MAX_WEIGHT_KG):
            raise ValueError(weight_range_text())
        return value


class CourseInput(BaseModel):
    """A course of KAP treatment as entered by the clinician."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    start_date: date
    indication: str = Field(min_length=1, max_length=500)
    planned_product: Product
    planned_route_detail: str | None = Field(default=None, max_length=200)
    status: CourseStatus = CourseStatus.PLANNED


@dataclass(frozen=True)
class CourseSpan:
    """The days a course covers: ``start`` to ``end`` inclusive (``end`` None: still open)."""

    id: str
    start: date
    end: date | None

    def contains(self, day: date) -> bool:
        """Whether ``day`` falls within the course."""
        return self.start <= day and (self.end is None or day <= self.end)


CLOSED_STATUSES = frozenset({CourseStatus.COMPLETED, CourseStatus.DISCONTINUED})


def course_span(course_id: str, start: date, status: str, last_session: date | None) -> CourseSpan:
    """A course's span: a completed or discontinued course ends on its last session's day
    (its start day when it has none); a planned or active one is open."""
    closed = status in CLOSED_STATUSES
    end = max(start, last_session or start) if closed else None
    return CourseSpan(course_id, start, end)


def course_for_day(spans: Sequence[CourseSpan], day: date) -> str | None:
    """The course a measure given on ``day`` belongs to.

    The latest-starting course whose span contains the day; else the client's
    latest course (a baseline given before the course started belongs to the
    course about to start); None when the client has no course.
    """
    if not spans:
        return None
    containing = [s for s in spans if s.contains(day)]
    chosen = max(containing or spans, key=lambda s: (s.start, s.id))
    return chosen.id


#: The client fields a note template may read, as ``$client.<name>``, in the order
#: messages list them. Defined here once: the context a note is computed with
#: (:func:`template_client_values`) holds exactly these, and template files are
#: checked against them when loaded, so a misspelt reference is refused.
TEMPLATE_CLIENT_FIELDS: tuple[str, ...] = ("name", "weight_kg", "date_of_birth", "id")


def template_client_values(client_id: str, client: ClientInput) -> dict[str, Any]:
    """What a template reads as ``$client.…``: each of TEMPLATE_CLIENT_FIELDS, JSON-ready.

    Dates are ISO text (``"1984-05-02"``); a value the client record lacks is None.
    """
    row: dict[str, Any] = {"id": client_id, **client.model_dump(mode="json")}
    return {name: row[name] for name in TEMPLATE_CLIENT_FIELDS}


def field_errors(exc: Exception) -> dict[str, str]:
    """Map a pydantic ValidationError to {field name: first message} for a form."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return {"": str(exc)}
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = str(err["loc"][0]) if err["loc"] else ""
        msg = str(err["msg"])
        msg = msg.removeprefix("Value error, ")
        out.setdefault(loc, msg)
    return out


_NO_ALLERGY_WORDS = {
    "none",
    "none known",
    "nka",
    "nkda",
    "no known allergies",
    "no known drug allergies",
}


def no_known_allergies(text: str) -> bool:
    """Whether an allergy entry says there are none (so it is not shown as a warning)."""
    return text.strip().rstrip(".").lower() in _NO_ALLERGY_WORDS


def folded(text: str) -> str:
    """Text as search compares it: case and accents folded in every script.

    ``"Élodie Bélanger"`` and ``"elodie belanger"`` fold alike, as do ``"Ζωή"`` and
    ``"ζωη"``: Unicode compatibility decomposition, combining marks dropped, then
    case folding. The same folding as the note search's FTS5 ``unicode61
    remove_diacritics`` tokenizer, so client and note search find the same names.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept).casefold()


def client_search_key(name: str, preferred_name: str | None) -> str:
    """What client search looks in: name and preferred name, folded."""
    return folded(" ".join(part for part in (name, preferred_name or "") if part))
