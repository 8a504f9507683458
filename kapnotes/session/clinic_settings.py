"""Changing the clinic's settings: validated, saved atomically, every change audited;
and the settings a dosing note keeps.

:func:`changes` lists what differs between two :class:`ClinicSettings` as dotted
paths with the old and the new value; :func:`save` writes the new settings and
records one ``settings.change`` audit event holding those differences (settings
hold no client data). A change applies to what is written afterwards:
:func:`settings_for_note` gives a dosing note the session settings it was first
run under (kept in its values under ``_clinic_settings``), so a threshold changed
later does not change an older note's alerts. The clinic's rules are changed by an
administrator (:func:`may_change`); the progress-note format by anyone.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from kapnotes.domain.session import ClinicSettings
from kapnotes.domain.session.settings import SETTINGS_KEY, SettingsError
from kapnotes.store.audit import record
from kapnotes.store.catalog import Catalog
from kapnotes.store.clinicians import Clinicians
from kapnotes.store.notes import NoteStore
from kapnotes.store.vault import OpenVault

Change = dict[str, Any]

log = logging.getLogger(__name__)


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _flatten(inner, f"{prefix}.{key}" if prefix else str(key), out)
    else:
        out[prefix] = value


def changes(old: ClinicSettings, new: ClinicSettings) -> dict[str, Change]:
    """``{"alerts.hypertension.sustained_above.systolic": {"old": 180, "new": 170}, …}``."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    _flatten(old.model_dump(mode="json"), "", before)
    _flatten(new.model_dump(mode="json"), "", after)
    return {
        path: {"old": before.get(path), "new": after.get(path)}
        for path in sorted(set(before) | set(after))
        if before.get(path) != after.get(path)
    }


#: Settings any clinician may change (their own way of writing); the rest are the
#: clinic's rules, for an administrator.
ANYONE_MAY: Final = frozenset({"note_format"})


def may_change(vault: OpenVault) -> bool:
    """Whether who unlocked may change the clinic's rules (an administrator)."""
    return Clinicians(vault).is_admin()


def save(vault: OpenVault, catalog: Catalog, new: ClinicSettings) -> dict[str, Change]:
    """Write ``new`` as the clinic's settings and audit what changed (nothing: no event).

    Raises NotAllowedError (nothing written) when the change touches the clinic's rules
    (alerts, checklists, dose ranges, backups…) and who unlocked is not an administrator.
    """
    old, _warning = catalog.clinic_settings()
    diff = changes(old, new)
    if not diff:
        return diff
    if any(path.split(".", 1)[0] not in ANYONE_MAY for path in diff):
        Clinicians(vault).require_admin("change the clinic settings")
    with vault.session() as session:
        record(session, vault.clinician_id, "settings.change", "settings", None, {"changes": diff})
        catalog.save_clinic_settings(new)  # inside the transaction: audited or not written
    return diff


def settings_for_note(notes: NoteStore, note_id: str, current: ClinicSettings) -> ClinicSettings:
    """The settings a dosing note runs under: those it keeps, else ``current`` (kept now
    in a draft, so that later changes leave this note as it was written)."""
    note = notes.get(note_id)
    kept = note.values.get(SETTINGS_KEY)
    if kept is not None:
        try:
            return current.with_session_part(kept)
        except SettingsError:
            log.warning("a note's kept settings are not valid; the clinic's apply")
            return current
    if not note.is_signed:
        notes.save_values(note_id, {**note.values, SETTINGS_KEY: current.session_part()})
    return current
