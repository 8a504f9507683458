"""Outcome measures in the GUI: the fillable form, administering, risk flags and trends.

- :class:`InstrumentForm`: one instrument as a form with a live score and red risk
  banners (also embeddable in a note's instrument field).
- :class:`AdministerDialog`: give a measure on its own from the client page.
- :class:`RiskFlagBanner`: open risk flags for the client page header, with an
  inline acknowledgement.
- :class:`MeasuresPanel`: per course and instrument a trend chart (QtCharts) with the
  course's dosing sessions and flagged administrations marked, the change from
  baseline and a table of administrations with who acknowledged each flag.
- :class:`NoteFlagWatcher`: a note window's instruments say when their flags were
  acknowledged, as soon as it happens anywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kapnotes.lazy import lazy_exports

if TYPE_CHECKING:
    from kapnotes.ui.measures.administer import AdministerDialog, instrument_list
    from kapnotes.ui.measures.chart import TrendChart
    from kapnotes.ui.measures.form import InstrumentForm
    from kapnotes.ui.measures.panel import AdministrationsModel, InstrumentCard, MeasuresPanel
    from kapnotes.ui.measures.risk_banner import RiskFlagBanner
    from kapnotes.ui.measures.watch import NoteFlagWatcher

# What this package offers, loaded when first used (the lock screen needs none of it).
_EXPORTS: dict[str, str] = {
    "AdministerDialog": "kapnotes.ui.measures.administer",
    "instrument_list": "kapnotes.ui.measures.administer",
    "TrendChart": "kapnotes.ui.measures.chart",
    "InstrumentForm": "kapnotes.ui.measures.form",
    "AdministrationsModel": "kapnotes.ui.measures.panel",
    "InstrumentCard": "kapnotes.ui.measures.panel",
    "MeasuresPanel": "kapnotes.ui.measures.panel",
    "RiskFlagBanner": "kapnotes.ui.measures.risk_banner",
    "NoteFlagWatcher": "kapnotes.ui.measures.watch",
}

__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = [
    "AdministerDialog",
    "AdministrationsModel",
    "InstrumentCard",
    "InstrumentForm",
    "MeasuresPanel",
    "NoteFlagWatcher",
    "RiskFlagBanner",
    "TrendChart",
    "instrument_list",
]
