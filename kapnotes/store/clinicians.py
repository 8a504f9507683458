"""The vault's clinicians: who they are, their roles, their passphrases, the recovery key.

Every clinician has their own wrapped copy of the data key in the key file (a
passphrase of their own); whoever unlocked is who acts. Adding and deactivating
clinicians and issuing a new recovery key is for an administrator: a clinician
with the role ``administrator``, or the vault's first clinician. A clinician
changes their own passphrase.

**Crash safety.** Each change of the key file is one atomic replace (temp file,
fsync, rename, fsync the folder): a kill at any moment leaves the old file or the
new one, so the old passphrase or the new one opens the vault, never neither. A
new clinician's row is committed before their wrap is written (a crash between
leaves a clinician who cannot unlock yet, nothing worse); a deactivation removes
the wrap first, then records it.

A deactivated clinician keeps their row (their notes and signatures still name
them); they are "active" while the key file holds a passphrase wrap for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from kapnotes.store import keys
from kapnotes.store.audit import record
from kapnotes.store.keys import KdfParams, WrongSecretError
from kapnotes.store.models import Clinician
from kapnotes.store.vault import OpenVault, VaultError, check_passphrase

ROLES = ("therapist", "prescriber", "nurse", "staff", "administrator")
ADMIN_ROLE = "administrator"


class ClinicianError(ValueError):
    """A clinician change that cannot be made; the message says why, for the user."""


class NotAllowedError(ClinicianError):
    """The clinician who unlocked may not make this change (an administrator may)."""


@dataclass(frozen=True)
class ClinicianInfo:
    """A clinician as the list shows them."""

    id: str
    name: str
    credential: str
    role: str
    active: bool
    administrator: bool

    @property
    def display(self) -> str:
        """Name and credential, as notes show them."""
        return f"{self.name}, {self.credential}" if self.credential else self.name


def data_key_of(opened: OpenVault) -> bytes:
    """The open vault's data key (held in memory only while it is unlocked)."""
    key = getattr(opened, "_data_key", None)
    checkpointer = getattr(opened, "checkpointer", None)
    if key is None and checkpointer is not None:
        key = getattr(checkpointer, "_key", None)
    if not isinstance(key, bytes):
        raise ClinicianError("This vault was opened without its key in memory; unlock it again.")
    return key


# ---------------------------------------------------------------- key file edits (one place)


def _with_passphrase(
    keyfile: keys.KeyFile, data_key: bytes, clinician_id: str, passphrase: str, kdf: KdfParams
) -> keys.KeyFile:
    wraps = [w for w in keyfile.wraps if w.clinician_id != clinician_id]
    wraps.append(keys.wrap_with_passphrase(keyfile, data_key, passphrase, clinician_id, kdf))
    return keyfile.model_copy(update={"wraps": wraps, "checksum": None})


def _without(keyfile: keys.KeyFile, clinician_id: str) -> keys.KeyFile:
    wraps = [w for w in keyfile.wraps if w.clinician_id != clinician_id]
    return keyfile.model_copy(update={"wraps": wraps, "checksum": None})


def _with_recovery(keyfile: keys.KeyFile, data_key: bytes, recovery_key: str) -> keys.KeyFile:
    wraps = [w for w in keyfile.wraps if w.kind != "recovery"]
    wraps.append(keys.wrap_with_recovery(keyfile, data_key, recovery_key))
    return keyfile.model_copy(update={"wraps": wraps, "checksum": None})


def _wrapped_ids(keyfile: keys.KeyFile) -> set[str]:
    return {w.clinician_id for w in keyfile.wraps if w.kind == "passphrase" and w.clinician_id}


# --------------------------------------------------------------------------- the store


class Clinicians:
    """The clinicians of one open vault, changed by the clinician who unlocked it."""

    def __init__(self, vault: OpenVault, kdf: KdfParams | None = None) -> None:
        self._vault = vault
        self._kdf = kdf or vault.vault.kdf

    @property
    def acting_id(self) -> str:
        """Who unlocked (and so who acts)."""
        return self._vault.clinician_id

    def _keyfile(self) -> keys.KeyFile:
        return keys.KeyFile.read(self._vault.vault.key_path)

    def list(self) -> list[ClinicianInfo]:
        """Every clinician, the first first."""
        wrapped = _wrapped_ids(self._keyfile())
        with self._vault.session() as session:
            rows = list(session.scalars(select(Clinician).order_by(Clinician.created_at)))
        first = rows[0].id if rows else None
        return [
            ClinicianInfo(
                c.id,
                c.name,
                c.credential,
                c.role,
                c.id in wrapped,
                c.role == ADMIN_ROLE or c.id == first,
            )
            for c in rows
        ]

    def get(self, clinician_id: str) -> ClinicianInfo:
        """One clinician; ClinicianError if there is none with this id (or id prefix)."""
        found = [c for c in self.list() if c.id == clinician_id]
        if not found and len(clinician_id) >= 4:
            found = [c for c in self.list() if c.id.startswith(clinician_id)]
        if len(found) != 1:
            raise ClinicianError(f"no clinician with the id {clinician_id!r} in this vault")
        return found[0]

    def is_admin(self, clinician_id: str | None = None) -> bool:
        """Whether the clinician (default: who unlocked) is an administrator."""
        wanted = clinician_id or self.acting_id
        return any(c.id == wanted and c.administrator for c in self.list())

    def require_admin(self, what: str) -> None:
        """NotAllowedError, naming ``what``, unless who unlocked is an administrator."""
        if not self.is_admin():
            raise NotAllowedError(
                f"Only an administrator can {what}; ask the clinic's administrator "
                "(the vault's first clinician is one)."
            )

    def add(self, name: str, credential: str, role: str, passphrase: str) -> str:
        """A new clinician with their own passphrase; their id. Administrators only."""
        self.require_admin("add a clinician")
        name, credential, role = name.strip(), credential.strip(), role.strip().lower()
        if not name:
            raise ClinicianError("The clinician's name is required.")
        if len(name) > 200 or len(credential) > 100:
            raise ClinicianError("The name (200) or credential (100 characters) is too long.")
        if role not in ROLES:
            raise ClinicianError(f"Role must be one of: {', '.join(ROLES)}.")
        try:
            check_passphrase(passphrase)
        except VaultError as exc:
            raise ClinicianError(str(exc)) from None
        keyfile = self._keyfile()
        try:
            keys.unwrap_with_passphrase(keyfile, passphrase)
        except WrongSecretError:
            pass
        else:
            raise ClinicianError("That passphrase is already someone's; choose another.")
        with self._vault.session() as session:
            clinician = Clinician(name=name, credential=credential, role=role)
            session.add(clinician)
            session.flush()
            new_id = clinician.id
            record(session, self.acting_id, "clinician.add", "clinician", new_id, {"role": role})
        data_key = data_key_of(self._vault)
        _with_passphrase(self._keyfile(), data_key, new_id, passphrase, self._kdf).write(
            self._vault.vault.key_path
        )
        return new_id

    def deactivate(self, clinician_id: str) -> None:
        """Remove a clinician's passphrase (they can no longer unlock). Administrators only."""
        self.require_admin("deactivate a clinician")
        target = self.get(clinician_id)
        if target.id == self.acting_id:
            raise ClinicianError("You cannot deactivate yourself; another administrator can.")
        if not target.active:
            raise ClinicianError(f"{target.name} is already deactivated.")
        remaining = [c for c in self.list() if c.active and c.id != target.id]
        if not any(c.administrator for c in remaining):
            raise ClinicianError("The vault must keep at least one active administrator.")
        _without(self._keyfile(), target.id).write(self._vault.vault.key_path)
        with self._vault.session() as session:
            record(session, self.acting_id, "clinician.deactivate", "clinician", target.id, {})

    def act_as_after_recovery(self, clinician_id: str) -> None:
        """After an unlock with the recovery key: ``clinician_id`` (an active clinician,
        who is setting a new passphrase) acts from now on; recorded in the audit trail.
        NotAllowedError when the vault was opened with a passphrase."""
        if not self._vault.recovered:
            raise NotAllowedError("Only after an unlock with the recovery key.")
        target = self.get(clinician_id)
        if not target.active:
            raise ClinicianError(
                f"{target.name} is deactivated; an administrator can add them again."
            )
        if target.id == self.acting_id:
            return
        with self._vault.session() as session:
            record(session, self.acting_id, "vault.recovery_as", "clinician", target.id, {})
        self._vault.clinician_id = target.id

    def change_passphrase(self, new_passphrase: str) -> None:
        """The acting clinician's own passphrase, replaced in one atomic write."""
        try:
            check_passphrase(new_passphrase)
        except VaultError as exc:
            raise ClinicianError(str(exc)) from None
        data_key = data_key_of(self._vault)
        _with_passphrase(
            self._keyfile(), data_key, self.acting_id, new_passphrase, self._kdf
        ).write(self._vault.vault.key_path)
        with self._vault.session() as session:
            record(session, self.acting_id, "clinician.passphrase", "clinician", self.acting_id, {})
        self._vault.recovered = False  # who acts is settled: they have a passphrase again

    def reset_recovery_key(self) -> str:
        """A new recovery key (the old one stops working); shown once. Administrators only."""
        self.require_admin("issue a new recovery key")
        recovery = keys.new_recovery_key()
        data_key = data_key_of(self._vault)
        _with_recovery(self._keyfile(), data_key, recovery).write(self._vault.vault.key_path)
        with self._vault.session() as session:
            record(session, self.acting_id, "vault.recovery_key", "vault", None, {})
        return recovery


def roster(vault: OpenVault) -> list[ClinicianInfo]:
    """The active clinicians, by name (offered in a live session's clinicians log)."""
    return sorted((c for c in Clinicians(vault).list() if c.active), key=lambda c: c.name)
