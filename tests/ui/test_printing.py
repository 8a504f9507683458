"""Printing from the app: Ctrl+P opens the preview of the very PDF, Print and Save work.

The preview shows the same number of pages as the PDF; printing to a QPrinter
in PDF mode gives that many pages (or the range asked for); saving writes the
same bytes; both are written to the audit trail with the notes' ids only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog, QPushButton, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from kapnotes.domain.clients import ClientInput, CourseInput, Product
from kapnotes.domain.notes import Phase
from kapnotes.domain.templates import load_templates
from kapnotes.session.printing import OutputAction, PdfDocument
from kapnotes.store.models import AuditEvent
from kapnotes.ui.main_window import MainWindow
from kapnotes.ui.reports import PdfPreviewDialog
from kapnotes.ui.settings.letterhead_dialog import LetterheadDialog
from tests.ui.conftest import WindowFactory, unlock

NAME = "Zoë Ñúñez-Ołowska"


def _client_with_notes(window: MainWindow) -> tuple[str, str, str]:
    """A client, a course, a preparation note with a long narrative; (client, course, note)."""
    clients, notes = window.session.clients, window.session.notes
    assert clients is not None and notes is not None
    client_id = clients.create(ClientInput(name=NAME, weight_kg=64))
    course_id = clients.add_course(
        client_id,
        CourseInput(
            start_date=date(2026, 10, 20),
            indication="Treatment-resistant depression",
            planned_product=Product.KETAMINE_IM,
        ),
    )
    spec = load_templates().for_phase(Phase.PREPARATION)[0]
    note_id = notes.create(
        course_id,
        Phase.PREPARATION,
        spec.snapshot(),
        date(2026, 10, 22),
        {"narrative_subjective": "\n".join(f"Line {n} of the account." for n in range(200))},
        time_zone="America/New_York",
    )
    window.workspace.refresh(select_id=client_id)
    return client_id, course_id, note_id


def _audit(window: MainWindow) -> list[tuple[str, str | None, dict[str, object]]]:
    opened = window.session._open  # the test reads the vault it opened
    assert opened is not None
    with opened.session() as session:
        return [
            (e.action, e.entity_id, dict(e.detail))
            for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
            if e.action in ("note.print", "note.export")
        ]


def _capture(qtbot: QtBot, then: Callable[[PdfPreviewDialog], None]) -> Callable[[QDialog], int]:
    def run(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        if isinstance(dialog, PdfPreviewDialog):
            then(dialog)
        return int(QDialog.DialogCode.Rejected)

    return run


def _pdf_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def test_ctrl_p_in_a_note_window_previews_the_pdf_and_prints_every_page(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, tmp_path: Path
) -> None:
    seen: list[tuple[int, int, int]] = []

    def check(dialog: PdfPreviewDialog) -> None:
        qtbot.waitExposed(dialog) if dialog.isVisible() else None
        data_pages = len(PdfReader(_write(tmp_path / "shown.pdf", dialog.document)).pages)
        printed = dialog.print_to(_pdf_printer(tmp_path / "printed.pdf"))
        on_paper = len(PdfReader(tmp_path / "printed.pdf").pages)
        seen.append((dialog.page_count, data_pages, on_paper))
        assert printed == on_paper

    window = make_window(run_dialog=_capture(qtbot, check))
    unlock(qtbot, window)
    _client, _course, note_id = _client_with_notes(window)
    note_window = window.open_note(note_id)
    assert note_window is not None
    qtbot.waitExposed(note_window)
    # Ctrl+P (the offscreen platform cannot make the window active, so the shortcut is fired)
    assert note_window.print_shortcut.key() == QKeySequence(QKeySequence.StandardKey.Print)
    note_window.print_shortcut.activated.emit()
    assert len(seen) == 1
    shown, in_file, on_paper = seen[0]
    assert shown == in_file == on_paper and shown >= 3


def _write(path: Path, document: PdfDocument) -> Path:
    path.write_bytes(document.data)
    return path


def test_print_asks_for_the_printer_and_records_note_print(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, tmp_path: Path
) -> None:
    out = tmp_path / "printer.pdf"

    def choose_pages_2_to_3(printer: QPrinter, _parent: QWidget, pages: int) -> bool:
        assert pages >= 3
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setPrintRange(QPrinter.PrintRange.PageRange)
        printer.setFromTo(2, 3)
        return True

    def check(dialog: PdfPreviewDialog) -> None:
        dialog._ask_printer = choose_pages_2_to_3
        qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)

    window = make_window(run_dialog=_capture(qtbot, check))
    unlock(qtbot, window)
    _client, _course, note_id = _client_with_notes(window)
    note_window = window.open_note(note_id)
    assert note_window is not None
    qtbot.mouseClick(note_window.print_button, Qt.MouseButton.LeftButton)
    assert len(PdfReader(out).pages) == 2
    ((action, entity, detail),) = _audit(window)
    assert (action, entity, detail["report"]) == ("note.print", note_id, "note")


def test_save_as_pdf_writes_the_same_bytes_and_records_note_export(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, tmp_path: Path
) -> None:
    target = tmp_path / "chosen.pdf"
    documents: list[PdfDocument] = []

    def check(dialog: PdfPreviewDialog) -> None:
        dialog._ask_path = lambda _parent, suggested: target if suggested.endswith(".pdf") else None
        assert dialog.save_shortcut.key() == QKeySequence(QKeySequence.StandardKey.Save)
        dialog.save_shortcut.activated.emit()  # Ctrl+S
        documents.append(dialog.document)
        assert f"Saved to {target}." in dialog.status_label.text()

    window = make_window(run_dialog=_capture(qtbot, check))
    unlock(qtbot, window)
    _client, _course, note_id = _client_with_notes(window)
    note_window = window.open_note(note_id)
    assert note_window is not None
    qtbot.mouseClick(note_window.print_button, Qt.MouseButton.LeftButton)
    assert target.read_bytes() == documents[0].data
    assert [a[:2] for a in _audit(window)] == [("note.export", note_id)]
    assert NAME.encode() not in str(_audit(window)).encode()  # ids only, never text


def test_the_course_report_from_the_client_page_and_ctrl_p(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    shown: list[PdfDocument] = []
    window = make_window(run_dialog=_capture(qtbot, lambda d: shown.append(d.document)))
    unlock(qtbot, window)
    _client, _course, note_id = _client_with_notes(window)
    (button,) = window.workspace.page.findChildren(QPushButton, "courseReportButton")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    action = window.reports.print_course_action  # File → Print course report… (Ctrl+P)
    assert action.shortcut() == QKeySequence(QKeySequence.StandardKey.Print)
    assert action in window.menuBar().actions()[0].menu().actions()
    action.trigger()
    assert [d.kind for d in shown] == ["course", "course"]
    assert shown[0].note_ids == (note_id,) and shown[0].pages == shown[1].pages
    assert shown[0].title.startswith("Course report")


def test_ctrl_p_without_a_client_shown_says_what_to_do(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    shown: list[PdfDocument] = []
    window = make_window(run_dialog=_capture(qtbot, lambda d: shown.append(d.document)))
    unlock(qtbot, window)
    window.reports.print_course_action.trigger()
    assert shown == []
    assert "Choose a client first" in window.statusBar().currentMessage()


def test_preview_lists_what_could_not_be_printed(qtbot: QtBot) -> None:
    document = _tiny_pdf(("U+1F9E0 🧠 cannot be printed with the bundled fonts",))
    dialog = PdfPreviewDialog(document, lambda _a, _d: None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.page_count == 1 and dialog.pages_label.text() == "1 page"
    assert "U+1F9E0 🧠" in dialog.warning_label.text() and dialog.warning_label.isVisible()
    recorded: list[OutputAction] = []
    dialog._record = lambda action, _doc: recorded.append(action)
    dialog._ask_printer = lambda _p, _w, _n: False  # cancelled: nothing printed or recorded
    assert dialog.print_() == 0 and recorded == []


@pytest.mark.parametrize(("width", "height"), [(1366, 728), (1024, 560), (1920, 1040)])
def test_the_preview_fits_the_screen_with_its_buttons_in_sight(
    qtbot: QtBot, width: int, height: int
) -> None:
    area = QRect(0, 40, width, height)  # a laptop's free area under a top bar
    dialog = PdfPreviewDialog(_tiny_pdf(()), lambda _a, _d: None, screen_area=lambda _w: area)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.height() <= height * 0.9 and dialog.width() <= width * 0.9
    assert dialog.size() == dialog.size().boundedTo(dialog.maximumSize())
    for button in (dialog.save_button, dialog.print_button, dialog.close_button):
        corner = button.mapTo(dialog, QPoint(button.width(), button.height()))
        assert button.isVisible() and dialog.rect().contains(corner), button.text()
    if height >= 1000:
        assert (dialog.width(), dialog.height()) == (900, 900)  # room enough: as before


def test_the_preview_of_a_real_window_fits_its_screen(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = PdfPreviewDialog(_tiny_pdf(()), lambda _a, _d: None, parent=parent)
    dialog.show()
    qtbot.waitExposed(dialog)
    screen = parent.screen()
    assert screen is not None
    room = screen.availableGeometry()
    assert dialog.height() <= room.height() and dialog.width() <= room.width()


def _tiny_pdf(warnings: tuple[str, ...]) -> PdfDocument:
    from io import BytesIO

    from reportlab.pdfgen.canvas import Canvas

    buffer = BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.drawString(72, 720, "A fictional page")
    canvas.showPage()
    canvas.save()
    return PdfDocument(buffer.getvalue(), 1, "Test", "test.pdf", "note", ("n1",), warnings)


def test_the_letterhead_dialog_refuses_what_is_wrong_and_saves_the_rest(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str, tmp_path: Path
) -> None:
    window = make_window()
    catalog = window.session.catalog
    dialog = LetterheadDialog(catalog, window, pick=lambda _p: tmp_path / "missing.png")
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.name_edit, "Lakeside Ketamine Clinic")
    dialog.address_edit.setPlainText("1\n2\n3\n4\n5")
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    assert dialog.logo_edit.text() == str(tmp_path / "missing.png")
    assert not dialog.save()
    assert "At most 4 lines (found 5)" in dialog.errors["address"].text()
    assert "there is no such file" in dialog.errors["logo_path"].text()  # both at once
    dialog.address_edit.setPlainText("12 Example Way\nSpringfield")
    assert not dialog.save()
    assert "there is no such file" in dialog.errors["logo_path"].text()
    assert dialog.errors["address"].isHidden()
    qtbot.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)
    dialog.paper_combo.setCurrentIndex(1)
    assert dialog.save()
    saved = catalog.clinic_settings()[0].letterhead
    assert (saved.clinic_name, saved.address_lines, saved.paper) == (
        "Lakeside Ketamine Clinic",
        ("12 Example Way", "Springfield"),
        "a4",
    )


def test_the_letterhead_asks_before_esc_drops_a_change(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    window = make_window()
    dialog = LetterheadDialog(window.session.catalog, window)
    asked: list[bool] = []
    dialog.confirm_discard = lambda: asked.append(True) or False  # type: ignore[method-assign]
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.name_edit, "Lakeside Ketamine Clinic")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert asked == [True] and dialog.isVisible()


def test_locking_closes_the_preview_with_its_note_window(
    qtbot: QtBot, make_window: WindowFactory, recovery_key: str
) -> None:
    seen: list[PdfPreviewDialog] = []

    def lock_while_shown(dialog: QDialog) -> int:
        # not given to qtbot: locking deletes the note window, and the preview with it
        assert isinstance(dialog, PdfPreviewDialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        seen.append(dialog)
        window.lock()  # Ctrl+L, or the idle lock, while the preview is open
        assert dialog.isHidden() and dialog.result() == QDialog.DialogCode.Rejected
        return int(dialog.result())

    window = make_window(run_dialog=lock_while_shown)
    unlock(qtbot, window)
    _client, _course, note_id = _client_with_notes(window)
    note_window = window.open_note(note_id)
    assert note_window is not None
    qtbot.mouseClick(note_window.print_button, Qt.MouseButton.LeftButton)
    assert len(seen) == 1
    assert window.stack.currentWidget() is window.lock_screen
    assert window.session.reports is None  # no report can be made while locked
