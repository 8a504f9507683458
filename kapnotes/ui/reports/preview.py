"""Print preview: the very PDF that will be printed or saved, its pages rendered by QtPdf.

The PDF's bytes are loaded from memory (a ``QBuffer``, never a temporary file)
into a ``QPdfDocument`` shown by a ``QPdfView``. **Print…** (Ctrl+P) opens the
system print dialog (printer, page range, copies) and paints those same pages,
rendered from that PDF, onto the ``QPrinter``; **Save as PDF…** (Ctrl+S) writes
the same bytes where the clinician chooses (atomically). Each is recorded in the
audit trail (``note.print`` / ``note.export``, note ids only). What is previewed,
printed and saved is one document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QRect,
    QRectF,
    QSize,
    QStandardPaths,
    Qt,
)
from PySide6.QtGui import QKeySequence, QPainter, QScreen, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kapnotes.domain.files import FileWriteError, atomic_write
from kapnotes.session.printing import OutputAction, PdfDocument
from kapnotes.ui.errors import log_failure
from kapnotes.ui.widgets import label, set_role

log = logging.getLogger(__name__)

#: Pages are rendered for the printer at its resolution, at most this many dots per inch.
MAX_PRINT_DPI = 300
#: The preview's preferred size, and the share of the screen's free area it may take at most.
PREFERRED_SIZE = QSize(900, 900)
SCREEN_SHARE = 0.9

AskSavePath = Callable[[QWidget, str], Path | None]
AskPrinter = Callable[[QPrinter, QWidget, int], bool]
Recorder = Callable[[OutputAction, PdfDocument], None]


def ask_save_path(parent: QWidget, suggested: str) -> Path | None:
    """The system's save dialog, in the Documents folder, for a PDF."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    start = str(Path(folder) / suggested) if folder else suggested
    name, _ = QFileDialog.getSaveFileName(parent, "Save as PDF", start, "PDF files (*.pdf)")
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == ".pdf" else path.with_suffix(".pdf")


def ask_printer(printer: QPrinter, parent: QWidget, pages: int) -> bool:
    """The system print dialog (printer, page range, copies); True when the user prints."""
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print")
    dialog.setMinMax(1, pages)
    dialog.setFromTo(1, pages)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, True)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintCollateCopies, True)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, True)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    dialog.deleteLater()
    return accepted


def available_area(widget: QWidget) -> QRect | None:
    """The free area (without task bars) of the screen ``widget``, or its parent, is on."""
    parent = widget.parentWidget()
    screen: QScreen | None = (
        (parent.screen() if parent is not None else None)
        or widget.screen()
        or QApplication.primaryScreen()
    )
    return screen.availableGeometry() if screen is not None else None


def fitted_size(preferred: QSize, area: QRect | None, share: float = SCREEN_SHARE) -> QSize:
    """``preferred``, made smaller where needed to take at most ``share`` of ``area``."""
    if area is None or area.isEmpty():
        return preferred
    return QSize(
        min(preferred.width(), int(area.width() * share)),
        min(preferred.height(), int(area.height() * share)),
    )


def page_range(printer: QPrinter, pages: int) -> range:
    """The pages (0-based) the printer was asked for: all, or the range chosen."""
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        first = max(1, printer.fromPage())
        last = min(pages, printer.toPage() or pages)
        return range(first - 1, last)
    return range(pages)


def print_pdf(pdf: QPdfDocument, printer: QPrinter, pages: range) -> int:
    """Paint ``pages`` of ``pdf`` onto ``printer``, each page filling the sheet as laid out
    (the PDF carries its own margins); returns how many pages were painted."""
    printer.setFullPage(True)
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    printed = 0
    try:
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        for index in pages:
            if printed:
                printer.newPage()
            size = pdf.pagePointSize(index)
            image = pdf.render(
                index, QSize(round(size.width() / 72 * dpi), round(size.height() / 72 * dpi))
            )
            sheet = printer.pageLayout().fullRectPixels(printer.resolution())
            scale = min(sheet.width() / size.width(), sheet.height() / size.height())
            target = QRectF(0, 0, size.width() * scale, size.height() * scale)
            painter.drawImage(target, image)
            printed += 1
    finally:
        painter.end()
    return printed


class PdfPreviewDialog(QDialog):
    """A report's PDF shown page by page, with Print… and Save as PDF… (see module docstring).

    ``record`` writes the audit event; ``ask_path`` and ``ask_printer`` are the
    system dialogs (tests pass their own).
    """

    def __init__(
        self,
        document: PdfDocument,
        record: Recorder,
        *,
        ask_path: AskSavePath = ask_save_path,
        ask_printer: AskPrinter = ask_printer,
        parent: QWidget | None = None,
        screen_area: Callable[[QWidget], QRect | None] = available_area,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pdfPreview")
        self.setWindowTitle(f"Print preview · {document.title}")
        self.document = document
        self._record = record
        self._ask_path = ask_path
        self._ask_printer = ask_printer

        # The PDF stays in memory: a buffer over its bytes, no file on disk.
        self._bytes = QByteArray(document.data)
        self._buffer = QBuffer(self._bytes, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdf = QPdfDocument(self)
        self.pdf.load(self._buffer)

        self.view = QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setDocument(self.pdf)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)

        title = label(document.title, "subheading")
        self.pages_label = label(self._pages_text(), "muted")
        self.pages_label.setObjectName("previewPages")
        self.zoom_out = QPushButton("−")
        self.zoom_out.setToolTip("Smaller (Ctrl+−)")
        self.zoom_out.clicked.connect(lambda: self._zoom(1 / 1.2))
        self.fit_button = QPushButton("Fit width")
        self.fit_button.setToolTip("Fit the page to the window's width")
        self.fit_button.clicked.connect(lambda: self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth))
        self.zoom_in = QPushButton("+")
        self.zoom_in.setToolTip("Larger (Ctrl++)")
        self.zoom_in.clicked.connect(lambda: self._zoom(1.2))
        for button in (self.zoom_out, self.zoom_in):
            button.setMinimumWidth(40)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addSpacing(12)
        top.addWidget(self.pages_label)
        top.addStretch(1)
        top.addWidget(self.zoom_out)
        top.addWidget(self.fit_button)
        top.addWidget(self.zoom_in)

        self.warning_label = label("", "warning", wrap=True)
        self.warning_label.setObjectName("previewWarnings")
        if document.warnings:
            self.warning_label.setText(
                "Printed with changes: " + " ".join(f"{w}." for w in document.warnings)
            )
        else:
            self.warning_label.hide()

        self.status_label = label("", "muted", wrap=True)
        self.status_label.setObjectName("previewStatus")
        self.save_button = QPushButton("Save as PDF…")
        self.save_button.setObjectName("savePdfButton")
        self.save_button.setToolTip("Save this PDF where you choose (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.print_button = QPushButton("Print…")
        self.print_button.setObjectName("printButton")
        self.print_button.setProperty("role", "primary")
        self.print_button.setToolTip("Choose a printer, the pages and copies (Ctrl+P)")
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.print_)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("closePreviewButton")
        self.close_button.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.print_button)
        bottom.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)

        self.print_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self)
        self.print_shortcut.activated.connect(self.print_)
        self.save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        self.save_shortcut.activated.connect(self.save)
        for keys, factor in (
            (QKeySequence.StandardKey.ZoomIn, 1.2),
            (QKeySequence.StandardKey.ZoomOut, 1 / 1.2),
        ):
            zoom = QShortcut(QKeySequence(keys), self)
            zoom.activated.connect(lambda f=factor: self._zoom(f))
        # Never taller or wider than the screen (a 1366x768 laptop): the page view shrinks,
        # the buttons under it stay in sight.
        self.view.setMinimumSize(200, 150)
        area = screen_area(self)
        size = fitted_size(PREFERRED_SIZE, area)
        self.resize(size)
        if area is not None and not area.isEmpty():
            self.setMaximumSize(area.size())
        self.print_button.setFocus()

    @property
    def page_count(self) -> int:
        """How many pages the preview shows."""
        return int(self.pdf.pageCount())

    def _pages_text(self) -> str:
        count = self.page_count
        return f"{count} page{'s' if count != 1 else ''}"

    def _zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.25, min(4.0, self.view.zoomFactor() * factor)))

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status_label.setText(text)
        set_role(self.status_label, "error" if error else "muted")

    def _audit(self, action: OutputAction) -> None:
        try:
            self._record(action, self.document)
        except Exception as exc:  # the report left the app; say that the trail missed it
            log_failure(log, "recording a report in the audit trail failed", exc)
            self._say("Done, but the audit trail could not record it.", error=True)

    def print_to(self, printer: QPrinter) -> int:
        """Paint the pages the printer asks for (all, or its page range); returns how many."""
        return print_pdf(self.pdf, printer, page_range(printer, self.page_count))

    def print_(self) -> int:
        """Ask for a printer, pages and copies, then print; returns the pages printed."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.document.title)
        if not self._ask_printer(printer, self, self.page_count):
            return 0
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            printed = self.print_to(printer)
        finally:
            QApplication.restoreOverrideCursor()
        if printed == 0:
            self._say("Not printed: the printer could not be started.", error=True)
            return 0
        self._say(f"Sent {printed} page{'s' if printed != 1 else ''} to the printer.")
        self._audit(OutputAction.PRINT)
        return printed

    def save(self) -> Path | None:
        """Ask where, then write this PDF there (replacing a file only once it is complete)."""
        path = self._ask_path(self, self.document.filename)
        if path is None:
            return None
        try:
            atomic_write(path, self.document.data)
        except FileWriteError as error:
            self._say(f"{error.describe()}.", error=True)
            return None
        except OSError as error:
            self._say(f"Not saved: {path} — {error.strerror or error}", error=True)
            return None
        self._say(f"Saved to {path}.")
        self._audit(OutputAction.EXPORT)
        return path
