"""Measures given inside a note: kept in step with the note's instrument answers.

The rule: an answered instrument field is a scored measure result of the note's
client and course, dated on the note's session day (local noon in the note's zone, see
:func:`~kapnotes.domain.timeline.day_instant`); a cleared or hidden field
removes its result (and its risk flag); a result that already matches is left
alone. :func:`sync_note_measures` applies it inside the caller's transaction
when there is one (see :class:`~kapnotes.session.drafts.NoteDraft`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kapnotes.domain.instruments import AnswerError, LoadedInstruments
from kapnotes.domain.templates import InstrumentField, TemplateSpec, visible_fields
from kapnotes.domain.timeline import local_noon
from kapnotes.store.measures import MeasureStore
from kapnotes.store.notes import NoteRecord

log = logging.getLogger(__name__)


def sync_note_measures(
    measures: MeasureStore,
    instruments: LoadedInstruments,
    note: NoteRecord,
    values: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
) -> int:
    """Bring the note's measure results in line with its instrument fields.

    Returns how many results changed, so callers redraw only when something did
    (this runs on every autosave). A signed note changes nothing.
    """
    if note.is_signed:
        return 0
    spec = TemplateSpec.model_validate(note.template_snapshot)
    when = local_noon(note.session_date, note.time_zone)
    existing = {m.instrument_id: m for m in measures.for_note(note.id)}
    changed = 0
    visible = {f.id for f in visible_fields(spec, values, context)}
    for field in spec.fields():
        if not isinstance(field, InstrumentField):
            continue
        answers = values.get(field.id)
        current = existing.get(field.instrument_id)
        if field.id not in visible or not isinstance(answers, dict) or not answers:
            # cleared or hidden: the note no longer gives this measure (nor its flag)
            if current is not None:
                measures.remove_for_note(note.id, field.instrument_id)
                changed += 1
            continue
        given = {k: v for k, v in answers.items() if v is not None}
        instrument = instruments.get(field.instrument_id)
        if instrument is None or (current is not None and current.answers == given):
            continue
        try:
            measures.save(
                note.client_id,
                instrument,
                answers,
                note_id=note.id,
                course_id=note.course_id,
                administered_at=when,
            )
        except AnswerError:
            log.warning("instrument answers of a note did not fit the instrument; not scored")
            continue
        changed += 1
    return changed
