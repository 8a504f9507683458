"""The course report: a cover, a table of every session, each measure's trend, the open risk
flags, then every note of the course in date order.

For an insurer or a referring psychiatrist: the cover names the client, the
course (product, indication, dates, status) and the clinicians; the session
table gives each note's date, phase, product, dose, alerts and adverse events;
each instrument's chart marks the dosing days and reports the change from
baseline, response and remission as the client page does
(:mod:`kapnotes.domain.trends`). Each note then follows on its own pages, with
its own running header and, for a draft, the DRAFT mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer

from kapnotes.domain.clients import product_label
from kapnotes.domain.instruments import InstrumentSpec
from kapnotes.domain.letterhead import Letterhead
from kapnotes.domain.notes import PHASE_LABELS, Phase
from kapnotes.domain.templates import LogField, SingleChoiceField
from kapnotes.domain.trends import Trend, trend_for
from kapnotes.reports.blocks import Kit
from kapnotes.reports.charts import trend_chart
from kapnotes.reports.document import PartHeader, PartMark
from kapnotes.reports.fields import option_label
from kapnotes.reports.logs import rule_name
from kapnotes.reports.note import NoteView, note_story
from kapnotes.reports.source import CourseView
from kapnotes.reports.words import day_text, number_text, plural, signed, stamp_text
from kapnotes.store.measures import MeasureRecord


def course_story(
    kit: Kit,
    view: CourseView,
    letterhead: Letterhead,
    *,
    printed_by: str,
    printed_at: datetime,
    first: bool,
) -> list[Flowable]:
    """The flowables of one course's report (a page break first unless it opens the PDF)."""
    story: list[Flowable] = [] if first else [PageBreak()]
    story.append(PartMark(_header(view)))
    story.extend(kit.letterhead(letterhead))
    story.extend(_cover(kit, view, printed_by, printed_at))
    story.extend(_sessions(kit, view))
    story.extend(_measures(kit, view))
    story.extend(_flags(kit, view))
    for note in view.notes:
        story.append(PageBreak())
        story.extend(note_story(kit, note, letterhead=False))
    return story


def _header(view: CourseView) -> PartHeader:
    data = view.client.data
    left = [data.name]
    if data.date_of_birth is not None:
        left.append(f"DOB {day_text(data.date_of_birth)}")
    right = f"Course report · from {day_text(view.course.start_date)}"
    return PartHeader(f"{' · '.join(left)}\nClient ID {view.client.id}", right)


def _cover(kit: Kit, view: CourseView, printed_by: str, printed_at: datetime) -> list[Flowable]:
    data = view.client.data
    course = view.course
    notes = view.notes
    kinds = [n.note.kind for n in notes]
    counts = [
        plural(
            kinds.count(phase),
            PHASE_LABELS[phase].lower() + (" note" if phase is not Phase.DOSING else ""),
        )
        for phase in Phase
        if kinds.count(phase)
    ]
    last = max((n.note.session_date for n in notes), default=None)
    clinicians: dict[str, None] = {}
    for note in notes:
        if note.note.signed_by:
            clinicians.setdefault(note.note.signed_by, None)
        for row in note.values.get("clinicians") or []:
            if isinstance(row, dict) and row.get("name"):
                credential = f", {row['credential']}" if row.get("credential") else ""
                clinicians.setdefault(f"{row['name']}{credential}", None)
    product = product_label(course.planned_product)
    if course.planned_route_detail:
        product += f" ({course.planned_route_detail})"
    zone = view.notes[0].note.time_zone if view.notes else "UTC"
    rows: list[tuple[str, Flowable | str]] = [
        (
            "Client",
            kit.para(data.name + (f" ({data.pronouns})" if data.pronouns else ""), bold=True),
        ),
        ("Date of birth", day_text(data.date_of_birth) if data.date_of_birth else "not recorded"),
        ("Client ID", view.client.id),
        ("Course", product),
        ("Indication", course.indication or "—"),
        (
            "Dates",
            f"{day_text(course.start_date)} – {day_text(last) if last else 'no session yet'}",
        ),
        ("Status", course.status.replace("_", " ").capitalize()),
        ("Notes", ", ".join(counts) if counts else "none yet"),
        ("Clinicians", "; ".join(clinicians) if clinicians else "—"),
        ("Prepared by", f"{printed_by} · {stamp_text(printed_at, zone)}"),
    ]
    return [
        kit.para("Course report", "title"),
        kit.para(product, "subtitle"),
        Spacer(1, 6),
        kit.pairs(rows),
    ]


# --------------------------------------------------------------------------- sessions


def _dose_summary(note: NoteView) -> tuple[str, str]:
    """(product, dose) of a dosing note: ``Racemic ketamine sublingual …``, ``200 mg``."""
    if note.values.get("dosing_cancelled") is True:
        return (
            product_label(str(note.values.get("planned_product") or "")),
            "not dosed (cancelled)",
        )
    readout = note.readout
    doses = readout.record.doses() if readout is not None else []
    if not doses:
        planned = note.values.get("planned_product")
        return (product_label(str(planned)) if planned else "—", "no dose logged")
    total = sum(d.dose_mg for d in doses)
    text = f"{number_text(total)} mg"
    if len(doses) > 1:
        text += f" ({plural(len(doses) - 1, 'booster')})"
    return product_label(doses[0].product.value), text


def _adverse(note: NoteView) -> str:
    field = note.spec.field_map().get("adverse_events")
    rows = note.values.get("adverse_events")
    if not isinstance(field, LogField) or not isinstance(rows, list) or not rows:
        return "none"
    kind = field.column("kind")
    severity = field.column("severity")
    out = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        name = (
            option_label(kind.options, row.get("kind"))
            if isinstance(kind, SingleChoiceField)
            else str(row.get("kind"))
        )
        level = row.get("severity")
        if level and isinstance(severity, SingleChoiceField):
            name += f" ({option_label(severity.options, level).lower()})"
        out.append(name)
    return "; ".join(out) or "none"


def _sessions(kit: Kit, view: CourseView) -> list[Flowable]:
    out: list[Flowable] = [*kit.heading("Sessions")]
    if not view.notes:
        return [*out, kit.para("No notes in this course yet.", "muted")]
    data: list[list[str | Flowable]] = []
    marked: list[int] = []
    for position, note in enumerate(view.notes):
        phase = PHASE_LABELS[note.note.kind]
        if note.session_number:
            phase += f" {note.session_number}"
        product, dose, alerts, adverse = "—", "—", "—", "—"
        if note.note.kind == Phase.DOSING:
            product, dose = _dose_summary(note)
            adverse = _adverse(note)
            found = note.readout.alerts if note.readout is not None else []
            alerts = (
                f"{len(found)}: " + ", ".join(dict.fromkeys(rule_name(a) for a in found))
                if found
                else "none"
            )
            if found:
                marked.append(position)
        data.append(
            [
                day_text(note.note.session_date),
                phase,
                kit.para(product, "cell"),
                dose,
                kit.para(alerts, "cell"),
                kit.para(adverse, "cell"),
                "Signed" if note.note.is_signed else "Draft",
            ]
        )
    out.append(
        kit.data_table(
            ["Date", "Note", "Product", "Dose", "Alerts", "Adverse events", "Status"],
            data,
            [1.2, 1.2, 1.85, 1.1, 1.45, 1.55, 0.75],
            marked=marked,
        )
    )
    return out


# --------------------------------------------------------------------------- measures


def _measures(kit: Kit, view: CourseView) -> list[Flowable]:
    out: list[Flowable] = [*kit.heading("Outcome measures")]
    scored = [m for m in view.measures if m.total is not None]
    if not scored:
        return [*out, kit.para("No scored measures in this course.", "muted")]
    instruments = view.notes[0].instruments if view.notes else None
    dosing_days = sorted({n.note.session_date for n in view.notes if n.note.kind == Phase.DOSING})
    by_instrument: dict[str, list[MeasureRecord]] = {}
    for measure in scored:
        by_instrument.setdefault(measure.instrument_id, []).append(measure)
    for instrument_id, records in by_instrument.items():
        spec = instruments.get(instrument_id) if instruments is not None else None
        if spec is None:
            out.append(
                kit.para(f"{instrument_id}: instrument not installed here; not charted.", "muted")
            )
            continue
        out.extend(_instrument_trend(kit, spec, records, dosing_days))
    return out


def _instrument_trend(
    kit: Kit, spec: InstrumentSpec, records: Sequence[MeasureRecord], dosing_days: Sequence[date]
) -> list[Flowable]:
    series = [(m.day, int(m.total)) for m in records if m.total is not None]
    try:
        trend = trend_for(spec, series)
    except ValueError as error:
        return [kit.para(f"{spec.short_name}: {error}", "muted")]
    baseline = trend.baseline.total
    response_level = baseline * (100 - spec.response_fall_percent) / 100 if baseline > 0 else None
    chart = trend_chart(
        kit.width,
        series,
        dosing_days,
        spec.score_range,
        remission_below=spec.remission_below,
        response_level=response_level,
        response_label=f"response (−{spec.response_fall_percent}%)",
        label=spec.short_name,
    )
    heading = kit.para(f"{spec.short_name} · {spec.title}", "subsection")
    out: list[Flowable] = [
        KeepTogether([heading, chart, kit.para(_trend_sentence(spec, trend), "body")])
    ]
    rows: list[list[str | Flowable]] = []
    for point in trend.points:
        change = "baseline" if point.is_baseline else signed(point.change_points)
        percent = (
            "—"
            if point.is_baseline or point.change_percent is None
            else f"{signed(point.change_percent)}%"
        )
        rows.append(
            [
                day_text(point.date),
                str(point.total),
                point.band or "—",
                change,
                percent,
                "yes" if point.response else "no",
                "yes" if point.remission else ("no" if spec.remission_below is not None else "—"),
            ]
        )
    out.append(
        kit.data_table(
            ["Date", "Total", "Severity", "Change", "Change %", "Response", "Remission"],
            rows,
            [1.1, 0.6, 1.9, 0.8, 0.9, 0.9, 0.9],
            aligned_right=[1, 3, 4],
        )
    )
    out.append(Spacer(1, 6))
    return out


def _trend_sentence(spec: InstrumentSpec, trend: Trend) -> str:
    base, last = trend.baseline, trend.latest
    sentence = f"Baseline {base.total} on {day_text(base.date)}"
    if len(trend.points) == 1:
        return sentence + "; no later score yet."
    percent = "" if trend.change_percent is None else f", {signed(trend.change_percent)}%"
    change = f"{signed(trend.change_points)} points{percent}"
    sentence += f"; latest {last.total} on {day_text(last.date)} ({change})."
    response = "yes" if trend.response else "no"
    sentence += f" Response (a fall of {spec.response_fall_percent}% or more): {response}."
    if trend.remission is not None:
        sentence += (
            f" Remission (below {spec.remission_below}): {'yes' if trend.remission else 'no'}."
        )
    return sentence


# --------------------------------------------------------------------------- risk flags


def _flags(kit: Kit, view: CourseView) -> list[Flowable]:
    out: list[Flowable] = [*kit.heading("Open risk flags")]
    open_flags = [m for m in view.measures if m.open_flags]
    if not open_flags:
        acknowledged = sum(1 for m in view.measures if m.flags)
        text = "None open."
        if acknowledged:
            verb = "was" if acknowledged == 1 else "were"
            text += f" {plural(acknowledged, 'flag')} raised in this course {verb} acknowledged."
        return [*out, kit.para(text, "body")]
    rows: list[list[str | Flowable]] = []
    instruments = view.notes[0].instruments if view.notes else None
    for measure in open_flags:
        spec = instruments.get(measure.instrument_id) if instruments is not None else None
        name = spec.short_name if spec is not None else measure.instrument_id
        total = "—" if measure.total is None else number_text(measure.total)
        rows.append(
            [day_text(measure.day), name, total, kit.para(measure.flag_labels, "cell"), "open"]
        )
    out.append(
        kit.data_table(
            ["Date", "Measure", "Total", "Flag", "Status"],
            rows,
            [1.1, 1.0, 0.7, 5.0, 0.8],
            marked=list(range(len(rows))),
        )
    )
    return out
