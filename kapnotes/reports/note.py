"""One note as pages: title, client, every field the editor shows, signature and addenda.

The note prints from its own template snapshot: sections in their order (a
narrative section under the headings of the layout the note was written in,
SOAP, DAP or BIRP), every field the editor shows with its label; a field hidden
by ``show_if`` is not printed, nor an empty optional one (an empty required one
of a draft prints as "not filled in"). Logs print as tables (see
:mod:`kapnotes.reports.logs`); a dosing note adds its vitals chart and alerts,
its monitoring time per clinician with the suggested codes, and, for
esketamine, what its REMS block still lacks.

A signed note ends with its signature block (signer, credential, date and
time, SHA-256 content hash) and its addenda, each with its own signer, time and
hash. A draft carries DRAFT on every page and no signature block.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reportlab.platypus import Flowable, KeepTogether, Spacer

from kapnotes.domain.clients import ClientInput, product_label
from kapnotes.domain.instruments import LoadedInstruments, score
from kapnotes.domain.note_times import NoteTimes
from kapnotes.domain.notes import PHASE_LABELS
from kapnotes.domain.session import ClinicSettings, format_minutes
from kapnotes.domain.templates import (
    AnyField,
    ChecklistField,
    InstrumentField,
    LogField,
    LongTextField,
    NarrativeLayout,
    NoteLinkField,
    Section,
    ShortTextField,
    TemplateSpec,
    TimeField,
    evaluate_condition,
    section_visible,
    visible_items,
)
from kapnotes.domain.templates.model import is_blank
from kapnotes.reports.blocks import Kit
from kapnotes.reports.document import PartHeader, PartMark
from kapnotes.reports.fields import value_text
from kapnotes.reports.logs import LogContext, log_flowables
from kapnotes.reports.styles import markup_colour
from kapnotes.reports.words import day_text, long_day_text, number_text, stamp_text
from kapnotes.session.readout import SessionReadout
from kapnotes.store.clients import CourseRecord
from kapnotes.store.notes import NoteRecord

#: The stored text the live view keeps of its monitoring-time summary: the report prints
#: the same summary as a table instead.
TIME_SUMMARY_FIELD = "monitoring_time_summary"
_BP_PART = re.compile(r"^(?P<stem>.+)_(?P<part>systolic|diastolic)$")


@dataclass(frozen=True)
class NoteView:
    """Everything one note's pages show, read from the vault (see ``kapnotes.reports.source``).

    ``values`` are the note's values with computed fields filled in; ``context`` is
    what its template reads as ``$client.…``; ``linked`` names the notes its links
    point to; ``readout`` is the live session's view of a dosing note (None for
    other notes); ``times`` are its instants on the session timeline.
    """

    note: NoteRecord
    spec: TemplateSpec
    client_id: str
    client: ClientInput
    course: CourseRecord
    values: dict[str, Any]
    context: dict[str, Any]
    layout: NarrativeLayout
    times: NoteTimes
    settings: ClinicSettings
    instruments: LoadedInstruments
    readout: SessionReadout | None = None
    linked: Mapping[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The template's title (``Dosing session``)."""
        return self.spec.title

    @property
    def session_number(self) -> str | None:
        """The note's session number, if it has one."""
        number = self.values.get("session_number")
        if isinstance(number, int | float) and not isinstance(number, bool):
            return number_text(number)
        return None

    def header(self) -> PartHeader:
        """The running header of the note's pages."""
        client = self.client
        left = [client.name]
        if client.date_of_birth is not None:
            left.append(f"DOB {day_text(client.date_of_birth)}")
        right = [PHASE_LABELS.get(self.note.kind, self.title)]
        if self.session_number:
            right.append(f"Session {self.session_number}")
        right.append(day_text(self.note.session_date))
        return PartHeader(
            f"{' · '.join(left)}\nClient ID {self.client_id}",
            " · ".join(right),
            draft=not self.note.is_signed,
        )


def note_story(kit: Kit, view: NoteView, *, letterhead: bool = True) -> list[Flowable]:
    """The flowables of one note's pages (starting with its header mark)."""
    story: list[Flowable] = [PartMark(view.header())]
    if letterhead:
        story.extend(kit.letterhead(view.settings.letterhead))
    story.extend(_title(kit, view))
    originals = {
        event.id: event.data["original"]
        for event in view.note.events
        if isinstance(event.data.get("original"), dict)
    }
    ctx = LogContext(view.times, view.readout, view.settings, originals)
    for section in view.spec.sections:
        if not section_visible(section, view.values, view.context):
            continue
        story.extend(_section(kit, view, section, ctx))
    story = kit.keep_with_end(story, _signature(kit, view))
    story.extend(_addenda(kit, view))
    return story


# --------------------------------------------------------------------------- title


def _title(kit: Kit, view: NoteView) -> list[Flowable]:
    note = view.note
    status = "Signed" if note.is_signed else "Draft — not signed"
    parts = []
    if view.session_number:
        parts.append(f"Session {view.session_number}")
    parts += [long_day_text(note.session_date), status]
    client = view.client
    name = client.name + (f" ({client.pronouns})" if client.pronouns else "")
    course = product_label(view.course.planned_product)
    if view.course.indication:
        course += f" · {view.course.indication}"
    rows: list[tuple[str, Flowable | str]] = [
        ("Client", kit.para(name, bold=True)),
        (
            "Date of birth",
            day_text(client.date_of_birth) if client.date_of_birth else "not recorded",
        ),
        ("Client ID", view.client_id),
        ("Course", course),
        ("Note ID", note.id),
        ("Times shown in", note.time_zone),
    ]
    return [
        kit.para(view.title, "title"),
        kit.para(" · ".join(parts), "subtitle"),
        Spacer(1, 6),
        kit.pairs(rows),
    ]


# --------------------------------------------------------------------------- sections


def _field_visible(field_: AnyField, view: NoteView) -> bool:
    return field_.show_if is None or evaluate_condition(field_.show_if, view.values, view.context)


def _section(
    kit: Kit,
    view: NoteView,
    section: Section,
    ctx: LogContext,
) -> list[Flowable]:
    title = section.title
    if section.narrative:
        title += f" ({view.layout.value.upper()})"
    body: list[Flowable] = []
    rows: list[tuple[str, Flowable | str]] = []

    def flush() -> None:
        if rows:
            body.append(kit.pairs(list(rows)))
            rows.clear()

    fields: list[AnyField] = [*section.fields, *section.narrative_fields(view.layout)]
    paired = _bp_pairs(section, view)
    for field_ in fields:
        if not _field_visible(field_, view) or field_.id in paired.skip:
            continue
        if field_.id == TIME_SUMMARY_FIELD and view.readout is not None:
            flush()
            body.extend(_billing(kit, view, field_))
            continue
        if field_.id in paired.rows:
            rows.append(paired.rows[field_.id])
            continue
        value = view.values.get(field_.id)
        if isinstance(field_, LogField):
            flush()
            body.extend(kit.headed(field_.label, log_flowables(kit, field_, view.values, ctx)))
            body.append(Spacer(1, 4))
            continue
        if isinstance(field_, InstrumentField):
            if is_blank(value):
                continue
            flush()
            body.extend(_instrument(kit, view, field_, value))
            continue
        text = _field_text(field_, value, view)
        if text is None:
            if field_.required_to_sign and not view.note.is_signed:
                rows.append(
                    (
                        field_.label,
                        kit.rich(
                            f'<font color="{markup_colour("alert_text")}">'
                            "— not filled in (required to sign)</font>"
                        ),
                    )
                )
            continue
        if isinstance(field_, LongTextField | ShortTextField) and not kit.fits_in_row(text):
            flush()
            body.append(kit.para(field_.label, "label"))
            body.extend(kit.text_block(text))
            body.append(Spacer(1, 4))
            continue
        rows.append((field_.label, text))
    flush()
    if section.id == "rems" and view.readout is not None and not view.note.is_signed:
        missing = view.readout.rems_summary().missing
        if missing:
            body.append(kit.para("Still missing for the REMS form: " + "; ".join(missing), "alert"))
    if not body:
        return []
    return kit.keep_with_start(kit.heading(title), body)


@dataclass(frozen=True)
class _Paired:
    rows: dict[str, tuple[str, str]]
    skip: set[str]


def _bp_pairs(section: Section, view: NoteView) -> _Paired:
    """``…_systolic`` and ``…_diastolic`` fields side by side print as one ``148/94 mmHg`` row
    (labelled without ": systolic")."""
    by_id = {f.id: f for f in section.fields}
    rows: dict[str, tuple[str, str]] = {}
    skip: set[str] = set()
    for field_ in section.fields:
        match = _BP_PART.match(field_.id)
        if match is None or match.group("part") != "systolic":
            continue
        other = by_id.get(f"{match.group('stem')}_diastolic")
        if other is None:
            continue
        systolic, diastolic = view.values.get(field_.id), view.values.get(other.id)
        if is_blank(systolic) and is_blank(diastolic):
            skip.update({field_.id, other.id})
            continue
        label = re.sub(r"[:,]?\s*systolic$", "", field_.label, flags=re.IGNORECASE).strip()
        unit = getattr(field_, "unit", "") or "mmHg"
        text = f"{_plain(systolic)}/{_plain(diastolic)} {unit}"
        rows[field_.id] = (label, text)
        skip.add(other.id)
    return _Paired(rows, skip)


def _plain(value: Any) -> str:
    if is_blank(value):
        return "—"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number_text(value)
    return str(value)


def _field_text(field_: AnyField, value: Any, view: NoteView) -> str | None:
    if isinstance(field_, NoteLinkField):
        if is_blank(value):
            return None
        return view.linked.get(str(value), "a note no longer in this vault")
    if isinstance(field_, TimeField):
        instant = view.times.fields.get(field_.id)
        if is_blank(value):
            return None
        return view.times.timeline.clock(instant) if instant is not None else str(value)
    if isinstance(field_, ChecklistField):
        items = visible_items(field_, view.values, view.context)
        return value_text(field_, value, items=items)
    if isinstance(field_, LogField | InstrumentField):
        return None
    return value_text(field_, value)


# --------------------------------------------------------------------------- instruments


def _instrument(kit: Kit, view: NoteView, field_: InstrumentField, value: Any) -> list[Flowable]:
    spec = view.instruments.get(field_.instrument_id)
    out: list[Flowable] = []
    if spec is None or not isinstance(value, dict):
        count = len(value) if isinstance(value, dict) else 0
        out.append(
            kit.para(
                f"{count} answers recorded; the instrument '{field_.instrument_id}' is not "
                "installed here, so they are not scored.",
                "muted",
            )
        )
        return kit.headed(field_.label, out)
    answers = {k: v for k, v in value.items() if isinstance(v, int) and not isinstance(v, bool)}
    result = score(spec, answers)
    low, high = spec.score_range
    if result.complete and result.total is not None:
        line = f"Total {result.total} (possible {low}–{high})"
        if result.band:
            line += f" · {result.band}"
    else:
        missing = ", ".join(result.missing_items)
        line = f"Not scored: items still unanswered ({missing})"
    out.append(kit.para(line, "body", bold=True))
    for flag in result.flags:
        out.append(kit.para(f"⚠ Flag: {flag.label}", "alert"))
    data: list[list[str | Flowable]] = []
    for number, item in enumerate(spec.items, start=1):
        answer = answers.get(item.id)
        options = {o.value: o.label for o in spec.options_for(item)}
        shown = "—" if answer is None else f"{answer} · {options.get(answer, '')}".rstrip(" ·")
        data.append([str(number), kit.para(item.text, "cell"), shown])
    out.append(kit.data_table(["#", "Item", "Answer"], data, [0.4, 6.2, 2.6], aligned_right=[0]))
    out.append(Spacer(1, 4))
    return kit.headed(field_.label, out)


# --------------------------------------------------------------------------- monitoring time


def _billing(kit: Kit, view: NoteView, field_: AnyField) -> list[Flowable]:
    readout = view.readout
    summary = readout.billing_summary() if readout is not None else None
    out: list[Flowable] = []
    if summary is None:
        stored = view.values.get(field_.id)
        out.append(
            kit.para(str(stored) if stored else "No clinician recorded as present.", "muted")
        )
        return kit.headed(field_.label, out)
    people = [
        [
            person.name,
            person.role.capitalize(),
            format_minutes(person.minutes),
            format_minutes(person.remote_minutes) if person.remote_minutes else "—",
        ]
        for person in summary.people
    ]
    out.append(
        kit.data_table(["Clinician", "Role", "In person", "Remote"], people, [3.2, 1.6, 1.3, 1.3])
    )
    out.append(Spacer(1, 4))
    rounding = summary.rounding.value.replace("_", " ")
    if summary.lines:
        codes = [
            [
                line.code,
                line.description,
                str(line.units),
                format_minutes(line.minutes),
                ", ".join(line.people) or "—",
            ]
            for line in summary.lines
        ]
        out.append(kit.para(f"Suggested codes ({rounding} rounding)", "label"))
        out.append(
            kit.data_table(
                ["Code", "Description", "Units", "Minutes", "Clinicians"],
                codes,
                [0.8, 4.2, 0.6, 1.1, 2.2],
                aligned_right=[2],
            )
        )
    else:
        out.append(kit.para(f"Suggested codes ({rounding} rounding): none yet", "muted"))
    for note in summary.notes:
        out.append(kit.para(f"Note: {note}", "muted"))
    return kit.headed(field_.label, out)


# --------------------------------------------------------------------------- signature


def _signature(kit: Kit, view: NoteView) -> list[Flowable]:
    note = view.note
    if not note.is_signed:
        return [
            Spacer(1, 10),
            kit.boxed(
                [
                    kit.para("DRAFT — not signed", "alert"),
                    kit.para(
                        "This note can still change. A signed copy carries the signer, the time "
                        "of signing and the note's SHA-256 content hash.",
                        "small",
                    ),
                ],
                "warning_bg",
                "warning_border",
            ),
        ]
    when = stamp_text(note.signed_at, note.time_zone) if note.signed_at else "an unknown time"
    block = [
        kit.para("✓ Signed electronically", "subsection"),
        kit.pairs(
            [("Signed by", note.signed_by or "unknown"), ("Signed on", when)],
            width=kit.width - 18,
        ),
        Spacer(1, 4),
        kit.para("Content hash (SHA-256)", "label"),
        kit.para(note.content_hash or "—", "hash"),
    ]
    return [Spacer(1, 10), kit.boxed(block, "highlight", "border")]


def _addenda(kit: Kit, view: NoteView) -> list[Flowable]:
    note = view.note
    if not note.addenda:
        return []
    out: list[Flowable] = [*kit.heading("Addenda")]
    for number, addendum in enumerate(note.addenda, start=1):
        when = stamp_text(addendum.created_at, note.time_zone)
        head = kit.para(f"Addendum {number} · {when} · signed by {addendum.author}", "subsection")
        body = kit.text_block(addendum.text)
        digest = kit.para(f"Content hash (SHA-256) {addendum.content_hash}", "hash")
        out.append(KeepTogether([head, *body[:3]]))
        out.extend(body[3:])
        out.append(digest)
        out.append(Spacer(1, 6))
    return out
