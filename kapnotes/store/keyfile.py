"""The key file's model (pydantic, bounded fields) and its ciphers: wrapping the data
key, opening a wrap, checking every wrap (see :mod:`kapnotes.store.keys`, which
forwards these names and holds what start-up needs).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    model_validator,
)

from kapnotes.domain.canonical import canonical_json
from kapnotes.domain.files import atomic_write
from kapnotes.store.keys import (
    _AAD_V1,
    DATA_KEY_BYTES,
    KEYFILE_FORMAT,
    KEYFILE_VERSION,
    MAX_FILE_WORK_KIB,
    MAX_WRAP_WORK_KIB,
    MAX_WRAPS,
    NONCE_BYTES,
    SALT_BYTES,
    DamagedWrapError,
    ForgedWrapError,
    KdfParams,
    KeyFileError,
    WrongSecretError,
    _b64,
    _recovery_wrapping_key,
    _unb64,
    derived_key,
    new_vault_id,
    normalise_recovery_key,
)


def _exact_b64(size: int) -> Callable[[str], str]:
    def check(text: str) -> str:
        try:
            raw = base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise ValueError("is not base64") from None
        if len(raw) != size:
            raise ValueError(f"holds {len(raw)} bytes where {size} belong")
        return text

    return check


Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Uuid = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")]
Salt = Annotated[str, AfterValidator(_exact_b64(SALT_BYTES))]
Nonce = Annotated[str, AfterValidator(_exact_b64(NONCE_BYTES))]
Sealed = Annotated[str, AfterValidator(_exact_b64(DATA_KEY_BYTES + 16))]  # key + GCM tag


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class KdfSettings(_Strict):
    """The Argon2id cost stored with a passphrase wrap, within bounds that cannot hang."""

    time_cost: int = Field(ge=1, le=8)
    memory_kib: int = Field(ge=8192, le=256 * 1024)
    parallelism: int = Field(ge=1, le=4)

    @model_validator(mode="after")
    def _bounded_work(self) -> Self:
        if self.work > MAX_WRAP_WORK_KIB:
            raise ValueError(
                f"{self.time_cost} passes over {self.memory_kib} KiB is more key-derivation "
                "work than a kapnotes key file may ask for"
            )
        return self

    @property
    def work(self) -> int:
        """Passes times KiB."""
        return self.time_cost * self.memory_kib

    def params(self) -> KdfParams:
        """As the parameter object that derives keys."""
        return KdfParams(self.time_cost, self.memory_kib, self.parallelism)

    @classmethod
    def of(cls, params: KdfParams) -> KdfSettings:
        """The settings to store for ``params`` (ValueError if out of bounds)."""
        return cls(
            time_cost=params.time_cost,
            memory_kib=params.memory_kib,
            parallelism=params.parallelism,
        )


class Wrap(_Strict):
    """One wrapped copy of the data key.

    ``aad`` 1: a wrap from a version-1 file (fixed associated data); 2: bound to
    the vault id, kind, clinician id, KDF settings, salt and demo flag.
    ``checksum``: SHA-256 of the wrap's other fields (damage). ``mac``: HMAC under a
    key derived from the data key (authenticity; checked once the vault is open).
    """

    kind: Literal["passphrase", "recovery"]
    salt: Salt
    nonce: Nonce
    ciphertext: Sealed
    clinician_id: Uuid | None = None
    kdf: KdfSettings | None = None
    aad: Literal[1, 2] = 1
    checksum: Hex64 | None = None
    mac: Hex64 | None = None

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Self:
        if self.kind == "passphrase" and (self.clinician_id is None or self.kdf is None):
            raise ValueError("a passphrase wrap needs clinician_id and kdf")
        if self.kind == "recovery" and (self.clinician_id is not None or self.kdf is not None):
            raise ValueError("a recovery wrap has no clinician_id or kdf")
        return self

    def fields(self) -> dict[str, Any]:
        """What the checksum and the MAC cover: every field but themselves."""
        return self.model_dump(exclude={"checksum", "mac"})

    def intact(self) -> bool:
        """Whether the wrap still matches its checksum (True for a version-1 wrap without)."""
        return self.checksum is None or self.checksum == _sha256(self.fields())

    def label(self, index: int) -> str:
        """How messages name this wrap."""
        if self.kind == "recovery":
            return "the recovery key's entry"
        return f"passphrase entry {index + 1} (clinician {str(self.clinician_id)[:8]}…)"


class KeyFile(_Strict):
    """The parsed key file (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=False)

    format: Literal["kapnotes-keyfile"] = "kapnotes-keyfile"
    version: Literal[1, 2] = 2
    demo: bool = False
    vault_id: Uuid | None = None
    #: The first 16 bytes of kapnotes.db (SQLCipher's salt, hex): tells a foreign
    #: database from a damaged one.
    database_salt: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")] | None = None
    wraps: list[Wrap] = Field(default_factory=list, max_length=MAX_WRAPS)
    checksum: Hex64 | None = None
    # Set by read(): entries that could not be read at all (kind, problem), and whether
    # the file as read matched its checksum.
    _broken: list[tuple[str, str]] = PrivateAttr(default_factory=list)
    _read_intact: bool | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        total = sum(w.kdf.work for w in self.wraps if w.kdf is not None)
        if total > MAX_FILE_WORK_KIB:
            raise ValueError("its wraps ask for more key-derivation work than an unlock may do")
        return self

    def body(self) -> dict[str, Any]:
        """What the file checksum covers: everything but itself."""
        return self.model_dump(exclude={"checksum"}, exclude_none=False)

    def intact(self) -> bool:
        """Whether the file still matches its checksum (True for version 1, which has none)."""
        if self._read_intact is not None:
            return self._read_intact
        return self.checksum is None or self.checksum == _sha256(self.body())

    @property
    def broken(self) -> list[tuple[str, str]]:
        """Entries that could not be read at all: (their kind, or "?", and what is wrong)."""
        return list(self._broken)

    def to_json(self) -> bytes:
        """Serialise for writing (the checksums are computed here)."""
        wraps = [w.model_copy(update={"checksum": _sha256(w.fields())}) for w in self.wraps]
        sealed = self.model_copy(update={"wraps": wraps, "checksum": None})
        doc = sealed.model_copy(update={"checksum": _sha256(sealed.body())})
        return json.dumps(doc.model_dump(mode="json"), indent=2).encode()

    @classmethod
    def read(cls, path: Path) -> KeyFile:
        """Parse a key file; KeyFileError says plainly what is wrong and where."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError as exc:
            raise KeyFileError(f"key file not found: {path}") from exc
        except OSError as exc:
            raise KeyFileError(f"key file {path} cannot be read ({exc.strerror})") from exc
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError):
            raise KeyFileError(
                f"The key file {path} is damaged: it is no longer valid JSON."
            ) from None
        if not isinstance(doc, dict) or doc.get("format") != KEYFILE_FORMAT:
            raise KeyFileError(f"{path} is not a kapnotes key file")
        if doc.get("version") not in (1, 2):
            raise KeyFileError(f"{path}: key file version {doc.get('version')!r} is not supported")
        raw_wraps = doc.get("wraps")
        if not isinstance(raw_wraps, list):
            raise KeyFileError(f"The key file {path} is damaged: it has no list of entries.")
        # Each entry on its own: one damaged entry must not hide the others.
        wraps: list[Wrap] = []
        broken: list[tuple[str, str]] = []
        for index, entry in enumerate(raw_wraps[:MAX_WRAPS]):
            try:
                wraps.append(Wrap.model_validate_json(json.dumps(entry)))
            except ValidationError as exc:
                kind = entry.get("kind") if isinstance(entry, dict) else None
                label = {
                    "recovery": "the recovery key's entry",
                    "passphrase": f"passphrase entry {index + 1}",
                }.get(str(kind), f"entry {index + 1}")
                problem = f"{label} is unreadable ({_problem(exc, f'wraps[{index}]')})"
                broken.append((str(kind), problem))
        try:
            keyfile = cls.model_validate_json(json.dumps({**doc, "wraps": []}))
            keyfile.wraps = wraps
            keyfile = cls.model_validate(keyfile.model_dump())  # the bounds over all wraps
        except ValidationError as exc:
            raise KeyFileError(
                f"The key file {path} is damaged or was changed: {_problem(exc, '')}."
            ) from None
        keyfile._broken = broken
        body = {k: v for k, v in doc.items() if k != "checksum"}
        keyfile._read_intact = doc.get("checksum") is None or doc.get("checksum") == _sha256(body)
        if len(raw_wraps) > MAX_WRAPS:
            keyfile._read_intact = False
        if keyfile.version == 2 and (keyfile.vault_id is None or keyfile.checksum is None):
            raise KeyFileError(
                f"The key file {path} is damaged: its vault id or checksum is missing."
            )
        return keyfile

    def write(self, path: Path) -> None:
        """Write atomically (temp, fsync, rename, fsync the folder), owner-only."""
        atomic_write(path, self.to_json())

    def usable(self) -> list[Wrap]:
        """The wraps that still match their checksums."""
        return [w for w in self.wraps if w.intact()]


# --------------------------------------------------------------------------- helpers


def _problem(exc: ValidationError, prefix: str) -> str:
    """The first problem pydantic found, with its place (``wraps[0].salt: is not base64``)."""
    first = exc.errors()[0]
    where = prefix + "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]
    )
    message = str(first["msg"]).removeprefix("Value error, ")
    more = len(exc.errors()) - 1
    return f"{where.lstrip('.') or 'the file'}: {message}" + (
        f" (and {more} more problems)" if more else ""
    )


def _sha256(obj: Any) -> str:
    return hashlib.sha256(canonical_json(obj)).hexdigest()


def _aad(keyfile: KeyFile, wrap: Wrap) -> bytes:
    if wrap.aad == 1:
        return _AAD_V1
    return canonical_json(
        {
            "purpose": "kapnotes data key",
            "version": 2,
            "vault_id": keyfile.vault_id,
            "demo": keyfile.demo,
            "kind": wrap.kind,
            "clinician_id": wrap.clinician_id,
            "kdf": wrap.kdf.model_dump() if wrap.kdf is not None else None,
            "salt": wrap.salt,
        }
    )


def wrap_mac(data_key: bytes, wrap: Wrap) -> str:
    """The HMAC that proves a wrap was written by someone holding the data key."""
    return hmac.new(
        derived_key(data_key, "wraps"), canonical_json(wrap.fields()), hashlib.sha256
    ).hexdigest()


def _sealed(keyfile: KeyFile, wrap: Wrap, wrapping_key: bytes, data_key: bytes) -> Wrap:
    nonce = secrets.token_bytes(NONCE_BYTES)
    unsealed = wrap.model_copy(update={"nonce": _b64(nonce), "aad": 2})
    ct = AESGCM(wrapping_key).encrypt(nonce, data_key, _aad(keyfile, unsealed))
    done = unsealed.model_copy(update={"ciphertext": _b64(ct), "checksum": None, "mac": None})
    return done.model_copy(update={"mac": wrap_mac(data_key, done)})


def _open(keyfile: KeyFile, wrapping_key: bytes, wrap: Wrap) -> bytes:
    return AESGCM(wrapping_key).decrypt(
        _unb64(wrap.nonce), _unb64(wrap.ciphertext), _aad(keyfile, wrap)
    )


_PLACEHOLDER = _b64(bytes(DATA_KEY_BYTES + 16))


def wrap_with_passphrase(
    keyfile: KeyFile, data_key: bytes, passphrase: str, clinician_id: str, kdf: KdfParams
) -> Wrap:
    """Wrap the data key under a clinician's passphrase, bound to ``keyfile``'s vault."""
    salt = secrets.token_bytes(SALT_BYTES)
    draft = Wrap(
        kind="passphrase",
        salt=_b64(salt),
        nonce=_b64(bytes(NONCE_BYTES)),
        ciphertext=_PLACEHOLDER,
        clinician_id=clinician_id,
        kdf=KdfSettings.of(kdf),
    )
    return _sealed(keyfile, draft, kdf.derive(passphrase.encode(), salt), data_key)


def wrap_with_recovery(keyfile: KeyFile, data_key: bytes, recovery_key: str) -> Wrap:
    """Wrap the data key under the recovery key, bound to ``keyfile``'s vault."""
    salt = secrets.token_bytes(SALT_BYTES)
    draft = Wrap(
        kind="recovery", salt=_b64(salt), nonce=_b64(bytes(NONCE_BYTES)), ciphertext=_PLACEHOLDER
    )
    wrapping = _recovery_wrapping_key(normalise_recovery_key(recovery_key), salt)
    return _sealed(keyfile, draft, wrapping, data_key)


@dataclass(frozen=True)
class Unwrapped:
    """What an unlock learned from the key file: the data key, whose passphrase opened it
    (None for the recovery key) and the wrap that did."""

    data_key: bytes
    clinician_id: str | None
    wrap: Wrap


def _check_opened(keyfile: KeyFile, wrap: Wrap, data_key: bytes, path: str) -> None:
    """A version-1 wrap binds nothing in its associated data: its MAC (once it has one)
    must hold, or its clinician id may have been edited."""
    if wrap.mac is not None and not hmac.compare_digest(wrap.mac, wrap_mac(data_key, wrap)):
        raise ForgedWrapError(
            f"The key file {path} was changed: the entry that opened with this secret no longer "
            "matches what kapnotes wrote (its clinician or settings were edited), so the "
            "vault was not opened."
        )


def _refusal(
    keyfile: KeyFile, tried: Iterable[Wrap], path: str, what: str, kind: str
) -> KeyFileError | None:
    """Why no entry opened when the file can tell it is damaged (else None: a wrong secret)."""
    damaged = [
        f"{w.label(keyfile.wraps.index(w))} no longer matches its checksum"
        for w in tried
        if not w.intact()
    ]
    damaged += [problem for broken_kind, problem in keyfile.broken if broken_kind in (kind, "None")]
    if not damaged and keyfile.intact():
        return None
    which = "; ".join(damaged) if damaged else "it no longer matches its checksum"
    return DamagedWrapError(
        f"The key file {path or 'kapnotes.key'} is damaged ({which}), so {what} cannot be "
        f"checked against it: this is not a wrong {what.removeprefix('the ')}. Put back "
        "kapnotes.key from a copy of the vault folder you made."
    )


def unwrap_with_passphrase(keyfile: KeyFile, passphrase: str, path: str = "") -> Unwrapped:
    """The data key and the clinician whose passphrase this is.

    Raises WrongSecretError when no intact wrap opens, DamagedWrapError when none
    opens and a passphrase wrap is damaged (the passphrase cannot be told wrong),
    ForgedWrapError when the wrap that opened was edited.
    """
    candidates = [w for w in keyfile.wraps if w.kind == "passphrase"]
    for wrap in candidates:
        if not wrap.intact() or wrap.kdf is None or wrap.clinician_id is None:
            continue
        key = wrap.kdf.params().derive(passphrase.encode(), _unb64(wrap.salt))
        try:
            data_key = _open(keyfile, key, wrap)
        except InvalidTag:
            continue
        _check_opened(keyfile, wrap, data_key, path)
        return Unwrapped(data_key, wrap.clinician_id, wrap)
    refusal = _refusal(keyfile, candidates, path, "the passphrase", "passphrase")
    if refusal is not None:
        raise refusal
    raise WrongSecretError("That passphrase does not open this vault.")


def unwrap_with_recovery(keyfile: KeyFile, recovery_key: str, path: str = "") -> Unwrapped:
    """The data key, opened with the recovery key (errors as for a passphrase)."""
    raw = normalise_recovery_key(recovery_key)
    candidates = [w for w in keyfile.wraps if w.kind == "recovery"]
    for wrap in candidates:
        if not wrap.intact():
            continue
        try:
            data_key = _open(keyfile, _recovery_wrapping_key(raw, _unb64(wrap.salt)), wrap)
        except InvalidTag:
            continue
        _check_opened(keyfile, wrap, data_key, path)
        return Unwrapped(data_key, None, wrap)
    refusal = _refusal(keyfile, candidates, path, "the recovery key", "recovery")
    if refusal is not None:
        raise refusal
    raise WrongSecretError("That recovery key does not open this vault.")


def new_keyfile(
    data_key: bytes,
    passphrase: str,
    clinician_id: str,
    recovery_key: str,
    kdf: KdfParams,
    *,
    demo: bool,
    database_salt: str | None,
) -> KeyFile:
    """A version-2 key file with one passphrase wrap and the recovery wrap."""
    keyfile = KeyFile(vault_id=new_vault_id(), demo=demo, database_salt=database_salt)
    keyfile.wraps = [
        wrap_with_passphrase(keyfile, data_key, passphrase, clinician_id, kdf),
        wrap_with_recovery(keyfile, data_key, recovery_key),
    ]
    return keyfile


def upgraded(
    keyfile: KeyFile,
    opened: Unwrapped,
    data_key: bytes,
    *,
    passphrase: str | None,
    database_salt: str | None,
) -> KeyFile | None:
    """A version-1 file (or one without the database's salt) as version 2, or None when
    nothing needs changing.

    The wrap that opened is sealed again with bound associated data when the
    passphrase is known; other wraps (other clinicians', the recovery key's) keep
    their version-1 sealing, since their secrets are not known here, and get a MAC.
    """
    if keyfile.version == KEYFILE_VERSION and keyfile.database_salt is not None:
        return None
    new = KeyFile(
        vault_id=keyfile.vault_id or new_vault_id(),
        demo=keyfile.demo,
        database_salt=keyfile.database_salt or database_salt,
    )
    wraps: list[Wrap] = []
    for wrap in keyfile.wraps:
        if (
            wrap == opened.wrap
            and passphrase is not None
            and wrap.clinician_id is not None
            and wrap.kdf is not None
        ):
            wraps.append(
                wrap_with_passphrase(
                    new, data_key, passphrase, wrap.clinician_id, wrap.kdf.params()
                )
            )
            continue
        if wrap.aad == 2:  # sealed for this vault id already: it stays valid
            wraps.append(wrap)
            continue
        plain = wrap.model_copy(update={"checksum": None, "mac": None})
        wraps.append(plain.model_copy(update={"mac": wrap_mac(data_key, plain)}))
    new.wraps = wraps
    return new


def wrap_problems(keyfile: KeyFile, data_key: bytes) -> list[str]:
    """Every wrap's integrity, checked with the data key (verify): its checksum, its MAC
    (a wrap without one is from a version-1 file), and the file's own checksum."""
    problems: list[str] = [problem for _kind, problem in keyfile.broken]
    for index, wrap in enumerate(keyfile.wraps):
        name = wrap.label(index)
        if not wrap.intact():
            problems.append(f"{name}: damaged (does not match its checksum)")
        elif wrap.mac is None:
            problems.append(f"{name}: has no MAC (written by an older kapnotes; unlock to renew)")
        elif not hmac.compare_digest(wrap.mac, wrap_mac(data_key, wrap)):
            problems.append(f"{name}: changed since kapnotes wrote it (its MAC does not match)")
    if not keyfile.intact() and not problems:  # a damaged entry explains the file's checksum
        problems.append("the key file does not match its checksum (it was changed or damaged)")
    if not any(w.kind == "recovery" for w in keyfile.wraps) and not keyfile.broken:
        problems.append("the key file has no recovery key entry")
    return problems
