"""The live dosing session's domain: settings, clock, vitals, alerts, doses, reminders,
discharge, the esketamine REMS block and billing time.

Pure Python (no Qt, no SQLAlchemy) and deterministic: every function takes the
times it needs ("now" included) as plain datetimes, and every threshold from a
:class:`ClinicSettings`.
"""

from kapnotes.domain.session.alerts import (
    Alert,
    HoldKind,
    HoldReason,
    RuleId,
    active_alerts,
    bp_recheck_due,
    dose_needs_override,
    evaluate_alerts,
)
from kapnotes.domain.session.billing import (
    BillingLine,
    BillingSummary,
    PersonTime,
    Presence,
    billing,
    units_for,
)
from kapnotes.domain.session.clock import (
    PRE_DOSE_LABEL,
    SessionClock,
    format_minutes,
    format_t_plus,
    minutes_of,
)
from kapnotes.domain.session.discharge import (
    DischargeDecision,
    GateKind,
    GateProblem,
    discharge_check,
    discharge_gate,
)
from kapnotes.domain.session.doses import (
    DoseEntry,
    DoseInputError,
    DoseWarning,
    dose_mg,
    dose_warnings,
    first_dose_time,
    implausible_dose,
    infusion_rate,
    mg_per_kg,
    plain_number,
    product_from,
    product_route,
)
from kapnotes.domain.session.reminders import Reminder, ReminderKind, reminders_due
from kapnotes.domain.session.rems import RemsSummary, rems_summary
from kapnotes.domain.session.settings import (
    ChecklistItem,
    ClinicSettings,
    PreDoseItem,
    Rounding,
    SettingsError,
    Severity,
    bundled_settings_path,
    load_settings,
    save_settings,
)
from kapnotes.domain.session.vitals import VitalsProblem, VitalsReading, check_vitals

__all__ = [
    "PRE_DOSE_LABEL",
    "Alert",
    "BillingLine",
    "BillingSummary",
    "ChecklistItem",
    "ClinicSettings",
    "DischargeDecision",
    "DoseEntry",
    "DoseInputError",
    "DoseWarning",
    "GateKind",
    "GateProblem",
    "HoldKind",
    "HoldReason",
    "PersonTime",
    "PreDoseItem",
    "Presence",
    "Reminder",
    "ReminderKind",
    "RemsSummary",
    "Rounding",
    "RuleId",
    "SessionClock",
    "SettingsError",
    "Severity",
    "VitalsProblem",
    "VitalsReading",
    "active_alerts",
    "billing",
    "bp_recheck_due",
    "bundled_settings_path",
    "check_vitals",
    "discharge_check",
    "discharge_gate",
    "dose_mg",
    "dose_needs_override",
    "dose_warnings",
    "evaluate_alerts",
    "first_dose_time",
    "format_minutes",
    "format_t_plus",
    "implausible_dose",
    "infusion_rate",
    "load_settings",
    "mg_per_kg",
    "minutes_of",
    "plain_number",
    "product_from",
    "product_route",
    "reminders_due",
    "rems_summary",
    "save_settings",
    "units_for",
]
