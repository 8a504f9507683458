"""Times that do not add up: a stop before its start, or a stop at the very moment it started.

A pure rule over a note's template and its instants (:class:`NoteTimes`, from
:func:`~kapnotes.domain.note_times.read_times`), applied when a note is signed:

* pairs of time fields, and pairs of time columns within one log row, whose ids
  differ only by a start word and an end word: ``start_time``/``end_time`` (the
  session, each clinician present), ``onset_time``/``resolution_time`` (an
  adverse event), ``infusion_start_time``/``infusion_stop_time``;
* the end of monitoring and the discharge time, which cannot come before the
  first dose (T0).

Each end must come strictly after its start. The comparison is between
instants, never clock readings, so a session that runs past midnight (start
23:30, stop 00:15 the next day) or across a clock change is not flagged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from kapnotes.domain.note_times import NoteTimes
from kapnotes.domain.templates.model import LogField, TemplateSpec, TimeField
from kapnotes.domain.timeline import ClockFormat

#: The words that open an interval in a field id (``start_time``, ``onset_time``) and the
#: words that close it (``end_time``, ``stop_time``, ``resolution_time``), in order of
#: preference.
END_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "start": ("end", "stop", "finish"),
    "begin": ("end", "stop", "finish"),
    "onset": ("resolution", "resolved", "end"),
}
#: Time fields of a dosing note that cannot come before (or at) the first dose.
AFTER_FIRST_DOSE: Final[tuple[str, ...]] = ("monitoring_end_time", "discharge_time")


@dataclass(frozen=True, slots=True)
class TimeConflict:
    """One interval whose end is not after its start.

    ``where`` is the log and row (``"Clinicians present (row 2)"``) or ``""`` for
    fields of the note; ``start_label``/``end_label`` the labels of the two times;
    ``start``/``end`` their instants (UTC). ``field_label`` is the label of the
    field to show the clinician (the log, or the end field).
    """

    where: str
    start_label: str
    end_label: str
    start: datetime
    end: datetime
    field_label: str

    @property
    def same_time(self) -> bool:
        """Whether the end is the very moment of the start (rather than before it)."""
        return self.end == self.start

    def message(self, clock: ClockFormat) -> str:
        """``Clinicians present (row 2): Stop 10:00 is before Start 11:00`` (clock times
        shown by ``clock``, e.g. the note's timeline, with zones across a change)."""
        relation = "is the same time as" if self.same_time else "is before"
        text = (
            f"{self.end_label} {clock(self.end)} {relation} {self.start_label} {clock(self.start)}"
        )
        return f"{self.where}: {text}" if self.where else text


def interval_pairs(ids: Iterable[str]) -> list[tuple[str, str]]:
    """``(start id, end id)`` pairs among ``ids``: ids equal but for a start and an end word.

    ``["start_time", "end_time", "onset_time", "resolution_time"]`` gives
    ``[("start_time", "end_time"), ("onset_time", "resolution_time")]``; an id
    with no partner is left out.
    """
    known = list(ids)
    present = set(known)
    pairs: list[tuple[str, str]] = []
    for start_id in known:
        words = start_id.split("_")
        partner = next(
            (
                candidate
                for position, word in enumerate(words)
                for end_word in END_WORDS.get(word, ())
                if (candidate := "_".join([*words[:position], end_word, *words[position + 1 :]]))
                in present
            ),
            None,
        )
        if partner is not None:
            pairs.append((start_id, partner))
    return pairs


def _field_conflicts(spec: TemplateSpec, times: NoteTimes) -> Iterator[TimeConflict]:
    labels = {f.id: f.label for f in spec.fields() if isinstance(f, TimeField)}
    for start_id, end_id in interval_pairs(labels):
        start, end = times.fields.get(start_id), times.fields.get(end_id)
        if start is not None and end is not None and end <= start:
            yield TimeConflict("", labels[start_id], labels[end_id], start, end, labels[end_id])
    if times.t0 is not None:
        for field_id in AFTER_FIRST_DOSE:
            end = times.fields.get(field_id)
            if field_id in labels and end is not None and end <= times.t0:
                yield TimeConflict(
                    "", "the first dose", labels[field_id], times.t0, end, labels[field_id]
                )


def _row_conflicts(log: LogField, times: NoteTimes) -> Iterator[TimeConflict]:
    labels = {c.id: c.label for c in log.columns if isinstance(c, TimeField)}
    pairs = interval_pairs(labels)
    if not pairs:
        return
    for position, placed in enumerate(times.rows.get(log.id, [])):
        for start_id, end_id in pairs:
            start, end = placed.get(start_id), placed.get(end_id)
            if start is not None and end is not None and end <= start:
                yield TimeConflict(
                    f"{log.label} (row {position + 1})",
                    labels[start_id],
                    labels[end_id],
                    start,
                    end,
                    log.label,
                )


def time_conflicts(spec: TemplateSpec, times: NoteTimes) -> list[TimeConflict]:
    """Every interval of the note whose end is not after its start, in template order.

    ``times`` are the note's instants (``read_times(spec, values, timeline)``);
    only intervals with both times filled in are checked.
    """
    conflicts = list(_field_conflicts(spec, times))
    for spec_field in spec.fields():
        if isinstance(spec_field, LogField):
            conflicts.extend(_row_conflicts(spec_field, times))
    return conflicts
