"""Keep a note's instrument answers in the measure results, so trends include them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, time
from typing import Any

from kapnotes.domain.instruments import AnswerError, LoadedInstruments
from kapnotes.domain.templates import InstrumentField, TemplateSpec, visible_fields
from kapnotes.store.measures import MeasureStore
from kapnotes.store.notes import NoteRecord

log = logging.getLogger(__name__)


def sync_note_measures(
    measures: MeasureStore,
    instruments: LoadedInstruments,
    note: NoteRecord,
    values: Mapping[str, Any],
) -> int:
    """Bring the note's measure results in line with its instrument fields.

    Answered fields are saved (scored), cleared or hidden ones removed; results that
    already match are left alone. Returns how many results changed, so callers
    redraw only when something did (this runs on every autosave).
    """
    if note.is_signed:
        return 0
    spec = TemplateSpec.model_validate(note.template_snapshot)
    when = datetime.combine(note.session_date, time(12, 0), tzinfo=UTC)
    existing = {m.instrument_id: m for m in measures.for_note(note.id)}
    changed = 0
    visible = {f.id for f in visible_fields(spec, values)}
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
                note.client_id, instrument, answers, note_id=note.id, administered_at=when
            )
        except AnswerError:
            log.warning("instrument answers of a note did not fit the instrument; not scored")
            continue
        changed += 1
    return changed
