"""Printing in the app: the preview of a report's PDF, printing it, saving it, the letterhead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kapnotes.lazy import lazy_exports

if TYPE_CHECKING:
    from kapnotes.ui.reports.actions import ReportActions
    from kapnotes.ui.reports.preview import PdfPreviewDialog, print_pdf

# Loaded when first used: the preview needs QtPdf and QtPrintSupport, the lock screen neither.
_EXPORTS: dict[str, str] = {
    "PdfPreviewDialog": "kapnotes.ui.reports.preview",
    "ReportActions": "kapnotes.ui.reports.actions",
    "print_pdf": "kapnotes.ui.reports.preview",
}

__getattr__ = lazy_exports(__name__, _EXPORTS)

__all__ = ["PdfPreviewDialog", "ReportActions", "print_pdf"]
