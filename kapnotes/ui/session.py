"""The UI's handle on the vault: unlock, lock, and the services of the open vault.

`VaultSession` is created by the composition root and handed to the main
window. While locked it holds no open vault and no `ClientStore`; views ask it
for the store they need and get None when the vault is locked.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:  # the stores (SQLAlchemy, templates) load at unlock, not at start-up
    from collections.abc import Callable

    from kapnotes.session.printing import ReportMaker
    from kapnotes.store.catalog import Catalog
    from kapnotes.store.clients import ClientStore
    from kapnotes.store.measures import MeasureStore
    from kapnotes.store.notes import NoteStore
    from kapnotes.store.vault import OpenVault, Vault

    #: Builds the report maker of an open vault (the composition root gives kapnotes.reports).
    ReportFactory = Callable[[OpenVault, Catalog], ReportMaker]
    from kapnotes.domain.session import ClinicSettings

log = logging.getLogger(__name__)


class VaultSession(QObject):
    """Holds the open vault (or none) and announces locking and unlocking."""

    unlocked = Signal()
    locked = Signal()
    # An unlock is about to update an older vault's storage (seconds on a vault of years).
    upgrading = Signal()
    # A client's measures changed (given, re-scored or a flag acknowledged) in one view;
    # every other view of that client (page, list, open note windows) reads them again.
    measures_changed = Signal(str)

    def __init__(
        self,
        vault: Vault,
        parent: QObject | None = None,
        *,
        reports: ReportFactory | None = None,
    ) -> None:
        super().__init__(parent)
        self.vault = vault
        self._open: OpenVault | None = None
        self._clients: ClientStore | None = None
        self._notes: NoteStore | None = None
        self._measures: MeasureStore | None = None
        self._report_factory = reports
        self._reports: ReportMaker | None = None
        self._catalog: Catalog | None = None

    @property
    def catalog(self) -> Catalog:
        """The clinic's templates, instruments and settings (read when first needed)."""
        if self._catalog is None:
            from kapnotes.store.catalog import Catalog

            self._catalog = Catalog(self.vault.data_dir)
        return self._catalog

    @property
    def is_unlocked(self) -> bool:
        """Whether a vault is open."""
        return self._open is not None

    @property
    def clinician_id(self) -> str | None:
        """Who unlocked the vault (their clinician id), or None while locked."""
        return self._open.clinician_id if self._open is not None else None

    def switch_folder(self, folder: Path) -> None:
        """Point the (locked) session at the vault in another folder (start-up faults)."""
        if self._open is not None:
            raise RuntimeError("lock the vault before opening another folder")
        from kapnotes.store.vault import Vault

        self.vault = Vault(folder, self.vault.kdf)
        self._catalog = None
        log.info("switched to another vault folder")

    @property
    def open_vault(self) -> OpenVault | None:
        """The open vault itself (for backups and clinic administration), or None."""
        return self._open

    @property
    def warnings(self) -> list[str]:
        """What the unlock found that did not stop it (a damaged key-file entry), else []."""
        return list(self._open.warnings) if self._open is not None else []

    @property
    def clients(self) -> ClientStore | None:
        """The client store of the open vault, or None while locked."""
        return self._clients

    @property
    def notes(self) -> NoteStore | None:
        """The note store of the open vault, or None while locked."""
        return self._notes

    @property
    def measures(self) -> MeasureStore | None:
        """The measure store of the open vault, or None while locked."""
        return self._measures

    @property
    def reports(self) -> ReportMaker | None:
        """The report maker of the open vault, or None while locked (or when none was given).

        Built with the first report asked for, so reportlab never loads for a day
        without printing."""
        if self._reports is None and self._open is not None and self._report_factory:
            self._reports = self._report_factory(self._open, self.catalog)
        return self._reports

    def adopt(self, open_vault: OpenVault) -> None:
        """Take an already open vault (first run hands over the vault it created)."""
        if self._open is not None:
            self._close()
        from kapnotes.store.clients import ClientStore
        from kapnotes.store.measures import MeasureStore
        from kapnotes.store.notes import NoteStore

        self._open = open_vault
        zone = self.catalog.clinic_settings()[0].zone_name()
        self._clients = ClientStore(open_vault, zone)
        self._notes = NoteStore(open_vault)
        self._measures = MeasureStore(open_vault, zone)
        log.info("vault unlocked")
        self.unlocked.emit()

    def unlock(self, passphrase: str, *, as_it_is: bool = False) -> None:
        """Open with a passphrase; raises WrongSecretError or VaultError (UnlockDelayedError
        during the delay after wrong tries, VaultDamagedError for a damaged vault).

        ``as_it_is``: the user chose to open a vault that is not as it was saved (what
        was found goes into its audit trail).
        """
        self.vault.on_upgrade = self.upgrading.emit
        self.adopt(self.vault.unlock(passphrase, problems="accept" if as_it_is else "refuse"))

    def unlock_with_recovery(self, recovery_key: str, *, as_it_is: bool = False) -> None:
        """Open with the recovery key; errors and ``as_it_is`` as for :meth:`unlock`."""
        self.vault.on_upgrade = self.upgrading.emit
        self.adopt(
            self.vault.unlock_with_recovery(
                recovery_key, problems="accept" if as_it_is else "refuse"
            )
        )

    def audit(self, action: str, detail: dict[str, Any]) -> None:
        """Record a change made outside the vault's tables (a setting, a clinic file) in its
        audit trail; only while unlocked (nothing may change them while locked)."""
        if self._open is None:
            raise RuntimeError("the vault is locked")
        self._open.audit(action, "settings", None, detail)

    def save_clinic_settings(self, settings: ClinicSettings, changed: str) -> None:
        """Write the clinic's settings and record the one that changed, old and new
        (settings hold no client data)."""
        if self._open is None:
            raise RuntimeError("the vault is locked: settings cannot change")
        old = self.catalog.clinic_settings()[0].model_dump(mode="json").get(changed)
        self.catalog.save_clinic_settings(settings)
        new = settings.model_dump(mode="json").get(changed)
        self.audit("settings.change", {"changes": {changed: {"old": old, "new": new}}})

    def lock(self) -> None:
        """Close the open vault (engine disposed). Safe to call when already locked."""
        if self._open is None:
            return
        self._close()
        log.info("vault locked")
        self.locked.emit()

    def _close(self) -> None:
        open_vault, self._open, self._clients = self._open, None, None
        self._notes = self._measures = None
        self._reports = None
        if open_vault is not None:
            open_vault.close()
