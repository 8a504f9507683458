"""The application layer, Qt-free: a live session's record and rules, the editor's drafts,
and measure sync, all on one session timeline.

It sits between ``ui`` and ``store`` (``ui -> session -> store -> domain``,
checked by import-linter): the widgets call it and only show its typed results
(:class:`Logged`, :class:`NeedsReason`, :class:`Refused`).
"""

from kapnotes.session.drafts import NoteDraft, Saved
from kapnotes.session.live import (
    MG,
    MG_PER_KG,
    VITALS_ORDER,
    DoseRequest,
    LiveSession,
    PresenceRequest,
)
from kapnotes.session.measures import sync_note_measures
from kapnotes.session.record import SessionClient, SessionRecord, alert_key
from kapnotes.session.results import Logged, NeedsReason, Outcome, Refused

__all__ = [
    "MG",
    "MG_PER_KG",
    "VITALS_ORDER",
    "DoseRequest",
    "LiveSession",
    "Logged",
    "NeedsReason",
    "NoteDraft",
    "Outcome",
    "PresenceRequest",
    "Refused",
    "Saved",
    "SessionClient",
    "SessionRecord",
    "alert_key",
    "sync_note_measures",
]
