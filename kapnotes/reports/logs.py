"""Log fields as tables: vitals (with alerts and the chart), medicines, observations, adverse
events, treatments, clinicians, and any other log a template defines.

Times are the note's instants shown on its timeline (``01:25``, or ``01:25 EST``
across a clock change) and T+ is whole minutes from the first dose, both read
from the session layer (:class:`~kapnotes.session.readout.SessionReadout`) for a
dosing note, so the report says what the app says. Every table repeats its
header row on each page it spans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reportlab.platypus import Flowable, Spacer

from kapnotes.domain.note_times import NoteTimes
from kapnotes.domain.session import (
    Alert,
    ClinicSettings,
    RuleId,
    Severity,
    VitalsReading,
    mg_per_kg,
    plain_number,
)
from kapnotes.domain.templates import LogField, MultiChoiceField, SingleChoiceField, TimeField
from kapnotes.reports.blocks import Kit
from kapnotes.reports.charts import vitals_chart
from kapnotes.reports.fields import cell_text, option_label
from kapnotes.reports.words import number_text
from kapnotes.session.live import LiveSession
from kapnotes.session.readout import SessionReadout
from kapnotes.session.record import ANNOTATES_KEY, ENTERED_AT_KEY
from kapnotes.store.notes import EVENT_KEY


@dataclass(frozen=True)
class LogContext:
    """What a log table needs besides its rows: the note's times, for a dosing note its
    session read-out, the clinic's settings, and the first version of each corrected
    entry (by event id)."""

    times: NoteTimes
    readout: SessionReadout | None
    settings: ClinicSettings
    originals: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def t_plus_cell(minutes: int | None) -> str:
    """The T+ column: ``25``, ``−10`` before the first dose, ``—`` without a dose."""
    if minutes is None:
        return "—"
    return str(minutes) if minutes >= 0 else f"−{-minutes}"


def _clock(ctx: LogContext, instant: datetime | None, raw: Any) -> str:
    if instant is not None:
        return ctx.times.timeline.clock(instant)
    return str(raw) if raw not in (None, "") else "—"


def _rows(values: dict[str, Any], log_id: str) -> list[dict[str, Any]]:
    raw = values.get(log_id)
    return [row for row in raw if isinstance(row, dict)] if isinstance(raw, list) else []


def _choice(log: LogField, column_id: str, value: Any) -> str:
    column = log.column(column_id)
    if value in (None, ""):
        return "—"
    if isinstance(column, SingleChoiceField):
        return option_label(column.options, value)
    return str(value)


def log_flowables(
    kit: Kit, log: LogField, values: dict[str, Any], ctx: LogContext
) -> list[Flowable]:
    """The table (and for vitals the chart and alert lines) of one log field."""
    rows = _rows(values, log.id)
    if not rows:
        return [kit.para("No entries.", "muted")]
    if log.type == "vitals_log" and ctx.readout is not None:
        return vitals(kit, log, ctx.readout, ctx.settings)
    if log.type == "dose_log" and ctx.readout is not None:
        return doses(kit, log, ctx.readout)
    if log.type == "observation_log":
        return observations(kit, log, rows, ctx)
    return generic(kit, log, rows, ctx)


# --------------------------------------------------------------------------- vitals


def alert_line(alert: Alert, clock: LiveSession) -> str:
    """``WARNING · since 10:05 · <message> · resolved 10:20`` for the alert list."""
    parts = [alert.severity.value.upper(), alert.message]
    if alert.resolved_at is not None:
        parts.append(f"resolved at {clock.clock(alert.resolved_at)}")
    else:
        parts.append("not resolved by a later reading")
    return " · ".join(parts)


def vitals(
    kit: Kit, log: LogField, readout: SessionReadout, settings: ClinicSettings
) -> list[Flowable]:
    """Chart, alert lines and the vitals table (T+, every value, each alert marked)."""
    table_rows = readout.vitals_rows()
    t0 = readout.record.times().t0
    out: list[Flowable] = []
    timed = [(r.reading, r.alerts) for r in table_rows if r.reading is not None]
    origin = t0 if t0 is not None else min((reading.time for reading, _a in timed), default=None)
    points: list[tuple[float, VitalsReading]] = []
    alerted: list[tuple[float, VitalsReading, RuleId]] = []
    for reading, raised in timed:
        assert origin is not None
        minute = (reading.time - origin).total_seconds() / 60  # before any dose: from the first
        points.append((minute, reading))
        alerted.extend((minute, reading, alert.rule) for alert in raised)
    if points:
        out.append(vitals_chart(kit.width, points, alerted, settings))
        out.append(Spacer(1, 6))
    if readout.alerts:
        out.append(kit.para("Alerts", "subsection"))
        for alert in readout.alerts:
            style = "alert" if alert.severity is not Severity.INFO else "body"
            out.append(kit.para("⚠ " + alert_line(alert, readout), style))
        out.append(Spacer(1, 4))
    columns = [
        ("Time", 1.0),
        ("T+ (min)", 0.75),
        ("Reading", 1.3),
        ("BP (mmHg)", 1.05),
        ("HR (bpm)", 0.8),
        ("SpO2 (%)", 0.8),
        ("RR (/min)", 0.8),
        ("MOAA/S", 0.9),
        ("Dissoc. (0–10)", 0.95),
        ("Alert", 1.75),
    ]
    has_cadss = any(r.row.get("cadss_total") not in (None, "") for r in table_rows)
    if has_cadss:
        columns.insert(9, ("CADSS", 0.7))
    data: list[list[str | Flowable]] = []
    marked: list[int] = []
    for position, item in enumerate(table_rows):
        row = item.row
        bp = "—"
        if row.get("systolic") not in (None, "") or row.get("diastolic") not in (None, ""):
            bp = f"{_num(row.get('systolic'))}/{_num(row.get('diastolic'))}"
        alert_text = "; ".join(rule_name(a) for a in item.alerts)
        cells: list[str | Flowable] = [
            _clock_of(readout, item.instant, row.get("time")),
            t_plus_cell(item.t_plus_min),
            _choice(log, "timepoint", row.get("timepoint")),
            bp,
            _num(row.get("heart_rate")),
            _num(row.get("spo2")),
            _num(row.get("respiratory_rate")),
            _num(row.get("moaas")),
            _num(row.get("dissociation")),
        ]
        if has_cadss:
            cells.append(_num(row.get("cadss_total")))
        cells.append(f"⚠ {alert_text}" if item.alerts else "")
        if item.alerts:
            marked.append(position)
        data.append(cells)
    out.append(
        kit.data_table(
            [name for name, _w in columns],
            data,
            [w for _n, w in columns],
            marked=marked,
            alarming=[(len(columns) - 1, position) for position in marked],
        )
    )
    return out


def _num(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number_text(value)
    return str(value)


def _clock_of(readout: SessionReadout, instant: datetime | None, raw: Any) -> str:
    if instant is not None:
        return readout.clock(instant)
    return str(raw) if raw not in (None, "") else "—"


_RULE_NAMES = {
    "pre_dose_hold": "pre-dose hold",
    "hypertension": "hypertension",
    "tachycardia": "tachycardia",
    "desaturation": "low SpO2",
    "excess_sedation": "sedation",
}


def rule_name(alert: Alert) -> str:
    """A short name of the rule an alert is of (``hypertension``, ``low SpO2``)."""
    return _RULE_NAMES.get(alert.rule.value, alert.rule.value.replace("_", " "))


# --------------------------------------------------------------------------- doses


def _amount(value: Any) -> str:
    """A dose column: at most two decimals, never scientific notation (``3070``, ``43.86``)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return plain_number(value)
    return _num(value)


def doses(kit: Kit, log: LogField, readout: SessionReadout) -> list[Flowable]:
    """Time, T+, product, route, mg, mg/kg, lot, booster; infusion minutes, stop and rate
    when there is an infusion; any reason given, under its dose. A dose given in mg shows its
    mg/kg from the client's recorded weight, as the live view works it out (said under the
    table)."""
    rows = readout.dose_rows()
    weight = readout.record.client.weight_kg
    infusion = any(r.row.get("infusion_min") not in (None, "") for r in rows)
    headers = ["Time", "T+ (min)", "Product", "Route", "Dose (mg)", "mg/kg", "Lot", "Booster"]
    weights = [1.0, 0.75, 1.5, 1.3, 0.85, 0.7, 1.2, 0.9]
    if infusion:
        headers += ["Infusion", "Stopped", "Rate"]
        weights += [0.85, 0.9, 1.05]
    data: list[list[str | Flowable]] = []
    reasons: list[str] = []
    worked_out = False
    for item in rows:
        row = item.row
        mg = item.dose.dose_mg if item.dose is not None else row.get("dose_mg")
        per_kg = row.get("dose_mg_per_kg")
        if per_kg in (None, "") and isinstance(mg, int | float) and not isinstance(mg, bool):
            per_kg = mg_per_kg(mg, weight)
            worked_out = worked_out or per_kg is not None
        cells: list[str | Flowable] = [
            _clock_of(readout, item.instant, row.get("time")),
            t_plus_cell(item.t_plus_min),
            _choice(log, "product", row.get("product")),
            _choice(log, "route", row.get("route")),
            _amount(mg),
            _amount(per_kg),
            str(row.get("lot_number") or "—"),
            "Booster" if item.booster else ("First dose" if item.instant is not None else "—"),
        ]
        if infusion:
            minutes = row.get("infusion_min")
            cells += [
                f"{_num(minutes)} min" if minutes not in (None, "") else "—",
                _clock_of(readout, item.stop, row.get("stop_time")) if minutes else "—",
                item.rate or "—",
            ]
        data.append(cells)
        reason = row.get("override_reason")
        if reason:
            reasons.append(f"Dose at {cells[0]}: reason given — {reason}")
    out: list[Flowable] = [kit.data_table(headers, data, weights)]
    doses_given = readout.record.doses()
    if doses_given:
        total = sum(d.dose_mg for d in doses_given)
        boosters = len(doses_given) - 1
        summary = f"Total given: {plain_number(total)} mg"
        if boosters:
            summary += f" ({boosters} booster{'s' if boosters != 1 else ''})"
        summary += f" · T0 {readout.clock(min(d.time for d in doses_given))}"
        out.append(Spacer(1, 3))
        out.append(kit.para(summary, "small", bold=True))
    if worked_out and weight is not None:
        out.append(
            kit.para(
                f"mg/kg of a dose given in mg: worked out from the client's recorded weight, "
                f"{plain_number(weight, 1)} kg.",
                "small",
            )
        )
    for reason in reasons:
        out.append(kit.para(reason, "small"))
    return out


# --------------------------------------------------------------------------- observations


def observations(
    kit: Kit, log: LogField, rows: Sequence[dict[str, Any]], ctx: LogContext
) -> list[Flowable]:
    """The observation timeline: time, T+, the entry with its tags; the app's own lines
    (alerts, overrides, discharge) in bold, late and corrected entries said so."""
    tags_column = log.column("tags")
    by_event = {str(r.get(EVENT_KEY)): r for r in rows if r.get(EVENT_KEY)}
    data: list[list[str | Flowable]] = []
    marked: list[int] = []
    for position, row in enumerate(rows):
        instant = ctx.times.row(log.id, position)
        minutes = ctx.times.t_plus_min(instant) if instant is not None else None
        text = str(row.get("text") or "")
        parts: list[str] = []
        app_line = LiveSession.is_app_entry(row)  # the app's own lines, as the live view marks them
        if text.startswith("ALERT:"):
            parts.append(kit.tinted(text, "alert_text", bold=True))
            marked.append(position)
        elif text:
            parts.append(f"<b>{kit.esc(text)}</b>" if app_line else kit.esc(text))
        tags = row.get("tags")
        if isinstance(tags, list) and tags:
            labels = [
                option_label(tags_column.options, t)
                if isinstance(tags_column, MultiChoiceField | SingleChoiceField)
                else str(t)
                for t in tags
            ]
            parts.append(kit.tinted(f"[{', '.join(labels)}]", "muted", italic=True))
        target = row.get(ANNOTATES_KEY)
        if isinstance(target, str) and target in by_event:
            other = rows.index(by_event[target])
            when = _clock(ctx, ctx.times.row(log.id, other), by_event[target].get("time"))
            parts.append(kit.tinted(f"(note on the {when} entry)", "muted", italic=True))
        if row.get(ENTERED_AT_KEY):
            parts.append(kit.tinted("(entered late)", "muted", italic=True))
        original = ctx.originals.get(str(row.get(EVENT_KEY)))
        first = original.get("text") if original else None
        if first and first != text:
            parts.append(kit.tinted(f"(corrected; first: {first})", "muted", italic=True))
        entry = kit.rich(" ".join(parts) or "—", "cell")
        data.append([_clock(ctx, instant, row.get("time")), t_plus_cell(minutes), entry])
    return [
        kit.data_table(
            ["Time", "T+ (min)", "Observation"],
            data,
            [1.1, 0.75, 8.1],
            marked=marked,
        )
    ]


# --------------------------------------------------------------------------- any other log


def generic(
    kit: Kit, log: LogField, rows: Sequence[dict[str, Any]], ctx: LogContext
) -> list[Flowable]:
    """Every column the template defines, in its order; time columns on the timeline, with a
    T+ column after the entry's time when the note has a first dose."""
    columns = [c for c in log.columns if c.id != "t_plus_min"]
    has_t_plus = ctx.times.t0 is not None and log.column("time") is not None
    headers: list[str] = []
    weights: list[float] = []
    for column in columns:
        headers.append(_header(column))
        weights.append(_weight(column))
        if has_t_plus and column.id == "time":
            headers.append("T+ (min)")
            weights.append(0.75)
    data: list[list[str | Flowable]] = []
    for position, row in enumerate(rows):
        cells: list[str | Flowable] = []
        for column in columns:
            if isinstance(column, TimeField):
                instant = ctx.times.row(log.id, position, column.id)
                cells.append(_clock(ctx, instant, row.get(column.id)))
                if has_t_plus and column.id == "time":
                    cells.append(t_plus_cell(ctx.times.t_plus_min(instant) if instant else None))
            else:
                cells.append(cell_text(column, row.get(column.id)))
        data.append(cells)
    return [kit.data_table(headers, data, weights)]


def _header(column: Any) -> str:
    unit = getattr(column, "unit", "")
    label = str(column.label)
    if unit and unit not in label:
        return f"{label} ({unit})"
    return label


def _weight(column: Any) -> float:
    kind = getattr(column, "type", "")
    if kind in ("long_text",):
        return 3.0
    if kind in ("short_text", "multi_choice"):
        return 1.6
    if kind in ("single_choice",):
        return 1.3
    if kind in ("time", "date"):
        return 1.1
    return 0.9
