"""The app's printing: Ctrl+P on a note or a client, the preview, the clinic letterhead.

:class:`ReportActions` holds the main window's report actions (File → Print
course report…, Ctrl+P; Settings → Clinic letterhead…) and opens the preview of
a note's PDF for a note window or of a course report for the client page. The
PDF is made by the vault session's report maker (built by the composition root
from ``kapnotes.reports``); the widgets only show it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QWidget

from kapnotes.session.printing import PdfDocument, ReportError, ReportMaker
from kapnotes.ui.errors import log_failure
from kapnotes.ui.session import VaultSession

if TYPE_CHECKING:  # the preview (QtPdf, QtPrintSupport) loads when first shown
    from kapnotes.ui.reports.preview import PdfPreviewDialog

log = logging.getLogger(__name__)

RunDialog = Callable[[QDialog], int]


class ReportActions(QObject):
    """Printing for one main window (see the module docstring).

    ``shown_client`` says which client the main window shows (None when none);
    ``run_dialog`` shows a dialog modally (tests pass their own).
    """

    def __init__(
        self,
        window: QMainWindow,
        session: VaultSession,
        shown_client: Callable[[], str | None],
        run_dialog: RunDialog,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._session = session
        self._shown_client = shown_client
        self._run_dialog = run_dialog
        self.print_course_action = QAction("&Print course report…", window)
        self.print_course_action.setObjectName("actionPrintCourseReport")
        self.print_course_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Print))
        self.print_course_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.print_course_action.setToolTip(
            "Preview, print or save the course report of the client shown (Ctrl+P)"
        )
        self.print_course_action.triggered.connect(lambda: self.print_course(None))
        self.letterhead_action = QAction("Clinic &letterhead…", window)
        self.letterhead_action.setObjectName("actionLetterhead")
        self.letterhead_action.triggered.connect(self.edit_letterhead)

    def _status(self, text: str) -> None:
        self._window.statusBar().showMessage(text, 8000)

    def preview(
        self, make: Callable[[ReportMaker], PdfDocument], parent: QWidget
    ) -> PdfPreviewDialog | None:
        """Make the PDF, then show it in the preview (modal); the dialog, or None."""
        maker = self._session.reports
        if maker is None:
            self._status("Unlock the vault to print.")
            return None
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            document = make(maker)
        except ReportError as error:
            self._status(f"Cannot print: {error}")
            return None
        except Exception as exc:
            log_failure(log, "making a report failed", exc)
            self._status("Cannot print: the report could not be made (see the log).")
            return None
        finally:
            QApplication.restoreOverrideCursor()
        from kapnotes.ui.reports.preview import PdfPreviewDialog

        dialog = PdfPreviewDialog(document, maker.record, parent=parent)
        self._run_dialog(dialog)
        if shiboken6.isValid(dialog):  # locking may have closed it with its note window
            dialog.deleteLater()
        return dialog

    def print_note(self, note_id: str, parent: QWidget) -> PdfPreviewDialog | None:
        """Ctrl+P in a note window: the preview of that note's PDF."""
        return self.preview(lambda maker: maker.note(note_id), parent)

    def print_course(self, course_id: str | None) -> PdfPreviewDialog | None:
        """The course report of the client shown: one course, or all (``course_id`` None)."""
        client_id = self._shown_client()
        if client_id is None:
            self._status("Choose a client first: the course report is of the client shown.")
            return None
        return self.preview(lambda maker: maker.course(client_id, course_id), self._window)

    def edit_letterhead(self) -> None:
        """Settings → Clinic letterhead… (only while unlocked: the change goes into the
        vault's audit trail)."""
        from kapnotes.session.clinic_settings import may_change, save
        from kapnotes.ui.settings.letterhead_dialog import LetterheadDialog

        opened = self._session.open_vault
        if opened is None:
            return
        catalog = self._session.catalog
        # Saved like every clinic setting: an administrator's, each changed field audited
        # with its old and new value.
        dialog = LetterheadDialog(
            catalog,
            self._window,
            save=lambda chosen: save(opened, catalog, chosen),
            editable=may_change(opened),
        )
        if self._run_dialog(dialog) == QDialog.DialogCode.Accepted:
            self._status("Letterhead saved: reports print it from now on.")
        dialog.deleteLater()
