"""The key file (issue 12): damage told apart from a wrong passphrase, bounded key derivation,
wraps bound to their clinician, and version-1 files still opening (then renewed)."""

from __future__ import annotations

import base64
import json
import secrets
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kapnotes.store import keys
from kapnotes.store.vault import OpenVault, Vault, VaultDamagedError, WrongSecretError
from tests.conftest import FAST_KDF, PASSPHRASE


@pytest.fixture
def recovery_key(vault: Vault) -> str:
    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    created.vault.close()
    return created.recovery_key


def _doc(vault: Vault) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(vault.key_path.read_text())
    return loaded


def _write(vault: Vault, doc: dict[str, Any], *, checksums: bool) -> None:
    """Write an edited key file; with ``checksums`` recomputed, as a deliberate edit would."""
    if checksums:
        keyfile = keys.KeyFile.model_validate_json(json.dumps(doc))
        vault.key_path.write_bytes(keyfile.to_json())
    else:
        vault.key_path.write_text(json.dumps(doc, indent=2))


def _passphrase_wrap(doc: dict[str, Any]) -> dict[str, Any]:
    return next(w for w in doc["wraps"] if w["kind"] == "passphrase")


def _change_one_character(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[5] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_one_changed_ciphertext_character_is_damage_not_a_wrong_passphrase(
    vault: Vault, recovery_key: str
) -> None:
    doc = _doc(vault)
    wrap = _passphrase_wrap(doc)
    wrap["ciphertext"] = _change_one_character(wrap["ciphertext"])
    _write(vault, doc, checksums=False)
    with pytest.raises(VaultDamagedError, match=r"damaged .*this is not a wrong passphrase"):
        vault.unlock(PASSPHRASE)
    assert vault.throttle.failures == 0  # not counted as a guess
    with vault.unlock_with_recovery(recovery_key) as opened:  # the other entry still opens
        assert opened.clinician_id


def test_a_salt_that_is_not_base64_names_the_field(vault: Vault, recovery_key: str) -> None:
    doc = _doc(vault)
    _passphrase_wrap(doc)["salt"] = "not base64 at all!"
    _write(vault, doc, checksums=False)
    with pytest.raises(VaultDamagedError, match=r"wraps\[0\]\.salt: is not base64"):
        vault.unlock(PASSPHRASE)


def test_a_key_file_asking_for_hours_of_key_derivation_is_refused_at_once(
    vault: Vault, recovery_key: str
) -> None:
    doc = _doc(vault)
    _passphrase_wrap(doc)["kdf"] = {
        "time_cost": 20,
        "memory_kib": 4 * 1024 * 1024,
        "parallelism": 4,
    }
    _write(vault, doc, checksums=False)
    started = time.monotonic()
    with pytest.raises(VaultDamagedError, match=r"kdf\.time_cost"):
        vault.unlock(PASSPHRASE)
    assert time.monotonic() - started < 1.0


def test_more_total_work_than_an_unlock_may_do_is_refused(vault: Vault, recovery_key: str) -> None:
    doc = _doc(vault)
    heavy = {"time_cost": 4, "memory_kib": 256 * 1024, "parallelism": 1}  # 1 GiB-pass each
    extra = [dict(_passphrase_wrap(doc), kdf=heavy) for _ in range(5)]
    doc["wraps"] += extra
    _write(vault, doc, checksums=False)
    with pytest.raises(VaultDamagedError, match="more key-derivation work than an unlock may do"):
        vault.unlock(PASSPHRASE)


@pytest.mark.parametrize("checksums", [False, True], ids=["edited", "edited-and-resealed"])
def test_an_edited_clinician_id_never_unlocks_as_someone_else(
    vault: Vault, recovery_key: str, checksums: bool
) -> None:
    doc = _doc(vault)
    _passphrase_wrap(doc)["clinician_id"] = "00000000-0000-4000-8000-000000000000"
    _write(vault, doc, checksums=checksums)
    expected = WrongSecretError if checksums else VaultDamagedError
    with pytest.raises(expected):
        vault.unlock(PASSPHRASE)


def test_the_demo_flag_is_bound_to_the_wraps(vault: Vault, recovery_key: str) -> None:
    doc = _doc(vault)
    doc["demo"] = True
    _write(vault, doc, checksums=True)
    with pytest.raises(WrongSecretError):
        vault.unlock(PASSPHRASE)


def test_verify_checks_every_wrap_the_recovery_wrap_included(
    vault: Vault, recovery_key: str
) -> None:
    doc = _doc(vault)
    recovery = next(w for w in doc["wraps"] if w["kind"] == "recovery")
    recovery["ciphertext"] = _change_one_character(recovery["ciphertext"])
    _write(vault, doc, checksums=True)  # damage that even slipped past the checksums
    with vault.unlock(PASSPHRASE) as opened:  # the passphrase's entry is intact: it opens
        problems = opened.key_file_problems()  # the checksums hold; only the MAC can tell
        assert opened.warnings == [f"key file: {p}" for p in problems]  # and it says so
    assert problems == [
        "the recovery key's entry: changed since kapnotes wrote it (its MAC does not match)"
    ]


def test_a_damaged_entry_that_was_not_needed_opens_and_says_so(
    vault: Vault, recovery_key: str
) -> None:
    doc = _doc(vault)
    recovery = next(w for w in doc["wraps"] if w["kind"] == "recovery")
    recovery["ciphertext"] = _change_one_character(recovery["ciphertext"])
    _write(vault, doc, checksums=False)
    with vault.unlock(PASSPHRASE) as opened:
        assert any("recovery key's entry: damaged" in w for w in opened.warnings)


def _version_1(vault: Vault, passphrase: str, recovery_key: str, data_key: bytes, who: str) -> None:
    """A key file exactly as kapnotes wrote them before version 2 (fixed associated data)."""

    def seal(wrapping: bytes) -> tuple[str, str]:
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(wrapping).encrypt(nonce, data_key, b"kapnotes data key v1")
        return base64.b64encode(nonce).decode(), base64.b64encode(sealed).decode()

    salt = secrets.token_bytes(16)
    nonce, ct = seal(FAST_KDF.derive(passphrase.encode(), salt))
    rsalt = secrets.token_bytes(16)
    rnonce, rct = seal(
        keys._recovery_wrapping_key(keys.normalise_recovery_key(recovery_key), rsalt)
    )
    doc = {
        "format": "kapnotes-keyfile",
        "version": 1,
        "demo": False,
        "wraps": [
            {
                "kind": "passphrase",
                "salt": base64.b64encode(salt).decode(),
                "nonce": nonce,
                "ciphertext": ct,
                "clinician_id": who,
                "kdf": {"time_cost": 1, "memory_kib": 8192, "parallelism": 1},
            },
            {
                "kind": "recovery",
                "salt": base64.b64encode(rsalt).decode(),
                "nonce": rnonce,
                "ciphertext": rct,
                "clinician_id": None,
                "kdf": None,
            },
        ],
    }
    vault.key_path.write_text(json.dumps(doc, indent=2))


def test_a_version_1_key_file_opens_and_is_renewed_as_version_2(
    vault: Vault, recovery_key: str
) -> None:
    keyfile = keys.KeyFile.read(vault.key_path)
    opened = keys.unwrap_with_passphrase(keyfile, PASSPHRASE)
    assert opened.clinician_id is not None
    _version_1(vault, PASSPHRASE, recovery_key, opened.data_key, opened.clinician_id)
    with vault.unlock(PASSPHRASE) as first:
        assert first.clinician_id == opened.clinician_id
    renewed = _doc(vault)
    assert renewed["version"] == 2 and renewed["vault_id"] and renewed["database_salt"]
    assert _passphrase_wrap(renewed)["aad"] == 2  # sealed again, bound to its clinician
    assert all(w["mac"] and w["checksum"] for w in renewed["wraps"])
    with vault.unlock_with_recovery(recovery_key) as again:  # the old recovery entry, with a MAC
        assert again.key_file_problems() == []


def test_the_key_file_holds_no_client_data_and_names_no_one(
    open_vault: OpenVault, vault: Vault
) -> None:
    text_ = vault.key_path.read_text()
    assert "Ada" not in text_ and "Quill" not in text_
    anchor = Path(vault.anchor_path).read_text()
    assert "Ada" not in anchor and "Quill" not in anchor
    for line in filter(None, (raw.strip() for raw in anchor.splitlines())):
        assert set(json.loads(line)) == {"format", "version", "seq", "confirmed", "pending", "mac"}


def test_a_backup_holding_a_version_1_key_file_restores(
    vault: Vault, recovery_key: str, tmp_path: Path
) -> None:
    """A backup from before key files had MACs: restored and opened (its first unlock
    writes the MACs), not refused for the MACs it never had."""
    from kapnotes.store.backup import restore_backup, write_backup

    keyfile = keys.KeyFile.read(vault.key_path)
    opened = keys.unwrap_with_passphrase(keyfile, PASSPHRASE)
    assert opened.clinician_id is not None
    with vault.unlock(PASSPHRASE) as open_vault:
        _version_1(vault, PASSPHRASE, recovery_key, opened.data_key, opened.clinician_id)
        write_backup(open_vault, tmp_path / "old.kapbackup")
    target = tmp_path / "restored"
    restore_backup(tmp_path / "old.kapbackup", target, PASSPHRASE, kdf=FAST_KDF)
    with Vault(target, FAST_KDF).unlock(PASSPHRASE) as restored:
        assert restored.key_file_problems() == []
    assert json.loads((target / "kapnotes.key").read_text())["version"] == 2
