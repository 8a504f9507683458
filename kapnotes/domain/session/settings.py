"""Clinic settings for the live dosing session: alert rules, reminders, dose ranges, billing.

Every number here is a *default* taken from the clinical spec
(``/work/shared/domain/kap-clinical-spec.md``); a clinic changes them in its own
settings file. The domain functions of :mod:`kapnotes.domain.session` take a
:class:`ClinicSettings` argument and never read a constant of their own.

The defaults also ship as data in ``resources/settings/clinic-defaults.json``
(a test keeps that file equal to ``ClinicSettings().model_dump(mode="json")``).

Blood-pressure thresholds ("above 140/90", "above 180/110") are read as
*either component above*: a reading is above 180/110 when its systolic is above
180 **or** its diastolic is above 110 (so 184/110 is above 180/110 because of its
systolic). This is how the spec's required cases come out, and it is the safe
reading of a pair threshold: a diastolic of 125 is alarming whatever the systolic.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Final, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from kapnotes.domain.assets import get_asset
from kapnotes.domain.backups import BackupSettings
from kapnotes.domain.clients import Product
from kapnotes.domain.files import atomic_write
from kapnotes.domain.letterhead import Letterhead
from kapnotes.domain.templates.model import OPTION_PATTERN
from kapnotes.domain.templates.narrative import NarrativeLayout
from kapnotes.domain.timeline import system_zone_name, zone_named

SETTINGS_FORMAT: Final = "kapnotes-clinic-settings"
SETTINGS_VERSION: Final = 1


class SettingsError(ValueError):
    """A clinic settings file could not be read; ``problems`` name the field of each."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class Severity(StrEnum):
    """How loudly an alert is shown."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BloodPressure(_Model):
    """A blood-pressure pair threshold; a reading is *above* it when either part is above."""

    systolic: int = Field(ge=50, le=300)
    diastolic: int = Field(ge=20, le=200)

    def exceeded_by(self, systolic: int | None, diastolic: int | None) -> bool:
        """Whether a reading is above this threshold (systolic above OR diastolic above)."""
        return (systolic is not None and systolic > self.systolic) or (
            diastolic is not None and diastolic > self.diastolic
        )

    def __str__(self) -> str:
        return f"{self.systolic}/{self.diastolic}"


# --------------------------------------------------------------------------- alert rules


class PreDoseHoldRule(_Model):
    """BP above the threshold before the first dose: dosing needs an override with a reason.

    ``decide_on``: ``any`` (default, conservative) holds when *any* pre-dose BP
    reading is above the threshold; ``latest`` only looks at the most recent one,
    for clinics that recheck after the client has rested.
    """

    enabled: bool = True
    above: BloodPressure = BloodPressure(systolic=140, diastolic=90)
    decide_on: Literal["any", "latest"] = "any"
    require_pre_dose_bp: bool = True
    severity: Severity = Severity.WARNING


class HypertensionRule(_Model):
    """Above ``sustained_above`` on two readings ``sustained_minutes`` or more apart within
    ``window_minutes``, whatever lies between; or above ``once_above`` once.

    Source: the clinical spec's alert table (two readings above 180/110 at least 5
    minutes apart within 30 minutes). A first reading above ``sustained_above``
    starts a "recheck BP at hh:mm" reminder ``sustained_minutes`` later.
    """

    enabled: bool = True
    sustained_above: BloodPressure = BloodPressure(systolic=180, diastolic=110)
    sustained_minutes: int = Field(default=5, ge=0, le=120)
    window_minutes: int = Field(default=30, ge=1, le=240)
    once_above: BloodPressure = BloodPressure(systolic=200, diastolic=120)
    severity: Severity = Severity.WARNING
    once_severity: Severity = Severity.CRITICAL

    @model_validator(mode="after")
    def _can_fire(self) -> Self:
        """A rule that could never fire, or whose single-reading threshold lies under its
        sustained one, is refused (the clinic would believe it is watched)."""
        if self.sustained_minutes > self.window_minutes:
            raise ValueError(
                f"sustained minutes ({self.sustained_minutes}) is longer than the window "
                f"({self.window_minutes} min): two readings that far apart never fall inside "
                "it, so the alert could never fire"
            )
        low = self.sustained_above
        if self.once_above.systolic < low.systolic or self.once_above.diastolic < low.diastolic:
            raise ValueError(
                f"once above ({self.once_above}) is below sustained above ({low}): one "
                "reading would alert before two readings could"
            )
        return self


class TachycardiaRule(_Model):
    """Heart rate above ``above_bpm`` on consecutive readings spanning ``sustained_minutes``."""

    enabled: bool = True
    above_bpm: int = Field(default=120, ge=20, le=250)
    sustained_minutes: int = Field(default=5, ge=0, le=120)
    severity: Severity = Severity.WARNING


class DesaturationRule(_Model):
    """SpO2 below ``below_percent``."""

    enabled: bool = True
    below_percent: int = Field(default=94, ge=50, le=100)
    severity: Severity = Severity.WARNING


class ExcessSedationRule(_Model):
    """MOAA/S at or below ``at_or_below``."""

    enabled: bool = True
    at_or_below: int = Field(default=2, ge=0, le=5)
    severity: Severity = Severity.WARNING


class AlertRules(_Model):
    """The default alert rules table of the clinical spec, one entry per rule."""

    pre_dose_hold: PreDoseHoldRule = PreDoseHoldRule()
    hypertension: HypertensionRule = HypertensionRule()
    tachycardia: TachycardiaRule = TachycardiaRule()
    desaturation: DesaturationRule = DesaturationRule()
    excess_sedation: ExcessSedationRule = ExcessSedationRule()


# --------------------------------------------------------------------------- vitals limits


class Range(_Model):
    """An inclusive range of whole numbers."""

    min: int
    max: int

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | float) and self.min <= value <= self.max


#: The widest a clinic may set each plausibility limit: a limit outside it would let
#: a typing slip (BP 1200/80, SpO2 150) be stored as a reading.
VITALS_ENVELOPE: Final[dict[str, tuple[int, int]]] = {
    "systolic": (30, 350),
    "diastolic": (10, 250),
    "heart_rate": (10, 350),
    "spo2": (0, 100),
    "respiratory_rate": (0, 100),
    "moaas": (0, 5),
    "dissociation": (0, 10),
    "cadss_total": (0, 92),
}


class VitalsLimits(_Model):
    """Plausibility limits: values outside them are refused, never stored silently.

    Each limit lies inside :data:`VITALS_ENVELOPE` (ValidationError otherwise): systolic
    and diastolic BP in mmHg, heart rate in /min, SpO2 in %, respiratory rate in /min,
    MOAA/S 0-5, dissociation 0-10, CADSS total 0-92.
    """

    systolic: Range = Range(min=50, max=300)
    diastolic: Range = Range(min=20, max=200)
    heart_rate: Range = Range(min=20, max=250)
    spo2: Range = Range(min=50, max=100)
    respiratory_rate: Range = Range(min=4, max=60)
    moaas: Range = Range(min=0, max=5)
    dissociation: Range = Range(min=0, max=10)
    cadss_total: Range = Range(min=0, max=92)

    @field_validator(*VITALS_ENVELOPE)
    @classmethod
    def _inside_envelope(cls, limit: Range, info: ValidationInfo) -> Range:
        low, high = VITALS_ENVELOPE[str(info.field_name)]
        for end, value in (("min", limit.min), ("max", limit.max)):
            if not low <= value <= high:
                raise PydanticCustomError(  # ctx "entry": which end of the range
                    "vitals_envelope",
                    "Must lie within {low} to {high}, not {value}",
                    {"low": low, "high": high, "value": value, "entry": end},
                )
        return limit


# --------------------------------------------------------------------------- monitoring


VitalsIntervalMinutes = Annotated[int, Field(ge=1, le=240)]
"""Minutes between vitals readings (1 to 240)."""
MonitoringMinutes = Annotated[int, Field(ge=0, le=720)]
"""Minutes of monitoring after T0 (0, no minimum, to 720: 12 hours)."""
ESKETAMINE_REMS_MONITORING_MIN: Final = 120
"""Spravato's REMS: the patient is monitored at least 2 hours after the dose
(clinical spec, "Monitoring defaults")."""


def _default_intervals() -> dict[Product, int]:
    return {
        Product.KETAMINE_IV: 10,
        Product.KETAMINE_IM: 15,
        Product.KETAMINE_SUBLINGUAL: 15,
        Product.KETAMINE_ORAL: 15,
        Product.ESKETAMINE_INTRANASAL: 15,
    }


def _default_minimum_monitoring() -> dict[Product, int]:
    # Clinic choices (the spec fixes only esketamine's 120 min, from its REMS label):
    # IM lasts about an hour; IV counts from the infusion's start (40 min + recovery);
    # lozenge and oral fade over 1-2 h.
    return {
        Product.KETAMINE_IM: 60,
        Product.KETAMINE_IV: 90,
        Product.KETAMINE_SUBLINGUAL: 90,
        Product.KETAMINE_ORAL: 120,
        Product.ESKETAMINE_INTRANASAL: 120,
    }


class BpCheck(_Model):
    """A timed blood-pressure check (esketamine: about 40 minutes after the dose).

    The reminder is due from ``due_from_min`` until a BP reading exists between
    ``due_from_min`` and ``window_end_min`` (minutes after T0). The REMS block
    reports the reading closest to ``at_min`` between ``rems_window_start_min``
    and ``rems_window_end_min``.
    """

    at_min: int = Field(default=40, ge=0, le=720)
    due_from_min: int = Field(default=35, ge=0, le=720)
    window_end_min: int = Field(default=50, ge=0, le=720)
    rems_window_start_min: int = Field(default=30, ge=0, le=720)
    rems_window_end_min: int = Field(default=50, ge=0, le=720)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.due_from_min <= self.window_end_min:
            raise ValueError("due_from_min must not be after window_end_min")
        if not self.rems_window_start_min <= self.at_min <= self.rems_window_end_min:
            raise ValueError("at_min must lie inside the REMS window")
        return self


class MonitoringSettings(_Model):
    """Vitals reminders, the esketamine BP check and minimum monitoring time.

    ``vitals_interval_min``: minutes between vitals per product/route (a product
    missing from the map gets ``default_vitals_interval_min``).
    ``minimum_monitoring_min``: minutes after T0 before discharge, per product, 0 to
    720 (esketamine 120 by default and never less: its REMS; absent means no minimum).
    Intervals are 1 to 240 minutes. ValidationError for a value outside its bounds.
    ``timed_bp_check``: products with a timed BP check (esketamine by default).
    ``pre_discharge_bp_within_min``: for the REMS block, the BP "before discharge"
    must be at most this many minutes before discharge (``None``: any post-dose
    reading counts).
    """

    vitals_interval_min: dict[Product, VitalsIntervalMinutes] = Field(
        default_factory=_default_intervals
    )
    default_vitals_interval_min: VitalsIntervalMinutes = 15
    minimum_monitoring_min: dict[Product, MonitoringMinutes] = Field(
        default_factory=_default_minimum_monitoring
    )
    timed_bp_check: dict[Product, BpCheck] = Field(
        default_factory=lambda: {Product.ESKETAMINE_INTRANASAL: BpCheck()}
    )
    pre_discharge_bp_within_min: int | None = Field(default=30, ge=1, le=720)

    @field_validator("minimum_monitoring_min")
    @classmethod
    def _rems_floor(cls, minimum: dict[Product, int]) -> dict[Product, int]:
        """Esketamine's minimum, when set, is at least the REMS' 120 minutes."""
        esketamine = minimum.get(Product.ESKETAMINE_INTRANASAL)
        if esketamine is not None and esketamine < ESKETAMINE_REMS_MONITORING_MIN:
            raise PydanticCustomError(  # ctx "entry": which value of the map it is about
                "rems_minimum",
                "Esketamine intranasal needs at least {floor} minutes of monitoring after "
                "the dose (Spravato REMS), not {value}",
                {
                    "floor": ESKETAMINE_REMS_MONITORING_MIN,
                    "value": esketamine,
                    "entry": Product.ESKETAMINE_INTRANASAL.value,
                },
            )
        return minimum

    def interval_for(self, product: Product) -> int:
        """Minutes between vitals readings for a product."""
        return self.vitals_interval_min.get(product, self.default_vitals_interval_min)


# --------------------------------------------------------------------------- discharge


class ChecklistItem(_Model):
    """One checklist item: ``value`` is what a note stores when it is ticked (lower-case
    letters, digits and ``_``; kept when the label is reworded), ``label`` what is shown."""

    value: str = Field(pattern=OPTION_PATTERN, max_length=64)
    label: str = Field(min_length=1, max_length=200)


class PreDoseItem(ChecklistItem):
    """One pre-dose check; ``only_for`` shows it only when that product is planned
    (the esketamine REMS enrolment check, for example). None: every product."""

    only_for: Product | None = None


DEFAULT_DISCHARGE_CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(value="vitals_near_baseline", label="Vitals back near baseline"),
    ChecklistItem(value="alert_and_oriented", label="Alert and oriented"),
    ChecklistItem(value="steady_on_feet", label="Steady on feet"),
    ChecklistItem(value="tolerating_fluids", label="Tolerating fluids"),
    ChecklistItem(value="nausea_minimal", label="Nausea minimal"),
    ChecklistItem(value="escort_present", label="A responsible adult escort present"),
    ChecklistItem(value="written_instructions_given", label="Written instructions given"),
    ChecklistItem(value="no_driving", label="No driving until the next day after sleep"),
)

#: The spec's pre-dose checklist ("Dosing-session note": fasted, ride home, no alcohol or
#: intoxicants in 24 h, consent reconfirmed; REMS enrolment for esketamine).
DEFAULT_PRE_DOSE_CHECKLIST: tuple[PreDoseItem, ...] = (
    PreDoseItem(value="fasted", label="Fasted per instructions"),
    PreDoseItem(value="ride_home_confirmed", label="Ride home confirmed"),
    PreDoseItem(value="no_intoxicants_24h", label="No alcohol or other intoxicants in 24 h"),
    PreDoseItem(value="consent_reconfirmed", label="Consent reconfirmed"),
    PreDoseItem(
        value="rems_enrolled",
        label="Esketamine REMS enrolment",
        only_for=Product.ESKETAMINE_INTRANASAL,
    ),
)


class DischargeRanges(_Model):
    """The last reading of each vital, before discharge, must lie in its range.

    Clinic choices (the spec says only "vitals back near baseline"): BP 90-160 /
    50-100 mmHg, heart rate 50-110 bpm, SpO2 94-100 %, respiratory rate 10-24
    /min, MOAA/S 5 (responds readily to name). A vital never measured after the
    first dose is not checked, except blood pressure, which must have been
    measured within ``MonitoringSettings.pre_discharge_bp_within_min``.
    """

    systolic: Range | None = Range(min=90, max=160)
    diastolic: Range | None = Range(min=50, max=100)
    heart_rate: Range | None = Range(min=50, max=110)
    spo2: Range | None = Range(min=94, max=100)
    respiratory_rate: Range | None = Range(min=10, max=24)
    moaas: Range | None = Range(min=5, max=5)


# --------------------------------------------------------------------------- dose ranges


#: The most a usual range may reach: above it, the dose check's "more than three
#: times the top of the usual range" would pass any typing slip.
DOSE_RANGE_CEILING: Final[dict[str, float]] = {"mg": 1000.0, "mg_per_kg": 10.0}


class DoseRange(_Model):
    """The usual range of a product's session total (for warnings, never limits).

    ``unit`` is ``mg_per_kg`` (compared with the session total divided by the
    client's weight) or ``mg``. ``usual_totals`` lists the usual session totals
    where only a few are usual (esketamine 56 or 84 mg).
    """

    unit: Literal["mg", "mg_per_kg"]
    min: float = Field(ge=0)
    max: float = Field(gt=0)
    usual_totals: tuple[float, ...] = ()

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        ceiling = DOSE_RANGE_CEILING[self.unit]
        if self.max > ceiling or any(not 0 < total <= ceiling for total in self.usual_totals):
            raise ValueError(
                f"a usual range goes up to {ceiling:g} {self.unit.replace('_per_', '/')} at most"
            )
        return self


def _default_dose_ranges() -> dict[Product, DoseRange]:
    return {
        Product.KETAMINE_IV: DoseRange(unit="mg_per_kg", min=0.1, max=0.75),
        Product.KETAMINE_IM: DoseRange(unit="mg_per_kg", min=0.5, max=1.0),
        Product.KETAMINE_SUBLINGUAL: DoseRange(unit="mg", min=25, max=300),
        Product.KETAMINE_ORAL: DoseRange(unit="mg", min=25, max=300),
        Product.ESKETAMINE_INTRANASAL: DoseRange(
            unit="mg", min=56, max=84, usual_totals=(56.0, 84.0)
        ),
    }


# --------------------------------------------------------------------------- billing


class Rounding(StrEnum):
    """How a partial billing unit (hour) counts.

    ``midpoint``: a unit counts once its midpoint is passed, i.e. at least
    ``partial_unit_min_minutes`` (31 of 60 by default) of it were spent; the
    CPT time rule, and the default. ``whole_units``: only complete hours count.
    """

    MIDPOINT = "midpoint"
    WHOLE_UNITS = "whole_units"


class BillingCode(_Model):
    """A billing code and its short description."""

    code: str = Field(min_length=1)
    description: str = Field(min_length=1)


class BillingSettings(_Model):
    """Time-based codes for psychedelic monitoring and the esketamine G codes.

    Roles ``therapist`` and ``prescriber`` are physicians/QHPs (0820T, 0821T);
    ``nurse`` and ``staff`` are clinical staff (0822T). For esketamine the
    G code includes the observation time, so 0820T-0822T are only suggested too
    when ``esketamine_suggest_monitoring_codes`` is set.
    """

    rounding: Rounding = Rounding.MIDPOINT
    unit_minutes: int = Field(default=60, ge=1, le=240)
    partial_unit_min_minutes: int = Field(default=31, ge=1, le=240)
    qhp_roles: tuple[str, ...] = ("therapist", "prescriber")
    staff_roles: tuple[str, ...] = ("nurse", "staff")
    first_qhp: BillingCode = BillingCode(
        code="0820T",
        description="Continuous in-person monitoring during psychedelic medication "
        "therapy, first physician/QHP, each hour",
    )
    additional_qhp: BillingCode = BillingCode(
        code="0821T",
        description="Each additional concurrent physician/QHP, each hour",
    )
    clinical_staff: BillingCode = BillingCode(
        code="0822T",
        description="Concurrent clinical staff under direction, each hour",
    )
    esketamine_up_to: BillingCode = BillingCode(
        code="G2082",
        description="Esketamine, up to 56 mg, including 2 hours post-administration observation",
    )
    esketamine_above: BillingCode = BillingCode(
        code="G2083",
        description="Esketamine, greater than 56 mg, including 2 hours "
        "post-administration observation",
    )
    esketamine_threshold_mg: float = Field(default=56, gt=0, le=1000)
    esketamine_suggest_monitoring_codes: bool = False

    @model_validator(mode="after")
    def _partial(self) -> Self:
        if self.partial_unit_min_minutes > self.unit_minutes:
            raise ValueError("partial_unit_min_minutes cannot exceed unit_minutes")
        return self


# --------------------------------------------------------------------------- the whole


#: The value key under which a dosing note keeps its session settings (a bookkeeping key:
#: not shown, not searched; part of the signed content like the rest of the values).
SETTINGS_KEY: Final = "_clinic_settings"
SESSION_PARTS: Final = (
    "alerts",
    "vitals_limits",
    "monitoring",
    "pre_dose_checklist",
    "discharge_checklist",
    "discharge_ranges",
    "dose_ranges",
    "billing",
)


class ClinicSettings(_Model):
    """All session settings of one clinic; JSON-loadable, defaults from the clinical spec."""

    format: Literal["kapnotes-clinic-settings"] = SETTINGS_FORMAT
    version: Literal[1] = SETTINGS_VERSION
    alerts: AlertRules = AlertRules()
    vitals_limits: VitalsLimits = VitalsLimits()
    monitoring: MonitoringSettings = MonitoringSettings()
    #: The pre-dose checks (F5 in the live session), at least one, each once.
    pre_dose_checklist: tuple[PreDoseItem, ...] = Field(
        default=DEFAULT_PRE_DOSE_CHECKLIST, min_length=1, max_length=40
    )
    #: The discharge criteria, at least one, each once.
    discharge_checklist: tuple[ChecklistItem, ...] = Field(
        default=DEFAULT_DISCHARGE_CHECKLIST, min_length=1, max_length=40
    )
    discharge_ranges: DischargeRanges = DischargeRanges()
    dose_ranges: dict[Product, DoseRange] = Field(default_factory=_default_dose_ranges)
    billing: BillingSettings = BillingSettings()
    note_format: NarrativeLayout = NarrativeLayout.SOAP
    reminder_sound: bool = False  # a soft system beep when a reminder falls due
    #: The clinic's time zone (IANA name, e.g. "America/New_York"); None: this computer's.
    time_zone: str | None = Field(default=None, max_length=64)
    #: What printed reports show at the top of their first page (Settings → Clinic letterhead).
    letterhead: Letterhead = Letterhead()
    #: Minutes without input before the app locks itself (None: the app's default, 5).
    idle_lock_minutes: int | None = Field(default=None, ge=1, le=120)
    #: Automatic backups and the reminder (Settings → Backups…).
    backup: BackupSettings = BackupSettings()

    @model_validator(mode="after")
    def _known_zone(self) -> Self:
        if self.time_zone is not None:
            zone_named(self.time_zone)  # TimeInputError (a ValueError) names an unknown zone
        return self

    def zone_name(self) -> str:
        """The clinic's time zone: the setting, else this computer's zone."""
        return self.time_zone or system_zone_name()

    @field_validator("pre_dose_checklist", "discharge_checklist")
    @classmethod
    def _each_item_once(cls, items: tuple[ChecklistItem, ...]) -> tuple[ChecklistItem, ...]:
        """A value, or a label (in any case), twice in one checklist is refused."""
        values: set[str] = set()
        labels: set[str] = set()
        for item in items:
            if item.value in values or item.label.casefold() in labels:
                shown = item.value if item.value in values else item.label
                raise ValueError(f"checklist item '{shown}' appears twice")
            values.add(item.value)
            labels.add(item.label.casefold())
        return items

    def session_part(self) -> dict[str, object]:
        """What a dosing note keeps of the settings it was written under (JSON data):
        the alert rules, limits, monitoring, discharge, dose ranges and billing."""
        return self.model_dump(mode="json", include=set(SESSION_PARTS))

    def with_session_part(self, part: object) -> ClinicSettings:
        """These settings with a note's kept session part in place (a part that is not
        valid any more is ignored: SettingsError names why)."""
        if not isinstance(part, dict):
            raise SettingsError("the note's settings", ["not an object"])
        kept = {k: v for k, v in part.items() if k in SESSION_PARTS}
        try:
            return ClinicSettings.model_validate({**self.model_dump(mode="json"), **kept})
        except ValidationError as error:
            raise SettingsError(
                "the note's settings",
                [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()],
            ) from None

    def to_json(self) -> str:
        """The settings as indented JSON (what :func:`save_settings` writes)."""
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "<settings>") -> ClinicSettings:
        """Parse and validate settings JSON; :class:`SettingsError` names each bad field."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SettingsError(source, [f"invalid JSON: {error}"]) from None
        if not isinstance(data, dict):
            raise SettingsError(source, ["top level: settings must be a JSON object"])
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            problems = [
                f"{'.'.join(str(part) for part in err['loc']) or 'top level'}: {err['msg']}"
                for err in error.errors()
            ]
            raise SettingsError(source, problems) from None


def load_settings(path: Path) -> ClinicSettings:
    """Read a clinic settings file; :class:`SettingsError` when it is unreadable or invalid."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SettingsError(str(path), [f"cannot read: {error.strerror or error}"]) from None
    return ClinicSettings.from_json(text, source=str(path))


def save_settings(settings: ClinicSettings, path: Path) -> None:
    """Write settings as JSON: temp file, fsync, rename (never a half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, settings.to_json().encode("utf-8"), mode=0o644)


def bundled_settings_path() -> Path:
    """The shipped defaults, ``resources/settings/clinic-defaults.json``."""
    return get_asset("settings", "clinic-defaults.json")
