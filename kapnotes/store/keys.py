"""The vault's key file: a random data key, stored only wrapped.

The data key (256 random bits) keys SQLCipher as a raw key. It is wrapped with
AES-256-GCM under
- each clinician's passphrase, stretched by Argon2id (64 MiB or more), and
- the recovery key shown once at vault creation (high entropy, so HKDF-SHA256).

The file (format version 2) is read by a pydantic model with bounded fields:
every salt, nonce and ciphertext has its exact length, and the Argon2id cost a
wrap asks for is bounded (:data:`MAX_WRAP_WORK_KIB`, :data:`MAX_FILE_WORK_KIB`),
so a damaged or crafted file cannot hang an unlock. Three layers protect it:

* **associated data** (AES-GCM): a version-2 wrap's ciphertext is bound to the
  vault id, the wrap's kind (its role: a clinician's passphrase or the recovery
  key), the clinician id, the KDF settings, the salt and the demo flag; editing
  any of them makes the wrap refuse to open (it never opens as someone else);
* **checksums** (SHA-256, no key): one per wrap and one over the whole file, so
  damage (a changed character) is told apart from a wrong passphrase;
* **a MAC per wrap** (HMAC-SHA256 under a key derived from the data key), which
  ``kapnotes verify`` checks for every wrap, the recovery wrap included, though
  it cannot open them.

Version-1 files (fixed associated data, no checksums) still open; the first
unlock rewrites the file as version 2 (:func:`upgraded`). The file is written
temp -> fsync -> rename -> fsync(dir), so a crash leaves either the old or the
new file, never half of one. It holds no PHI.

This module is what start-up needs (the errors, the KDF parameters); the model
and the ciphers live in :mod:`kapnotes.store.keyfile` and load with the first
unlock (``keys.KeyFile`` and the rest are forwarded to it).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the model and the ciphers load with the first unlock, not at start-up
    from kapnotes.store.keyfile import KdfSettings as KdfSettings
    from kapnotes.store.keyfile import KeyFile as KeyFile
    from kapnotes.store.keyfile import Unwrapped as Unwrapped
    from kapnotes.store.keyfile import Wrap as Wrap
    from kapnotes.store.keyfile import new_keyfile as new_keyfile
    from kapnotes.store.keyfile import unwrap_with_passphrase as unwrap_with_passphrase
    from kapnotes.store.keyfile import unwrap_with_recovery as unwrap_with_recovery
    from kapnotes.store.keyfile import upgraded as upgraded
    from kapnotes.store.keyfile import wrap_mac as wrap_mac
    from kapnotes.store.keyfile import wrap_problems as wrap_problems
    from kapnotes.store.keyfile import wrap_with_passphrase as wrap_with_passphrase
    from kapnotes.store.keyfile import wrap_with_recovery as wrap_with_recovery

KEYFILE_FORMAT = "kapnotes-keyfile"
KEYFILE_VERSION = 2
DATA_KEY_BYTES = 32
SALT_BYTES = 16
NONCE_BYTES = 12
RECOVERY_KEY_BYTES = 20  # 160 bits, shown as 32 base32 characters
_AAD_V1 = b"kapnotes data key v1"
_RECOVERY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

#: One wrap may ask for at most this much Argon2id work (passes x KiB): 1 GiB-pass,
#: about 1.5 s on a 2020 laptop (production is 3 passes over 64 MiB, ~0.2 s).
MAX_WRAP_WORK_KIB = 1024 * 1024
#: All the passphrase wraps of a file together (an unlock may try each of them).
MAX_FILE_WORK_KIB = 4 * MAX_WRAP_WORK_KIB
MAX_WRAPS = 32


class KeyFileError(Exception):
    """The key file is missing, unreadable, damaged or not a kapnotes key file."""


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


class DamagedWrapError(KeyFileError):
    """The secret may belong to a wrap that is damaged: it cannot be checked."""


class ForgedWrapError(KeyFileError):
    """A wrap opened, but its fields are not the ones written with the data key."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode())


def new_data_key() -> bytes:
    """256 random bits for SQLCipher."""
    import secrets  # (not at start-up: the lock screen makes no key)

    return secrets.token_bytes(DATA_KEY_BYTES)


def new_vault_id() -> str:
    """A random id naming one vault (key file, database and anchor belong together)."""
    import uuid  # (not at start-up: the lock screen makes no vault)

    return str(uuid.uuid4())


def new_recovery_key() -> str:
    """A recovery key to show once: 32 base32 characters in groups of four."""
    import secrets

    raw = secrets.token_bytes(RECOVERY_KEY_BYTES)
    text = base64.b32encode(raw).decode()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalise_recovery_key(text: str) -> bytes:
    """Accept the recovery key with or without dashes, spaces or lower case."""
    cleaned = "".join(ch for ch in text.upper() if ch in _RECOVERY_ALPHABET)
    if len(cleaned) != 32:
        raise WrongSecretError("a recovery key has 32 letters and digits")
    return base64.b32decode(cleaned)


def derived_key(data_key: bytes, purpose: str) -> bytes:
    """A 256-bit key for one purpose (``"anchor"``, ``"wraps"``), derived from the data key
    with HKDF-SHA256; it never opens the database itself."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"kapnotes {purpose} v1".encode()
    )
    return hkdf.derive(data_key)


def _recovery_wrapping_key(raw: bytes, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"kapnotes recovery")
    return hkdf.derive(raw)


_FORWARDED = frozenset(
    {
        "KdfSettings",
        "KeyFile",
        "Unwrapped",
        "Wrap",
        "new_keyfile",
        "unwrap_with_passphrase",
        "unwrap_with_recovery",
        "upgraded",
        "wrap_mac",
        "wrap_problems",
        "wrap_with_passphrase",
        "wrap_with_recovery",
    }
)


def __getattr__(name: str) -> Any:
    """The key file's model and ciphers, loaded when first used (PEP 562)."""
    if name in _FORWARDED:
        from kapnotes.store import keyfile

        return getattr(keyfile, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
