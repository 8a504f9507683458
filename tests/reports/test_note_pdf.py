"""A note's PDF, read back with pypdf: what a clinic files must be there, and nothing else.

The dosing session of the fixture is run live (two alerts, a booster, nausea, a
treatment, discharge) and signed; its PDF is checked for the client, every
filled field's label and value, units, the app's alert lines, the signature
block, "Page X of Y" on every page, and DRAFT on drafts only.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kapnotes.domain.clients import Product
from kapnotes.domain.notes import Phase
from kapnotes.domain.templates import (
    LAYOUT_KEY,
    ChecklistField,
    InstrumentField,
    LogField,
    ScaleField,
    evaluate_condition,
    section_visible,
)
from kapnotes.domain.templates.model import is_blank
from kapnotes.reports import load_fonts, note_pdf
from kapnotes.session import SessionClient
from kapnotes.session.readout import SessionReadout
from kapnotes.store.models import AuditEvent
from kapnotes.store.vault import OpenVault
from tests.reports.conftest import (
    CLIENT_NAME,
    CYRILLIC,
    DAY,
    GREEK,
    PRINTED,
    ReportClinic,
    flat,
    pages_text,
    settings,
)


def render(clinic: ReportClinic, note_id: str) -> tuple[bytes, list[str]]:
    doc = note_pdf(clinic.vault, note_id, printed_at=PRINTED, settings=clinic.settings)
    pages = pages_text(doc.data)
    assert doc.pages == len(pages)
    return doc.data, pages


def test_a_signed_dosing_note_prints_every_filled_field_with_its_label(
    clinic: ReportClinic,
) -> None:
    note_id = clinic.dosing_session()
    _data, pages = render(clinic, note_id)
    text = flat("\n".join(pages))
    note = clinic.notes.get(note_id)
    spec = clinic.templates[Phase.DOSING]
    context = clinic.notes.template_context(note_id)
    printed_labels = []
    for section in spec.sections:
        if not section_visible(section, note.values, context):
            continue
        for field in section.fields:
            if field.show_if is not None and not evaluate_condition(
                field.show_if, note.values, context
            ):
                continue
            if isinstance(field, InstrumentField) or field.id == "monitoring_time_summary":
                continue
            if is_blank(note.values.get(field.id)) and not isinstance(field, LogField):
                continue
            printed_labels.append(field.label)
    assert "Vitals" in printed_labels and "Escort's name" in printed_labels
    missing = [label for label in printed_labels if flat(label) not in text]
    assert not missing, f"labels not printed: {missing}"
    for value in (
        CLIENT_NAME,
        "14 Mar 1985",
        clinic.client_id,
        "Racemic ketamine IM",
        "In person",
        "Alder Example",
        "Quiet at the peak; tearful at T+50, then settled.",
        "Client described a calm, wide space; some sadness early on.",
        "☑ Fasted per instructions",
        "☑ No driving until the next day after sleep",
        "LOT-Ω-42",
        "182/112",
        "184/110",
        "Ondansetron",
        "Nausea",
        "Mild",
        "Total given: 60 mg (1 booster) · T0 10:00",
    ):
        assert value in text, value
    # the discharge time on the note's clock and the monitoring time per clinician
    assert re.search(r"Discharge time 12:10", text)
    assert "Dr Ada Quill Therapist 2 h 30 min" in text
    assert "0820T" in text and "0822T" in text


def test_units_alerts_and_the_signature_block_are_printed(clinic: ReportClinic) -> None:
    note_id = clinic.dosing_session()
    _data, pages = render(clinic, note_id)
    text = flat("\n".join(pages))
    for unit in ("Dose (mg)", "mg/kg", "BP (mmHg)", "SpO2 (%)", "HR (bpm)", "RR (/min)"):
        assert unit in text
    readout = SessionReadout(
        clinic.notes,
        note_id,
        SessionClient(CLIENT_NAME, 80.0),
        Product.KETAMINE_IM,
        clinic.settings,
        PRINTED,
    )
    messages = [alert.message for alert in readout.alerts]
    assert len(messages) == 2
    for message in messages:  # exactly the app's alert lines
        assert flat(message) in text
    assert text.count("⚠ hypertension") == 2 and "⚠ low SpO2" in text
    note = clinic.notes.get(note_id)
    assert note.content_hash is not None
    assert f"Content hash (SHA-256) {note.content_hash}" in text
    assert "Signed by Dr Ada Quill, PsyD" in text


def test_every_page_says_page_x_of_y_and_carries_the_running_header(
    clinic: ReportClinic,
) -> None:
    _data, pages = render(clinic, clinic.dosing_session())
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert CLIENT_NAME in page and "DOB 14 Mar 1985" in page
        assert "Dosing session · Session 3 · 2 Mar 2026" in flat(page)
        assert "Confidential · Lakeside Ketamine Clinic" in page


def test_draft_is_marked_on_every_page_and_has_no_signature_block(
    clinic: ReportClinic,
) -> None:
    draft = clinic.dosing_session(sign=False)
    _data, pages = render(clinic, draft)
    assert all("DRAFT" in page for page in pages)
    text = flat("\n".join(pages))
    assert "Signed by" not in text and "Content hash" not in text
    signed = clinic.dosing_session()
    _data, pages = render(clinic, signed)
    assert not any("DRAFT" in page for page in pages)


def test_the_same_note_and_print_time_give_the_same_bytes(clinic: ReportClinic) -> None:
    note_id = clinic.dosing_session()
    first, _ = render(clinic, note_id)
    second, _ = render(clinic, note_id)
    assert first == second
    later = note_pdf(
        clinic.vault,
        note_id,
        printed_at=PRINTED + timedelta(minutes=1),
        settings=clinic.settings,
    )
    assert later.data != first  # the print time is printed


def test_unicode_names_greek_and_cyrillic_come_back(clinic: ReportClinic) -> None:
    _data, pages = render(clinic, clinic.dosing_session())
    text = "\n".join(pages)
    assert CLIENT_NAME in text
    assert GREEK in text and CYRILLIC in text


def test_a_character_no_font_can_draw_is_named_in_a_warning(clinic: ReportClinic) -> None:
    note_id = clinic.dosing_session(observation="Drew a 🧠 and smiled")
    doc = note_pdf(
        clinic.vault,
        note_id,
        printed_at=PRINTED,
        settings=clinic.settings,
        fonts=load_fonts(fallback=False),
    )
    assert doc.warnings == (
        "U+1F9E0 🧠 cannot be printed with the bundled fonts; it is printed as [U+1F9E0]",
    )
    assert "Drew a [U+1F9E0] and smiled" in flat("\n".join(pages_text(doc.data)))


def test_a_fallback_font_prints_what_dejavu_lacks() -> None:
    fonts = load_fonts()
    if fonts.fallback is None:
        pytest.skip("no fallback font (e.g. Droid Sans Fallback) on this computer")
    from kapnotes.reports.fonts import Typesetter

    typesetter = Typesetter(fonts)
    assert f'<font name="{fonts.fallback}">中文</font>' in typesetter.markup("Chen 中文")
    assert typesetter.warnings == ()


def test_a_50_page_narrative_flows_without_losing_a_line(clinic: ReportClinic) -> None:
    lines = [
        f"L{number:04d} the client spoke about the lake, the light and the long drive home."
        for number in range(1, 3201)
    ]
    note_id = clinic.new_note(Phase.PREPARATION, DAY, {"session_number": 1})
    clinic.fill(note_id, {"narrative_subjective": "\n".join(lines)})
    _data, pages = render(clinic, note_id)
    assert len(pages) >= 50
    text = "\n".join(pages)
    found = set(re.findall(r"L(\d{4}) the client", text))
    assert found == {f"{n:04d}" for n in range(1, 3201)}


@pytest.mark.slow
def test_a_one_megabyte_narrative_of_one_paragraph_flows_to_its_last_word(
    clinic: ReportClinic,
) -> None:
    words = [f"w{n}" for n in range(150_000)]
    text = " ".join(words)
    assert len(text) > 1_000_000
    note_id = clinic.new_note(Phase.PREPARATION, DAY)
    clinic.fill(note_id, {"narrative_plan": text})
    doc = note_pdf(clinic.vault, note_id, printed_at=PRINTED, settings=clinic.settings)
    pages = pages_text(doc.data)
    assert len(pages) > 100
    found = set(re.findall(r"\bw(\d+)\b", "\n".join(pages)))
    assert len(found) == len(words)


def test_a_300_row_vitals_log_prints_every_row_with_its_header_on_each_page(
    clinic: ReportClinic,
) -> None:
    rows = [
        {
            "time": f"{7 + n // 60:02d}:{n % 60:02d}",
            "systolic": 110 + n % 40,
            "diastolic": 70 + n % 20,
            "heart_rate": 60 + n % 50,
            "spo2": 95 + n % 5,
        }
        for n in range(300)
    ]
    note_id = clinic.new_note(Phase.DOSING, DAY, {"planned_product": "ketamine_im"})
    clinic.fill(note_id, {"vitals_log": rows})
    _data, pages = render(clinic, note_id)
    text = "\n".join(pages)
    for row in rows:
        assert f"{row['time']}" in text
    row_pages = [p for p in pages if re.search(r"^\d{2}:\d{2}$", p, re.MULTILINE)]
    assert len(row_pages) >= 5
    for page in row_pages:
        assert "BP (mmHg)" in flat(page)  # the header row is repeated on every page
    times = re.findall(r"^(\d{2}:\d{2})$", text, re.MULTILINE)
    assert [t for t in times if t in {r["time"] for r in rows}][:300] == [r["time"] for r in rows]


def test_hidden_and_empty_fields_are_left_out_checklists_and_scales_are_shown(
    clinic: ReportClinic,
) -> None:
    spec = clinic.templates[Phase.PREPARATION]
    note_id = clinic.new_note(Phase.PREPARATION, DAY)
    clinic.fill(
        note_id,
        {
            "ride_home_arranged": False,
            "driver_name": "Hidden Driverperson",  # hidden: no ride home arranged
            "psychoeducation": ["expected_effects", "nausea"],
            "readiness": 7,
            "intentions_goals": "Feel less numb.",
        },
    )
    _data, pages = render(clinic, note_id)
    text = flat("\n".join(pages))
    assert "Hidden Driverperson" not in text and "Driver's name" not in text
    assert "Medication notes" not in text  # empty and optional
    psycho = spec.field("psychoeducation")
    assert isinstance(psycho, ChecklistField)
    labels = {item.value: item.label for item in psycho.items}
    assert f"☑ {labels['expected_effects']}" in text
    assert f"☑ {labels['nausea']}" in text
    assert f"☐ {labels['dissociation']}" in text
    readiness = spec.field("readiness")
    assert isinstance(readiness, ScaleField)
    assert (
        f"7 on {readiness.min}–{readiness.max} ({readiness.min} {readiness.anchors.low}, "
        f"{readiness.max} {readiness.anchors.high})"
    ) in text
    assert "Ride home arranged No" in text
    assert "— not filled in (required to sign)" in text  # a draft says what is missing


def test_a_dap_note_prints_its_narrative_under_dap_headings_in_order(
    clinic: ReportClinic,
) -> None:
    note_id = clinic.new_note(Phase.INTEGRATION, DAY, {LAYOUT_KEY: "dap"})
    clinic.fill(
        note_id,
        {
            "narrative_data": "Came in brighter.",
            "narrative_assessment": "Early response.",
            "narrative_plan": "Continue the course.",
        },
    )
    _data, pages = render(clinic, note_id)
    text = flat("\n".join(pages))
    assert "Progress note (DAP)" in text
    data = text.index("Data Came in brighter.")
    assessment = text.index("Assessment Early response.")
    plan = text.index("Plan Continue the course.")
    assert data < assessment < plan
    assert "Subjective" not in text


def test_addenda_follow_the_note_with_their_signer_time_and_hash(clinic: ReportClinic) -> None:
    note_id = clinic.dosing_session()
    clinic.notes.add_addendum(note_id, "Correction: the booster lot was LOT-Ω-43.")
    _data, pages = render(clinic, note_id)
    text = flat("\n".join(pages))
    addendum = clinic.notes.get(note_id).addenda[0]
    assert "Addendum 1 ·" in text and "signed by Dr Ada Quill, PsyD" in text
    assert "Correction: the booster lot was LOT-Ω-43." in text
    assert f"Content hash (SHA-256) {addendum.content_hash}" in text
    assert text.index("Signed electronically") < text.index("Addendum 1")


def _vault_state(clinic: ReportClinic, note_id: str) -> tuple[object, int]:
    with clinic.vault.session() as session:
        audit = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return clinic.notes.get(note_id), audit


def test_printing_writes_nothing_to_the_vault_even_for_a_draft_left_mid_write(
    clinic: ReportClinic,
) -> None:
    signed = clinic.dosing_session()
    draft = clinic.dosing_session(sign=False)
    # A crash between an entry's event and its row: opening the live session would put
    # the row back (a write); printing must not.
    values = dict(clinic.notes.get(draft).values)
    values["observation_log"] = values["observation_log"][:-1]
    clinic.notes.save_values(draft, values)
    for note_id in (signed, draft):
        before = _vault_state(clinic, note_id)
        render(clinic, note_id)
        assert _vault_state(clinic, note_id) == before


def test_an_iv_infusion_prints_its_minutes_stop_and_rate_and_treatments_their_dose(
    clinic: ReportClinic,
) -> None:
    from kapnotes.session import DoseRequest
    from tests.reports.conftest import ok
    from tests.session.conftest import Clock, tick_pre_dose_checks

    clock = Clock("America/New_York")
    note_id = clinic.new_note(Phase.DOSING, DAY)
    session = clinic.live(note_id, clock, Product.KETAMINE_IV)
    tick_pre_dose_checks(session)
    clock.at(DAY, 9, 50)
    ok(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(DAY, 10, 0)
    ok(session.log_dose(DoseRequest(Product.KETAMINE_IV, "0.5", "mg/kg", infusion_min="40")))
    clock.at(DAY, 10, 40)
    ok(session.stop_infusion())
    clock.at(DAY, 10, 45)
    ok(session.give_treatment("Labetalol", "10 mg", "iv"))
    _data, pages = render(clinic, note_id)
    text = flat("\n".join(pages))
    # time, T+, product, route, mg, mg/kg, lot, booster, infusion minutes, stop, rate
    assert "10:00 0 Racemic ketamine IV 40 0.5 — First dose 40 min 10:40 0.75 mg/kg/h" in text
    assert "10:45 45 Labetalol 10 mg IV" in text  # the drug, its dose and time


def test_an_esketamine_draft_prints_its_rems_block_what_it_lacks_and_the_override(
    clinic: ReportClinic,
) -> None:
    from kapnotes.session import DoseRequest
    from tests.reports.conftest import ok
    from tests.session.conftest import Clock, tick_pre_dose_checks

    clock = Clock("America/New_York")
    note_id = clinic.new_note(Phase.DOSING, DAY)
    session = clinic.live(note_id, clock, Product.ESKETAMINE_INTRANASAL)
    tick_pre_dose_checks(session)
    clock.at(DAY, 9, 50)
    ok(session.log_vitals({"systolic": "130", "diastolic": "80"}))
    clock.at(DAY, 10, 0)
    ok(session.log_dose(DoseRequest(Product.ESKETAMINE_INTRANASAL, "56")))
    clock.at(DAY, 10, 40)
    ok(session.log_vitals({"systolic": "140", "diastolic": "85"}))
    clock.at(DAY, 11, 0)
    reason = "Escort had to leave; prescriber agreed by phone"
    ok(session.record_discharge([], "Alder Example", reason))
    _data, pages = render(clinic, note_id)
    text = flat("\n".join(pages))
    assert "Esketamine (Spravato) REMS" in text
    assert "BP before dosing 130/80 mmHg" in text and "BP at about 40 min 140/85 mmHg" in text
    assert "Still missing for the REMS form:" in text
    assert "monitoring of at least 120 min after the dose (only 60 min)" in text
    assert f"Override reason {reason} (overrode:" in text


def test_an_observation_longer_than_a_page_breaks_inside_its_row(clinic: ReportClinic) -> None:
    words = " ".join(f"o{n}" for n in range(5000))
    note_id = clinic.dosing_session(observation=words)
    _data, pages = render(clinic, note_id)
    text = "\n".join(pages)
    assert set(re.findall(r"\bo(\d+)\b", text)) == {str(n) for n in range(5000)}
    spanned = [p for p in pages if re.search(r"\bo\d+\b", p)]
    assert len(spanned) >= 2
    assert all("Observation" in p for p in spanned)  # the header row on each of its pages


def _iv_dose_in_mg(clinic: ReportClinic) -> str:
    """A dosing note (fictional) with one IV dose typed in mg and given over so few minutes
    that its rate in shortest form would print as 1.2e+03; the client weighs 80 kg."""
    from kapnotes.session import DoseRequest
    from tests.reports.conftest import ok
    from tests.session.conftest import Clock, tick_pre_dose_checks

    clock = Clock("America/New_York")
    note_id = clinic.new_note(Phase.DOSING, DAY)
    session = clinic.live(note_id, clock, Product.KETAMINE_IV)
    tick_pre_dose_checks(session)
    clock.at(DAY, 9, 50)
    ok(session.log_vitals({"systolic": "124", "diastolic": "80"}))
    clock.at(DAY, 10, 0)
    request = DoseRequest(
        Product.KETAMINE_IV,
        "140",
        lot="IVX-2207-B",
        infusion_min="7",
        reason="Fictional record for a layout test",
    )
    ok(session.log_dose(request))
    clock.at(DAY, 10, 7)
    ok(session.stop_infusion())
    return note_id


def test_an_iv_dose_in_mg_prints_plain_numbers_and_its_mg_per_kg_from_the_weight(
    clinic: ReportClinic,
) -> None:
    _data, pages = render(clinic, _iv_dose_in_mg(clinic))
    text = flat("\n".join(pages))
    assert "e+0" not in text  # no scientific notation anywhere
    # mg as typed, mg/kg = 140 / 80, the rate = 140 mg / 7 min * 60
    assert "140 1.75 IVX-2207-B First dose 7 min 10:07 1200 mg/h" in text
    assert "Total given: 140 mg" in text
    assert "worked out from the client's recorded weight, 80 kg" in text


def test_the_iv_medicine_log_never_breaks_a_header_inside_a_word(clinic: ReportClinic) -> None:
    _data, pages = render(clinic, _iv_dose_in_mg(clinic))
    page = next(p for p in pages if "Medicine log" in p)
    after = page[page.index("Medicine log") + len("Medicine log") :]
    head = after[: after.index("10:00")].split()  # the header row, each line of each cell
    words = ["Time", "T+", "(min)", "Product", "Route", "Dose", "(mg)", "mg/kg", "Lot"]
    words += ["Booster", "Infusion", "Stopped", "Rate"]
    assert head == words  # every word whole: "mg/k g", "Booste r" would not compare equal


def test_no_page_of_a_demo_note_holds_the_signature_alone(open_vault: OpenVault) -> None:
    """The demo's notes (fictional): the signature shares its page with the note's last
    lines."""
    from kapnotes.store.demo import populate_demo
    from kapnotes.store.models import Note

    populate_demo(open_vault)
    with open_vault.session() as session:
        signed = list(session.scalars(select(Note.id).where(Note.status == "signed")))
    assert signed
    for note_id in signed:
        doc = note_pdf(open_vault, note_id, printed_at=PRINTED, settings=settings())
        page = next(p for p in pages_text(doc.data) if "Signed electronically" in p)
        before = page[: page.index("Signed electronically")].splitlines()
        assert len(before) > 4, (note_id, before)  # running header (2-3 lines) and more
