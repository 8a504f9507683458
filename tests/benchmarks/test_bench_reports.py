"""Benchmark (run by `make bench`): the course report against a bare reportlab build of it.

A course of 20 dosing sessions with 300 vitals rows each (plus doses,
observations and the usual fields) is printed twice:

* **kapnotes** — ``course_pdf`` from the vault: reading every note, placing its
  times, evaluating its alerts, laying out the cover, session table, each note
  with its chart and tables, "Page X of Y" on every page;
* **bare reportlab** — the same content (the same rows, the same charts' points,
  the same fields) read from the vault beforehand and laid out with plain
  ``SimpleDocTemplate``, ``Table`` and ``LinePlot``, a header and a "Page N"
  footer, one pass.

The issue's target is kapnotes ≤ 1.5 × bare. The figures are printed, not asserted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.note_times import place_times, session_timeline
from kapnotes.domain.notes import Phase
from kapnotes.domain.session import ClinicSettings
from kapnotes.domain.templates import load_templates
from kapnotes.reports import course_pdf, load_fonts
from kapnotes.reports.fonts import BOLD, FAMILY
from kapnotes.store.clients import ClientStore
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import OpenVault, Vault
from tests.conftest import FAST_KDF

SESSIONS = 20
ROWS = 300
PRINTED = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
ZONE = "America/New_York"


def _course(opened: OpenVault) -> tuple[str, str]:
    clients = ClientStore(opened, "America/New_York")
    notes = NoteStore(opened)
    client_id = clients.create(ClientInput(name="Zoë Ñúñez-Ołowska", weight_kg=70.0))
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 1, 5),
            indication="Treatment-resistant depression (fictional)",
            planned_product=Product.KETAMINE_IV,
        ),
    )
    template = load_templates().for_phase(Phase.DOSING)[0]
    spec = template.snapshot()
    for session in range(SESSIONS):
        day = date(2026, 1, 5) + timedelta(days=7 * session)
        vitals = [
            {
                "time": f"{7 + n // 60:02d}:{n % 60:02d}",
                "systolic": 118 + (n * 7) % 40,
                "diastolic": 72 + (n * 5) % 25,
                "heart_rate": 64 + (n * 3) % 40,
                "spo2": 95 + n % 5,
                "respiratory_rate": 12 + n % 6,
                "moaas": 5 - n % 3,
                "dissociation": n % 8,
            }
            for n in range(ROWS)
        ]
        # one hypertension episode per session: two readings above 180/110, 5 minutes apart
        vitals[100].update(systolic=182, diastolic=112)
        vitals[105].update(systolic=184, diastolic=110)
        values: dict[str, Any] = {
            "session_date": day.isoformat(),
            "start_time": "07:00",
            "session_number": session + 1,
            "session_mode": "in_person",
            "planned_product": "ketamine_iv",
            "pre_dose_checklist": ["fasted", "ride_home_confirmed", "consent_reconfirmed"],
            "clinicians": [
                {
                    "name": "Dr Ada Quill",
                    "role": "therapist",
                    "credential": "PsyD",
                    "in_person": True,
                    "start_time": "07:00",
                    "end_time": "12:00",
                },
            ],
            "vitals_log": vitals,
            "dose_log": [
                {
                    "time": "07:30",
                    "product": "racemic_ketamine",
                    "route": "iv",
                    "dose_mg": 35,
                    "dose_mg_per_kg": 0.5,
                    "lot_number": "LOT-Ω-1",
                    "infusion_min": 40,
                },
            ],
            "observation_log": [
                {
                    "time": f"{8 + n // 6:02d}:{(n * 10) % 60:02d}",
                    "text": f"Resting, eyes closed; said «спокойно» ({n}).",
                    "tags": ["resting"],
                }
                for n in range(20)
            ],
            "therapist_observations": "Quiet at the peak; settled by the end. " * 8,
            "discharge_time": "12:00",
            "monitoring_end_time": "12:00",
            "escort_name": "Alder Example",
            "narrative_subjective": "Felt calm and far away. " * 20,
            "narrative_objective": "Vitals within limits for most of the session. " * 10,
            "narrative_assessment": "Tolerated well. " * 10,
            "narrative_plan": "Integration in two days. " * 5,
        }
        # As the editor saves a note: every clock time placed on the session's timeline.
        placed, _times = place_times(template, values, session_timeline(ZONE, day))
        note_id = notes.create(course_id, Phase.DOSING, spec, day, placed, time_zone=ZONE)
        assert note_id
    return client_id, course_id


def _bare(notes: list[dict[str, Any]], client: str) -> bytes:
    """The same content with plain reportlab, one pass: per note its fields as label/value
    rows, the vitals chart (two line plots), the alert line, the vitals, dose, observation
    and clinician tables, the narrative; a header and a "Page N" footer on every page."""
    load_fonts(fallback=False)  # the same registered TrueType font (Unicode names)
    body = ParagraphStyle("b", fontName=FAMILY, fontSize=9.5, leading=12.5)
    label = ParagraphStyle("l", fontName=BOLD, fontSize=8.5, leading=11)
    head = ParagraphStyle("h", fontName=BOLD, fontSize=12, leading=15)
    grid = TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), FAMILY),
            ("FONTSIZE", (0, 0), (-1, -1), 8.5),
            ("LEADING", (0, 0), (-1, -1), 10.5),
            ("FONTNAME", (0, 0), (-1, 0), BOLD),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, "grey"),
            ("BOX", (0, 0), (-1, -1), 0.5, "grey"),
        ]
    )

    def table(rows: list[list[Any]], widths: list[float] | None = None) -> Table:
        made = Table(rows, colWidths=widths, repeatRows=1)
        made.setStyle(grid)
        return made

    story: list[Any] = [Paragraph("Course report", head), Paragraph(client, body)]
    summary = [["Date", "Note", "Product", "Dose", "Alerts", "Adverse events", "Status"]]
    summary += [
        [
            n["session_date"],
            f"Dosing {n['session_number']}",
            "Racemic ketamine IV",
            "35 mg",
            "1: hypertension",
            "none",
            "Draft",
        ]
        for n in notes
    ]
    story.append(table(summary))
    for note in notes:
        story.append(PageBreak())
        story.append(Paragraph(f"Dosing session {note['session_number']}", head))
        fields = [
            [Paragraph(key, label), Paragraph(str(value), body)]
            for key, value in note.items()
            if isinstance(value, str | int) and not key.startswith(("_", "narrative"))
        ]
        fields += [[Paragraph(item, label), "Yes"] for item in note["pre_dose_checklist"]]
        story.append(Table(fields, colWidths=[2.4 * inch, 4.6 * inch]))
        vitals = note["vitals_log"]
        top, low = Drawing(504, 170), Drawing(504, 70)
        plot = LinePlot()
        plot.x, plot.y, plot.width, plot.height = 40, 10, 420, 150
        plot.data = [
            [(n, r[key]) for n, r in enumerate(vitals)]
            for key in ("systolic", "diastolic", "heart_rate")
        ]
        top.add(plot)
        spo2 = LinePlot()
        spo2.x, spo2.y, spo2.width, spo2.height = 40, 20, 420, 44
        spo2.data = [[(n, r["spo2"]) for n, r in enumerate(vitals)]]
        low.add(spo2)
        story += [top, low]
        story.append(Paragraph("WARNING · Hypertension: BP above 180/110 on two readings", body))
        rows = [
            [
                "Time",
                "T+ (min)",
                "Reading",
                "BP (mmHg)",
                "HR (bpm)",
                "SpO2 (%)",
                "RR (/min)",
                "MOAA/S",
                "Dissoc.",
                "Alert",
            ]
        ]
        for n, r in enumerate(vitals):
            rows.append(
                [
                    r["time"],
                    str(n - 30),
                    "Monitoring",
                    f"{r['systolic']}/{r['diastolic']}",
                    str(r["heart_rate"]),
                    str(r["spo2"]),
                    str(r["respiratory_rate"]),
                    str(r["moaas"]),
                    str(r["dissociation"]),
                    "",
                ]
            )
        story.append(table(rows))
        story.append(
            table(
                [["Time", "T+", "Product", "Route", "mg", "mg/kg", "Lot", "Booster", "Rate"]]
                + [
                    [
                        d["time"],
                        "0",
                        d["product"],
                        d["route"],
                        str(d["dose_mg"]),
                        str(d["dose_mg_per_kg"]),
                        d["lot_number"],
                        "First",
                        "0.75 mg/kg/h",
                    ]
                    for d in note["dose_log"]
                ]
            )
        )
        story.append(
            table(
                [["Time", "T+", "Observation"]]
                + [
                    [o["time"], "60", Paragraph(o["text"] + " [Resting]", body)]
                    for o in note["observation_log"]
                ],
                [0.9 * inch, 0.6 * inch, 5.5 * inch],
            )
        )
        story.append(
            table(
                [["Name", "Role", "Credential", "In person", "Start", "Stop"]]
                + [
                    [c["name"], c["role"], c["credential"], "Yes", c["start_time"], c["end_time"]]
                    for c in note["clinicians"]
                ]
            )
        )
        for key in (
            "narrative_subjective",
            "narrative_objective",
            "narrative_assessment",
            "narrative_plan",
        ):
            story.append(Spacer(1, 4))
            story.append(Paragraph(note[key], body))

    def page(canvas: Any, doc: Any) -> None:
        canvas.setFont(FAMILY, 7.5)
        canvas.drawString(54, LETTER[1] - 36, client)
        canvas.drawRightString(LETTER[0] - 54, 36, "Dosing session")
        canvas.drawString(54, 30, "Confidential")
        canvas.drawRightString(LETTER[0] - 54, 30, f"Page {doc.page}")

    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=LETTER, invariant=1, leftMargin=54, rightMargin=54).build(
        story, onFirstPage=page, onLaterPages=page
    )
    return buffer.getvalue()


def _interleaved(runs: int, *actions: Callable[[], object]) -> list[float]:
    """The fastest of ``runs`` timings of each action, the actions taking turns (so a busy
    moment of the machine does not fall on one of them only)."""
    best = [float("inf")] * len(actions)
    for _ in range(runs):
        for index, action in enumerate(actions):
            start = time.perf_counter()
            action()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def course_report_timings(workdir: Path | None = None, runs: int = 5) -> tuple[float, float]:
    """Seconds for the course report from the vault and for bare reportlab (fastest of
    ``runs`` each, taking turns); prints the figures. ``workdir`` defaults to a temporary folder."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        folder = workdir or Path(scratch)
        opened = Vault(folder / "v", kdf=FAST_KDF).create("Dr Bench", "PsyD", "bench pass").vault
        try:
            client_id, course_id = _course(opened)
            notes = NoteStore(opened)
            content = [notes.get(n).values for n in notes.notes_for_course(course_id)]
            settings = ClinicSettings(time_zone=ZONE)
            load_fonts()  # registering the fonts is a one-off cost of the first report

            document = course_pdf(
                opened, client_id, course_id, printed_at=PRINTED, settings=settings
            )
            bare_pdf = _bare(content, "Zoë Ñúñez-Ołowska")
            bare_pages = bare_pdf.count(b"/Type /Page\n")
            ours, bare = _interleaved(
                runs,
                lambda: course_pdf(
                    opened, client_id, course_id, printed_at=PRINTED, settings=settings
                ),
                lambda: _bare(content, "Zoë Ñúñez-Ołowska"),
            )
        finally:
            opened.close()
    ratio = ours / bare
    print(
        f"\ncourse report, {SESSIONS} sessions × {ROWS} vitals rows: "
        f"{document.pages} pages, {len(document.data) / 1e6:.1f} MB"
    )
    print(f"{'kapnotes course_pdf (from the vault)':<44} {ours:7.2f} s")
    size = f"({bare_pages} pages, {len(bare_pdf) / 1e6:.1f} MB)"
    print(f"{'bare reportlab, same content (one pass)':<44} {bare:7.2f} s   {size}")
    print(f"{'ratio (target ≤ 1.5×)':<44} {ratio:7.2f} ×   {'met' if ratio <= 1.5 else 'NOT MET'}")
    return ours, bare


def test_course_report_of_20_sessions_with_300_vitals_rows(tmp_path: Path) -> None:
    ours, bare = course_report_timings(tmp_path)
    assert ours > 0 and bare > 0
