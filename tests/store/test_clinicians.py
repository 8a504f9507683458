"""Clinicians: roles, who may do what, passphrases and the recovery key, crash-safe."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from kapnotes.store.clinicians import ClinicianError, Clinicians, NotAllowedError
from kapnotes.store.keys import WrongSecretError
from kapnotes.store.models import AuditEvent
from kapnotes.store.vault import OpenVault, Vault, VaultBusyError
from tests.conftest import FAST_KDF, PASSPHRASE

REPO = Path(__file__).resolve().parents[2]
NURSE = "nurse passphrase of fiction"
NEW = "a brand new passphrase"


def test_the_first_clinician_adds_a_nurse_who_unlocks_as_herself(
    open_vault: OpenVault, vault: Vault
) -> None:
    staff = Clinicians(open_vault)
    assert staff.is_admin()
    nurse_id = staff.add("Nia Fictional", "RN", "nurse", NURSE)
    listed = {c.name: c for c in staff.list()}
    assert listed["Nia Fictional"].role == "nurse" and listed["Nia Fictional"].active
    assert not listed["Nia Fictional"].administrator
    assert listed["Dr Ada Quill"].administrator
    open_vault.close()
    with vault.unlock(NURSE) as as_nurse:
        assert as_nurse.clinician_id == nurse_id
        with pytest.raises(NotAllowedError, match="administrator"):
            Clinicians(as_nurse).add("Someone Else", "", "staff", "another long passphrase")
        with pytest.raises(NotAllowedError):
            Clinicians(as_nurse).reset_recovery_key()
        Clinicians(as_nurse).change_passphrase(NEW)  # her own: allowed
    with pytest.raises(WrongSecretError):
        vault.unlock(NURSE)
    with vault.unlock(NEW) as again, again.session() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent))]
    assert {"clinician.add", "clinician.passphrase"} <= set(actions)


@pytest.mark.parametrize(
    ("name", "role", "passphrase", "words"),
    [
        ("", "nurse", NURSE, "name is required"),
        ("Nia", "janitor", NURSE, "Role must be one of"),
        ("Nia", "nurse", "short", "at least"),
        ("Nia", "nurse", PASSPHRASE, "already someone's"),
    ],
)
def test_bad_clinicians_are_refused(
    open_vault: OpenVault, name: str, role: str, passphrase: str, words: str
) -> None:
    with pytest.raises(ClinicianError, match=words):
        Clinicians(open_vault).add(name, "RN", role, passphrase)


def test_deactivation_stops_the_passphrase_and_keeps_an_administrator(
    open_vault: OpenVault, vault: Vault
) -> None:
    staff = Clinicians(open_vault)
    nurse_id = staff.add("Nia Fictional", "RN", "nurse", NURSE)
    with pytest.raises(ClinicianError, match="yourself"):
        staff.deactivate(open_vault.clinician_id)
    staff.deactivate(nurse_id[:8])
    assert not staff.get(nurse_id).active
    with pytest.raises(ClinicianError, match="already"):
        staff.deactivate(nurse_id)
    open_vault.close()
    with pytest.raises(WrongSecretError):
        vault.unlock(NURSE)


def test_a_new_recovery_key_replaces_the_old(vault: Vault) -> None:
    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    with created.vault as opened:
        fresh = Clinicians(opened).reset_recovery_key()
    with pytest.raises(WrongSecretError):
        vault.unlock_with_recovery(created.recovery_key)
    with vault.unlock_with_recovery(fresh):
        pass


def _passphrase_child(folder: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """A process that unlocks the vault, says "ready", changes the passphrase, says "done"."""
    Vault(folder, FAST_KDF).create("Dr Ada Quill", "PsyD", PASSPHRASE).vault.close()
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.store.passphrase_child", str(folder), PASSPHRASE, NEW],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    return child


def test_a_kill_at_any_point_of_a_passphrase_change_leaves_old_or_new(tmp_path: Path) -> None:
    rng = random.Random(1313)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    outcomes: dict[str, int] = {"old": 0, "new": 0}
    # How long a change takes on this machine now (tens of milliseconds, more when busy):
    # the kills fall anywhere in it, and some after it.
    timed = _passphrase_child(tmp_path / "timed", env)
    start = time.perf_counter()
    assert timed.stdout is not None and timed.stdout.readline().strip() == "done"
    span = time.perf_counter() - start
    timed.wait()
    timed.stdout.close()
    for attempt in range(20):
        folder = tmp_path / f"v{attempt}"
        child = _passphrase_child(folder, env)
        time.sleep(rng.uniform(0, span * 1.3))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        vault = Vault(folder, FAST_KDF)
        for _ in range(50):  # the killed child's lock goes with it
            try:
                opened = vault.unlock(PASSPHRASE)
                outcomes["old"] += 1
                break
            except WrongSecretError:
                opened = vault.unlock(NEW)
                outcomes["new"] += 1
                break
            except VaultBusyError:
                time.sleep(0.05)
        else:
            pytest.fail("the vault stayed busy after its process was killed")
        opened.close()
    assert outcomes["old"] + outcomes["new"] == 20  # never neither
    assert outcomes["old"] and outcomes["new"]  # the kills fell both before and after the rename


def test_the_recovery_key_never_acts_as_a_deactivated_clinician(vault: Vault) -> None:
    created = vault.create("Dr Ada Quill", "PsyD", PASSPHRASE)
    with created.vault as first:
        ada = first.clinician_id
        admin_id = Clinicians(first).add("Bo Admin", "", "administrator", NEW)
    with vault.unlock(NEW) as as_admin:
        Clinicians(as_admin).deactivate(ada)
    with vault.unlock_with_recovery(created.recovery_key) as recovered:
        assert recovered.recovered
        assert recovered.clinician_id == admin_id  # not Ada, the oldest but deactivated
        staff = Clinicians(recovered)
        with pytest.raises(ClinicianError, match="deactivated"):
            staff.act_as_after_recovery(ada)
        nurse_id = staff.add("Nia Fictional", "RN", "nurse", NURSE)
        staff.act_as_after_recovery(nurse_id)  # the nurse forgot hers
        assert recovered.clinician_id == nurse_id
        staff.change_passphrase("the nurse's new passphrase")
        assert not recovered.recovered
        with pytest.raises(NotAllowedError):
            staff.act_as_after_recovery(admin_id)
    with vault.unlock("the nurse's new passphrase") as as_nurse:
        assert as_nurse.clinician_id == nurse_id
        with as_nurse.session() as s:
            actions = [e.action for e in s.scalars(select(AuditEvent))]
    assert "vault.recovery_as" in actions


def test_acting_as_someone_else_needs_the_recovery_key(open_vault: OpenVault) -> None:
    staff = Clinicians(open_vault)
    nurse_id = staff.add("Nia Fictional", "RN", "nurse", NURSE)
    with pytest.raises(NotAllowedError, match="recovery key"):
        staff.act_as_after_recovery(nurse_id)
