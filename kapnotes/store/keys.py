"""The vault's key file: a random data key, stored only wrapped.

The data key (256 random bits) keys SQLCipher as a raw key. It is wrapped with
AES-256-GCM under
- each clinician's passphrase, stretched by Argon2id (64 MiB or more), and
- the recovery key shown once at vault creation (high entropy, so HKDF-SHA256).
The file is written temp -> fsync -> rename -> fsync(dir), so a crash leaves
either the old or the new file, never half of one. It holds no PHI.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kapnotes.domain.files import atomic_write

KEYFILE_FORMAT = "kapnotes-keyfile"
KEYFILE_VERSION = 1
DATA_KEY_BYTES = 32
RECOVERY_KEY_BYTES = 20  # 160 bits, shown as 32 base32 characters
_AAD = b"kapnotes data key v1"
_RECOVERY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class KeyFileError(Exception):
    """The key file is missing, unreadable or not a kapnotes key file."""


class WrongSecretError(Exception):
    """No wrap in the key file opens with the given passphrase or recovery key."""


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The defaults are production strength; tests pass cheaper ones."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 2

    def derive(self, secret: bytes, salt: bytes) -> bytes:
        """Stretch `secret` into a 256-bit wrapping key."""
        from argon2.low_level import Type, hash_secret_raw  # loads with the first unlock

        return hash_secret_raw(
            secret,
            salt,
            time_cost=self.time_cost,
            memory_cost=self.memory_kib,
            parallelism=self.parallelism,
            hash_len=32,
            type=Type.ID,
        )


PRODUCTION_KDF = KdfParams()

# What a key file may ask for: a damaged or crafted file must not hang the unlock.
_KDF_BOUNDS = {"time_cost": (1, 20), "memory_kib": (8192, 4 * 1024 * 1024), "parallelism": (1, 16)}


def kdf_from_file(raw: dict[str, int]) -> KdfParams:
    """The Argon2id cost stored with a wrap, checked against sane bounds."""
    if set(raw) != set(_KDF_BOUNDS):
        raise KeyFileError(f"key file: unexpected key-derivation settings {sorted(raw)}")
    for name, (low, high) in _KDF_BOUNDS.items():
        value = raw[name]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise KeyFileError(f"key file: key-derivation setting {name}={value!r} is out of range")
    return KdfParams(**raw)


@dataclass
class Wrap:
    """One wrapped copy of the data key."""

    kind: str  # "passphrase" or "recovery"
    salt: str
    nonce: str
    ciphertext: str
    clinician_id: str | None = None
    kdf: dict[str, int] | None = None


@dataclass
class KeyFile:
    """The parsed key file."""

    wraps: list[Wrap] = field(default_factory=list)
    demo: bool = False

    def to_json(self) -> bytes:
        """Serialise for writing."""
        doc: dict[str, Any] = {
            "format": KEYFILE_FORMAT,
            "version": KEYFILE_VERSION,
            "demo": self.demo,
            "wraps": [asdict(w) for w in self.wraps],
        }
        return json.dumps(doc, indent=2).encode()

    @classmethod
    def read(cls, path: Path) -> KeyFile:
        """Parse a key file, with a plain message when it is not one."""
        try:
            doc = json.loads(path.read_bytes())
        except FileNotFoundError as exc:
            raise KeyFileError(f"key file not found: {path}") from exc
        except (OSError, ValueError) as exc:
            raise KeyFileError(f"key file {path} is unreadable or damaged: {exc}") from exc
        if not isinstance(doc, dict) or doc.get("format") != KEYFILE_FORMAT:
            raise KeyFileError(f"{path} is not a kapnotes key file")
        if doc.get("version") != KEYFILE_VERSION:
            raise KeyFileError(f"{path}: key file version {doc.get('version')!r} is not supported")
        try:
            wraps = [Wrap(**w) for w in doc["wraps"]]
            for wrap in wraps:
                if wrap.kdf is not None:
                    kdf_from_file(wrap.kdf)
        except (KeyError, TypeError) as exc:
            raise KeyFileError(f"key file {path} is damaged: {exc}") from exc
        except KeyFileError as exc:
            raise KeyFileError(f"{path}: {exc}") from exc
        return cls(wraps=wraps, demo=bool(doc.get("demo", False)))

    def write(self, path: Path) -> None:
        """Write atomically (temp, fsync, rename, fsync the folder), owner-only."""
        atomic_write(path, self.to_json())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode())


def new_data_key() -> bytes:
    """256 random bits for SQLCipher."""
    return secrets.token_bytes(DATA_KEY_BYTES)


def new_recovery_key() -> str:
    """A recovery key to show once: 32 base32 characters in groups of four."""
    raw = secrets.token_bytes(RECOVERY_KEY_BYTES)
    text = base64.b32encode(raw).decode()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalise_recovery_key(text: str) -> bytes:
    """Accept the recovery key with or without dashes, spaces or lower case."""
    cleaned = "".join(ch for ch in text.upper() if ch in _RECOVERY_ALPHABET)
    if len(cleaned) != 32:
        raise WrongSecretError("a recovery key has 32 letters and digits")
    return base64.b32decode(cleaned)


def _recovery_wrapping_key(raw: bytes, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"kapnotes recovery")
    return hkdf.derive(raw)


def _seal(wrapping_key: bytes, data_key: bytes) -> tuple[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    ct = AESGCM(wrapping_key).encrypt(nonce, data_key, _AAD)
    return _b64(nonce), _b64(ct)


def _open(wrapping_key: bytes, wrap: Wrap) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(wrapping_key).decrypt(_unb64(wrap.nonce), _unb64(wrap.ciphertext), _AAD)


def wrap_with_passphrase(
    data_key: bytes, passphrase: str, clinician_id: str, kdf: KdfParams
) -> Wrap:
    """Wrap the data key under a clinician's passphrase."""
    salt = secrets.token_bytes(16)
    nonce, ct = _seal(kdf.derive(passphrase.encode(), salt), data_key)
    return Wrap(
        kind="passphrase",
        salt=_b64(salt),
        nonce=nonce,
        ciphertext=ct,
        clinician_id=clinician_id,
        kdf=asdict(kdf),
    )


def wrap_with_recovery(data_key: bytes, recovery_key: str) -> Wrap:
    """Wrap the data key under the recovery key."""
    salt = secrets.token_bytes(16)
    nonce, ct = _seal(_recovery_wrapping_key(normalise_recovery_key(recovery_key), salt), data_key)
    return Wrap(kind="recovery", salt=_b64(salt), nonce=nonce, ciphertext=ct)


def unwrap_with_passphrase(keyfile: KeyFile, passphrase: str) -> tuple[bytes, str]:
    """The data key and the clinician id whose passphrase this is."""
    from cryptography.exceptions import InvalidTag

    for wrap in keyfile.wraps:
        if wrap.kind != "passphrase" or wrap.kdf is None or wrap.clinician_id is None:
            continue
        kdf = kdf_from_file(wrap.kdf)
        try:
            key = _open(kdf.derive(passphrase.encode(), _unb64(wrap.salt)), wrap)
        except InvalidTag:
            continue
        return key, wrap.clinician_id
    raise WrongSecretError("That passphrase does not open this vault.")


def unwrap_with_recovery(keyfile: KeyFile, recovery_key: str) -> bytes:
    """The data key, opened with the recovery key."""
    from cryptography.exceptions import InvalidTag

    raw = normalise_recovery_key(recovery_key)
    for wrap in keyfile.wraps:
        if wrap.kind != "recovery":
            continue
        try:
            return _open(_recovery_wrapping_key(raw, _unb64(wrap.salt)), wrap)
        except InvalidTag:
            continue
    raise WrongSecretError("That recovery key does not open this vault.")
