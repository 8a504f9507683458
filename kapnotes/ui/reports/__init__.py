"""Printing in the app: the preview of a report's PDF, printing it, saving it, the letterhead."""

from kapnotes.ui.reports.actions import ReportActions
from kapnotes.ui.reports.preview import PdfPreviewDialog, print_pdf

__all__ = ["PdfPreviewDialog", "ReportActions", "print_pdf"]
