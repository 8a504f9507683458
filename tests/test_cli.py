"""The command line: the contract in the architecture note, exit codes and messages.

Most tests run `main([...])` in-process; two run `python -m kapnotes` to prove the
real entry point. The CLI always derives keys at production cost (~0.1 s here).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import subprocess
import sys
import types
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kapnotes import __version__, cli
from kapnotes.store import interchange
from kapnotes.store.demo import DEMO_CLIENTS, DEMO_PASSPHRASE, populate_demo
from kapnotes.store.models import pack_json, unpack_json
from kapnotes.store.vault import Vault

PASS = "correct horse battery staple"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No passphrase in the environment, no terminal, and never the user's real folders."""
    # setenv first so that monkeypatch restores the variable's absence afterwards,
    # whatever the tests write to os.environ in between.
    monkeypatch.setenv("KAPNOTES_PASSPHRASE", "placeholder")
    monkeypatch.delenv("KAPNOTES_PASSPHRASE")
    monkeypatch.setattr(cli, "_interactive", lambda: False)
    monkeypatch.setattr(cli, "default_data_dir", lambda: tmp_path / "default-data")
    monkeypatch.setattr(cli, "default_demo_dir", lambda: tmp_path / "default-demo")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def init(capsys: pytest.CaptureFixture[str], folder: Path, name: str = "Dr Ada Quill") -> str:
    """Create a vault non-interactively; returns the printed output."""
    os.environ["KAPNOTES_PASSPHRASE"] = PASS
    code, out, err = run(
        capsys, "--data-dir", str(folder), "init", "--name", name, "--credential", "PsyD"
    )
    assert (code, err) == (0, "")
    return out


def export_of(folder: Path) -> dict[str, Any]:
    """The vault's content, read directly (not through the CLI)."""
    with Vault(folder).unlock(PASS) as opened:
        return interchange.export_vault(opened)


#: Audit events that record access (each unlock, lock, opened client or search), not changes.
ACCESS = {"vault.unlock", "vault.lock", "vault.unlock_failed", "client.open", "client.search"}


def records(document: dict[str, Any]) -> dict[str, Any]:
    """What a refused command must leave unchanged: every record and every audit event of a
    change (reading the vault to compare it is itself an unlock, and recorded)."""
    out = interchange.comparable(document)
    out["audit"] = [ev for ev in out["audit"] if ev["action"] not in ACCESS]
    return out


def fake_gui(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, dict[str, Any]]]:
    """Stand in for kapnotes.app; returns the list of run_gui calls."""
    calls: list[tuple[Path, dict[str, Any]]] = []

    def run_gui(data_dir: Path, **kw: Any) -> int:
        calls.append((data_dir, kw))
        return 0

    fake = types.ModuleType("kapnotes.app")
    fake.run_gui = run_gui  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kapnotes.app", fake)
    return calls


# --------------------------------------------------------------------------- basics


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"kapnotes {__version__}"


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "no-such-command")
    assert code == 2
    assert "invalid choice" in err


def test_no_command_opens_the_gui(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = fake_gui(monkeypatch)
    assert run(capsys, "--data-dir", str(tmp_path / "v"))[0] == 0
    assert run(capsys)[0] == 0
    assert calls == [(tmp_path / "v", {}), (tmp_path / "default-data", {})]


# --------------------------------------------------------------------------- init, unlock


def test_init_prints_the_recovery_key_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = init(capsys, tmp_path / "v")
    assert "write this down" in out and "shown only once" in out
    key_lines = [line.strip() for line in out.splitlines() if line.strip().count("-") == 7]
    assert len(key_lines) == 1 and len(key_lines[0]) == 39
    assert Vault(tmp_path / "v").exists()
    with Vault(tmp_path / "v").unlock_with_recovery(key_lines[0]) as opened:
        assert opened.clinician_id


def test_init_refuses_an_existing_vault(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    init(capsys, tmp_path / "v")
    before = (tmp_path / "v" / "kapnotes.key").read_bytes()
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "v"), "init", "--name", "X")
    assert code == 2
    assert "already exists" in err
    assert (tmp_path / "v" / "kapnotes.key").read_bytes() == before


def test_init_without_a_terminal_needs_name_and_passphrase(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "v"), "init", "--name", "Dr X")
    assert code == 3
    assert "KAPNOTES_PASSPHRASE" in err and "--passphrase-file" in err
    monkeypatch.setenv("KAPNOTES_PASSPHRASE", PASS)
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "v"), "init")
    assert code == 2
    assert "--name is required" in err
    monkeypatch.setenv("KAPNOTES_PASSPHRASE", "short")
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "v"), "init", "--name", "Dr X")
    assert code == 2
    assert "at least 10 characters" in err
    assert not (tmp_path / "v" / "kapnotes.key").exists()


def test_init_on_a_terminal_asks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    answers = iter(["Dr Terminal Person", "LCSW"])
    monkeypatch.setattr("builtins.input", lambda _prompt: next(answers))
    secrets = iter(["too short", PASS, "a different one!", PASS, PASS])
    monkeypatch.setattr("getpass.getpass", lambda _prompt: next(secrets))
    code, out, err = run(capsys, "--data-dir", str(tmp_path / "v"), "init")
    assert code == 0
    assert "needs at least 10" in err and "differ" in err
    assert "shown only once" in out
    with Vault(tmp_path / "v").unlock(PASS) as opened:
        assert opened.clinician_id


def test_passphrase_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    init(capsys, tmp_path / "v")
    os.environ.pop("KAPNOTES_PASSPHRASE")
    secret = tmp_path / "pass.txt"
    secret.write_text(PASS + "\n")
    code, out, _ = run(
        capsys, "--data-dir", str(tmp_path / "v"), "--passphrase-file", str(secret), "verify"
    )
    assert code == 0 and out.rstrip().endswith("OK")
    # The options also work after the command name.
    code, _, _ = run(
        capsys, "verify", "--data-dir", str(tmp_path / "v"), "--passphrase-file", str(secret)
    )
    assert code == 0
    code, _, err = run(
        capsys, "--data-dir", str(tmp_path / "v"), "--passphrase-file", "/nope/x", "verify"
    )
    assert code == 2 and "--passphrase-file /nope/x: no such file" in err


def test_wrong_passphrase_is_exit_3_and_calm(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "v"
    init(capsys, folder)
    monkeypatch.setenv("KAPNOTES_PASSPHRASE", "not the passphrase")
    code, _, err = run(capsys, "--data-dir", str(folder), "export-json", str(tmp_path / "o.json"))
    assert code == 3
    assert err.strip() == f"kapnotes: that passphrase does not open the vault in {folder}"
    assert not (tmp_path / "o.json").exists()


def test_no_passphrase_and_no_terminal_is_exit_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    init(capsys, tmp_path / "v")
    os.environ.pop("KAPNOTES_PASSPHRASE")
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "v"), "verify")
    assert code == 3
    assert "no passphrase given" in err


def test_missing_vault_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    os.environ["KAPNOTES_PASSPHRASE"] = PASS
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "none"), "verify")
    assert code == 2
    assert "there is no vault in" in err and "kapnotes init" in err


def test_foreign_key_file_gives_a_message_not_sqlcipher_noise(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("a", "b"):
        Vault(tmp_path / name).create("Dr X", "", PASS).vault.close()
    (tmp_path / "a" / "kapnotes.key").write_bytes((tmp_path / "b" / "kapnotes.key").read_bytes())
    os.environ["KAPNOTES_PASSPHRASE"] = PASS
    code = cli.main(["--data-dir", str(tmp_path / "a"), "export-json", str(tmp_path / "x.json")])
    out, err = capfd.readouterr()
    assert code == 1
    assert "does not belong to this key file" in err
    assert "HMAC" not in err + out and "Traceback" not in err + out
    assert not (tmp_path / "x.json").exists()


# --------------------------------------------------------------------------- export, import


def test_export_import_export_through_the_cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, _ = run(capsys, "--data-dir", str(tmp_path / "demo"), "demo", "--no-gui")
    assert code == 0
    os.environ["KAPNOTES_PASSPHRASE"] = DEMO_PASSPHRASE
    first = tmp_path / "first.json"
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "demo"), "export-json", str(first))
    assert code == 0 and "NOT encrypted" in out
    init(capsys, tmp_path / "new", "Dr Importer")
    code, out, err = run(capsys, "--data-dir", str(tmp_path / "new"), "import-json", str(first))
    assert (code, err) == (0, "")
    assert "imported 8 clients" in out
    second = tmp_path / "second.json"
    assert run(capsys, "--data-dir", str(tmp_path / "new"), "export-json", str(second))[0] == 0
    with Vault(tmp_path / "new").unlock(PASS) as opened:
        importer = opened.clinician_id
    a = json.loads(first.read_bytes())
    b = json.loads(second.read_bytes())
    assert interchange.comparable(b, importer_id=importer) == interchange.comparable(a)
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "new"), "verify")
    assert code == 0 and "clients: 8" in out


def _mutate(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> bytes:
    doc = json.loads(json.dumps(doc))
    here = doc
    for part in path[:-1]:
        here = here[part]
    if value is KeyError:
        del here[path[-1]]
    else:
        here[path[-1]] = value
    return json.dumps(doc, indent=2).encode()


MALFORMED: dict[str, tuple[Any, str]] = {
    "bad JSON": (lambda d: b'{"format": "kapnotes",\n  "version": 1,,\n}', "line 2, column"),
    "wrong type": (
        lambda d: _mutate(d, ("clients", 0, "weight_kg"), [70]),
        "$.clients[0].weight_kg",
    ),
    "unknown version": (lambda d: _mutate(d, ("version",), 7), "$.version: version 7"),
    "missing field": (
        lambda d: _mutate(d, ("clients", 1, "name"), KeyError),
        "$.clients[1].name: required field is missing",
    ),
    "dangling reference": (
        lambda d: _mutate(d, ("courses", 0, "client_id"), "not-in-the-file"),
        "$.courses[0].client_id: client 'not-in-the-file' is not in the file",
    ),
    "future date of birth": (
        lambda d: _mutate(d, ("clients", 2, "date_of_birth"), "2999-01-01"),
        "$.clients[2].date_of_birth: Date of birth cannot be in the future",
    ),
}


@pytest.fixture(scope="module")
def demo_export(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An export of the demo vault (made once for the malformed-file cases)."""
    folder = tmp_path_factory.mktemp("demo-export")
    assert cli.main(["--data-dir", str(folder / "v"), "demo", "--no-gui"]) == 0
    with Vault(folder / "v").unlock(DEMO_PASSPHRASE) as opened:
        return interchange.export_vault(opened)


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_import_is_exit_2_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_export: dict[str, Any], case: str
) -> None:
    folder = tmp_path / "v"
    init(capsys, folder)
    before = export_of(folder)
    make, expected = MALFORMED[case]
    bad = tmp_path / "backup.json"
    bad.write_bytes(make(demo_export))
    code, out, err = run(capsys, "--data-dir", str(folder), "import-json", str(bad))
    assert code == 2
    assert out == ""
    assert err.startswith("backup.json: ")
    assert expected in err
    assert "Traceback" not in err
    assert records(export_of(folder)) == records(before)


def test_importing_twice_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_export: dict[str, Any]
) -> None:
    folder = tmp_path / "v"
    init(capsys, folder)
    good = tmp_path / "demo.json"
    good.write_bytes(interchange.dumps(demo_export))
    assert run(capsys, "--data-dir", str(folder), "import-json", str(good))[0] == 0
    before = export_of(folder)
    code, _, err = run(capsys, "--data-dir", str(folder), "import-json", str(good))
    assert code == 2
    assert "already in this vault" in err and "nothing was imported" in err
    assert records(export_of(folder)) == records(before)


def test_import_of_a_missing_file_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    init(capsys, tmp_path / "v")
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "v"), "import-json", "/nope.json")
    assert code == 2 and "/nope.json: no such file" in err


def test_export_to_a_missing_folder_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    init(capsys, tmp_path / "v")
    code, _, err = run(
        capsys, "--data-dir", str(tmp_path / "v"), "export-json", str(tmp_path / "no" / "x.json")
    )
    assert code == 2 and "does not exist" in err


def test_unexpected_errors_are_one_line_without_client_data(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    init(capsys, tmp_path / "v")

    def boom(*_args: object) -> None:
        raise RuntimeError("INSERT ... ('Juniper Example', '1984-03-14')")

    monkeypatch.setattr(interchange, "export_json", boom)
    with caplog.at_level(logging.ERROR, logger="kapnotes.cli"):
        code, _out, err = run(
            capsys, "--data-dir", str(tmp_path / "v"), "export-json", str(tmp_path / "x.json")
        )
    assert code == 1
    assert "Traceback" not in err and "Juniper" not in err
    assert len(err.strip().splitlines()) == 1
    assert "unexpected error (RuntimeError)" in err
    assert [r.getMessage() for r in caplog.records] == [
        f"kapnotes export-json failed: RuntimeError at {Path(__file__).name}:"
        f"{boom.__code__.co_firstlineno + 1}"
    ]


# --------------------------------------------------------------------------- demo, verify


def test_demo_creates_fictional_clients_and_opens_the_gui(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = fake_gui(monkeypatch)
    code, out, _ = run(capsys, "demo")
    assert code == 0
    folder = tmp_path / "default-demo"
    assert calls == [(folder, {"demo_passphrase": DEMO_PASSPHRASE})]
    assert f"Demo passphrase: {DEMO_PASSPHRASE}" in out
    assert Vault(folder).is_demo()
    with Vault(folder).unlock(DEMO_PASSPHRASE) as opened:
        names = [c["name"] for c in interchange.export_vault(opened)["clients"]]
    assert sorted(names) == sorted(d.client.name for d in DEMO_CLIENTS)


def test_demo_replaces_a_demo_but_never_a_real_vault(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "d"
    assert run(capsys, "--data-dir", str(folder), "demo", "--no-gui")[0] == 0
    first_key = (folder / "kapnotes.key").read_bytes()
    assert run(capsys, "--data-dir", str(folder), "demo", "--no-gui")[0] == 0
    assert (folder / "kapnotes.key").read_bytes() != first_key
    assert sorted(p.name for p in folder.iterdir()) == [
        "kapnotes.anchor",
        "kapnotes.db",
        "kapnotes.key",
        "templates",
    ]
    with Vault(folder).unlock(DEMO_PASSPHRASE) as opened:
        assert len(interchange.export_vault(opened)["clients"]) == len(DEMO_CLIENTS)

    real = tmp_path / "real"
    init(capsys, real)
    before = export_of(real)
    code, _, err = run(capsys, "--data-dir", str(real), "demo", "--no-gui")
    assert code == 2
    assert "holds a real vault" in err
    assert records(export_of(real)) == records(before)


def test_verify_a_fresh_vault(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    init(capsys, tmp_path / "v")
    code, out, _ = run(capsys, "--data-dir", str(tmp_path / "v"), "verify")
    assert code == 0
    assert "database integrity" in out and "encrypted pages" in out and "audit chain" in out
    assert out.rstrip().endswith("OK")


def test_verify_reports_a_damaged_vault(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    init(capsys, tmp_path / "v")
    db = tmp_path / "v" / "kapnotes.db"
    data = bytearray(db.read_bytes())
    data[5000] ^= 0xFF
    db.write_bytes(bytes(data))
    code, out, err = run(capsys, "--data-dir", str(tmp_path / "v"), "verify")
    assert code == 1
    assert "PROBLEMS FOUND" in out and "Traceback" not in err


def test_verify_finds_a_signed_note_changed_behind_the_apps_back(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "v"
    init(capsys, folder)
    with Vault(folder).unlock(PASS) as opened:
        populate_demo(opened, today=date(2026, 11, 25))
    code, out, _ = run(capsys, "--data-dir", str(folder), "verify")
    assert code == 0 and "signed notes (" in out

    with Vault(folder).unlock(PASS) as opened, opened.engine.begin() as conn:
        # Someone with the key drops the trigger and edits a signed note in SQL.
        conn.exec_driver_sql("DROP TRIGGER note_signed_no_update")
        note_id, stored = conn.exec_driver_sql(
            "SELECT id, \"values\" FROM note WHERE status = 'signed' AND kind = 'dosing' LIMIT 1"
        ).one()
        values = unpack_json(stored) | {"therapist_observations": "rewritten later"}
        conn.exec_driver_sql(
            'UPDATE note SET "values" = ? WHERE id = ?', (pack_json(values), note_id)
        )
    code, out, _ = run(capsys, "--data-dir", str(folder), "verify")
    assert code == 1
    assert "content does not match its signature" in out
    assert out.rstrip().endswith("PROBLEMS FOUND")


def test_a_vault_open_in_the_app_is_refused_calmly_with_exit_3(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "v"
    init(capsys, folder)
    with Vault(folder).unlock(PASS):  # the GUI has it open
        code, _out, err = run(
            capsys, "--data-dir", str(folder), "export-json", str(tmp_path / "x.json")
        )
    assert code == 3
    assert "open in another kapnotes" in err and "Traceback" not in err
    assert not (tmp_path / "x.json").exists()


def test_a_vault_folder_that_cannot_be_written_is_named_with_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, refuse_lock_file: Callable[[], None]
) -> None:
    from kapnotes.store.backup import write_backup

    folder = tmp_path / "v"
    init(capsys, folder)
    backup = tmp_path / "b.kapbackup"
    with Vault(folder).unlock(PASS) as opened:  # made before the folder went read-only
        write_backup(opened, backup)
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    refuse_lock_file()
    code, _out, err = run(
        capsys, "--data-dir", str(folder), "export-json", str(tmp_path / "x.json")
    )
    assert code != 0 and "Traceback" not in err and "unexpected error" not in err
    assert f"The vault folder {folder} cannot be written (permission denied)" in err
    code, out, _err = run(capsys, "--data-dir", str(folder), "verify")
    assert code == 1 and f"The vault folder {folder} cannot be written" in out
    code, _out, err = run(capsys, "--data-dir", str(folder), "restore", str(backup), "--replace")
    assert code != 0 and "unexpected error" not in err
    assert f"The vault folder {folder} cannot be written" in err
    assert not (tmp_path / "x.json").exists()
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
    assert not [p for p in folder.iterdir() if p.name.startswith("replaced-")]


def test_a_vault_made_on_a_read_only_disk_is_refused_saying_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    mount = tmp_path / "read-only"
    real_mkdir = Path.mkdir

    def read_only(self: Path, *args: Any, **kwargs: Any) -> None:
        if self.is_relative_to(mount):
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only)
    os.environ["KAPNOTES_PASSPHRASE"] = PASS
    for command in (
        ["init", "--name", "Dr Ada Quill", "--credential", "PsyD"],
        ["demo", "--no-gui"],
    ):
        folder = mount / command[0]
        code, _out, err = run(capsys, "--data-dir", str(folder), *command)
        assert code != 0 and "unexpected error" not in err and "Traceback" not in err
        assert f"The vault folder {folder} cannot be written (read-only file system)" in err


def test_self_test(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "self-test")
    assert code == 0
    assert out.rstrip().endswith("PASS")
    assert "lossless" in out
    assert "refuse to sign with a required field empty (names the empty field)" in out
    assert "export a note PDF and read it back" in out


# --------------------------------------------------------------------------- real entry point


def _kapnotes(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kapnotes", *argv],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_entry_point_version() -> None:
    done = _kapnotes("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"kapnotes {__version__}"


@pytest.mark.slow
def test_entry_point_init_then_wrong_passphrase(tmp_path: Path) -> None:
    folder = str(tmp_path / "v")
    done = _kapnotes(
        "--data-dir", folder, "init", "--name", "Dr Sub Process", env={"KAPNOTES_PASSPHRASE": PASS}
    )
    assert done.returncode == 0, done.stderr
    assert "shown only once" in done.stdout
    done = _kapnotes("--data-dir", folder, "verify", env={"KAPNOTES_PASSPHRASE": "wrong words!"})
    assert done.returncode == 3
    assert "that passphrase does not open the vault in" in done.stderr
    assert "Traceback" not in done.stderr


# --------------------------------------------------------------------------- damage (issue 12)


def test_an_emptied_database_is_named_never_verified_as_an_empty_vault(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "v"
    init(capsys, folder)
    (folder / "kapnotes.db").write_bytes(b"")
    code, out, err = run(capsys, "--data-dir", str(folder), "verify")
    assert code == 1
    assert "is empty (0 bytes)" in out and "clients: 0" not in out
    assert out.rstrip().endswith("PROBLEMS FOUND")
    code, _, err = run(capsys, "--data-dir", str(folder), "export-json", str(tmp_path / "x.json"))
    assert code == 1 and "is empty (0 bytes)" in err and "Restore it from a backup" in err
    assert not (tmp_path / "x.json").exists()
    assert (folder / "kapnotes.db").stat().st_size == 0


def test_verify_names_a_damaged_page_not_an_unexpected_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "v"
    init(capsys, folder)
    db = folder / "kapnotes.db"
    data = bytearray(db.read_bytes())
    data[2 * 4096 + 10] ^= 0x01
    db.write_bytes(bytes(data))
    code, out, err = run(capsys, "--data-dir", str(folder), "verify")
    assert code == 1
    assert "1 encrypted page fails its integrity check (page 3)" in out
    assert "unexpected error" not in out + err and "Please report" not in out + err


def test_verify_lists_each_problem_and_what_to_do(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "v"
    init(capsys, folder)
    with Vault(folder).unlock(PASS) as opened, opened.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_no_delete")
        conn.exec_driver_sql("DELETE FROM audit_event WHERE seq > 1")
    code, out, _ = run(capsys, "--data-dir", str(folder), "verify")
    assert code == 1
    assert "vault as last saved" in out and "PROBLEM" in out
    assert "protective trigger audit_no_delete is missing (it was dropped)" in out
    assert "What to do: restore the latest good backup" in out
    code, _, err = run(capsys, "--data-dir", str(folder), "export-json", str(tmp_path / "x.json"))
    assert code == 1 and "not as it was last saved" in err and "open it as it is" in err


def test_wrong_passphrases_meet_the_same_growing_delay_on_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "v"
    init(capsys, folder)
    monkeypatch.setenv("KAPNOTES_PASSPHRASE", "not the passphrase")
    for _ in range(2):
        assert run(capsys, "--data-dir", str(folder), "verify")[0] == 3
    code, _, err = run(capsys, "--data-dir", str(folder), "verify")
    assert code == 3 and "the next try is possible in 2 s" in err
    monkeypatch.setenv("KAPNOTES_PASSPHRASE", PASS)  # even the right one waits
    code, _, err = run(capsys, "--data-dir", str(folder), "verify")
    assert code == 3 and "Too many wrong tries" in err


# --------------------------------------------------------------------------- export-pdf


@pytest.fixture
def demo_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    """A demo vault (fictional clients) whose passphrase is in the environment."""
    folder = tmp_path / "demo"
    assert run(capsys, "--data-dir", str(folder), "demo", "--no-gui")[0] == 0
    os.environ["KAPNOTES_PASSPHRASE"] = DEMO_PASSPHRASE
    return folder


def _signed_dosing_note(folder: Path) -> tuple[str, str, str]:
    """(note id, client id, course id) of a signed dosing note of the demo vault."""
    from sqlalchemy import select

    from kapnotes.store.models import Course, Note

    with Vault(folder).unlock(DEMO_PASSPHRASE) as opened, opened.session() as session:
        note = session.scalars(
            select(Note).where(Note.kind == "dosing", Note.status == "signed").limit(1)
        ).one()
        course = session.get(Course, note.course_id)
        assert course is not None
        return note.id, course.client_id, course.id


def _audit_actions(folder: Path) -> list[tuple[str, str | None, dict[str, Any]]]:
    from sqlalchemy import select

    from kapnotes.store.models import AuditEvent

    with Vault(folder).unlock(DEMO_PASSPHRASE) as opened, opened.session() as session:
        return [
            (e.action, e.entity_id, dict(e.detail))
            for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
            if e.action.startswith("note.export")
        ]


def test_export_pdf_of_an_unknown_note_is_exit_2_and_writes_no_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_folder: Path
) -> None:
    out = tmp_path / "note.pdf"
    code, _, err = run(
        capsys, "--data-dir", str(demo_folder), "export-pdf", "--note", "nope", "--out", str(out)
    )
    assert code == 2 and "there is no note with id nope" in err
    assert not out.exists()
    out.write_bytes(b"the old file")  # an existing file stays as it was
    code, _, _ = run(
        capsys,
        "--data-dir",
        str(demo_folder),
        "export-pdf",
        "--client",
        "nobody",
        "--out",
        str(out),
    )
    assert code == 2 and out.read_bytes() == b"the old file"
    assert _audit_actions(demo_folder) == []


def test_export_pdf_of_a_note_writes_it_and_records_note_export(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_folder: Path
) -> None:
    from pypdf import PdfReader

    note_id, _client, _course = _signed_dosing_note(demo_folder)
    out = tmp_path / "note.pdf"
    out.write_bytes(b"an older export")  # replaced (atomically) by the new one
    code, printed, err = run(
        capsys, "--data-dir", str(demo_folder), "export-pdf", "--note", note_id, "--out", str(out)
    )
    assert (code, err) == (0, "")
    pages = len(PdfReader(out).pages)
    assert f"({pages} pages) to {out}" in printed and "NOT encrypted" in printed
    assert "Dosing session" in PdfReader(out).pages[0].extract_text()
    assert _audit_actions(demo_folder) == [
        ("note.export", note_id, {"report": "note", "pages": pages})
    ]
    assert list(tmp_path.glob(".note.pdf.*")) == []  # no temporary file left behind


def test_export_pdf_warns_that_an_unusable_clinic_settings_file_was_not_used(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_folder: Path
) -> None:
    note_id, _client, _course = _signed_dosing_note(demo_folder)
    settings = demo_folder / "clinic-settings.json"
    settings.write_text("{not json")
    out = tmp_path / "note.pdf"
    code, _printed, err = run(
        capsys, "--data-dir", str(demo_folder), "export-pdf", "--note", note_id, "--out", str(out)
    )
    assert code == 0 and out.exists()
    assert "kapnotes: warning:" in err and str(settings) in err
    assert "using the default settings" in err


def test_export_pdf_of_a_course_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_folder: Path
) -> None:
    from pypdf import PdfReader

    _note, client_id, course_id = _signed_dosing_note(demo_folder)
    out = tmp_path / "course.pdf"
    code, _, err = run(
        capsys,
        "--data-dir",
        str(demo_folder),
        "export-pdf",
        "--client",
        client_id,
        "--course",
        course_id,
        "--out",
        str(out),
    )
    assert (code, err) == (0, "")
    assert "Course report" in PdfReader(out).pages[0].extract_text()
    exported = _audit_actions(demo_folder)
    assert exported and {action for action, _id, _d in exported} == {"note.export"}
    assert all(
        detail == {"report": "course", "pages": len(PdfReader(out).pages)}
        for *_x, detail in exported
    )


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--note", "n1", "--course", "c1"], "--course needs --client"),
        (["--client", "CLIENT", "--course", "other"], "has no course with id other"),
    ],
)
def test_export_pdf_refuses_a_course_that_is_not_the_clients(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    demo_folder: Path,
    argv: list[str],
    words: str,
) -> None:
    _note, client_id, _course = _signed_dosing_note(demo_folder)
    out = tmp_path / "x.pdf"
    argv = [client_id if a == "CLIENT" else a for a in argv]
    code, _, err = run(
        capsys, "--data-dir", str(demo_folder), "export-pdf", *argv, "--out", str(out)
    )
    assert code == 2 and words in err
    assert not out.exists()


def test_export_pdf_into_a_missing_folder_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    init(capsys, tmp_path / "v")
    code, _, err = run(
        capsys,
        "--data-dir",
        str(tmp_path / "v"),
        "export-pdf",
        "--note",
        "n1",
        "--out",
        str(tmp_path / "no" / "x.pdf"),
    )
    assert code == 2 and "does not exist" in err


# ------------------------------------------------------------------ unwritable destinations


def _fail_writes_to(target: Path, code: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the system refuse (with ``code``) the write of ``target``'s temp file only; every
    other file (the vault's key, anchor and attempts files) is written as usual."""
    real = os.fsync

    def fsync(fd: int) -> None:
        if Path(f"/proc/self/fd/{fd}").readlink().name.startswith(f".{target.name}."):
            raise OSError(code, os.strerror(code))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


_CAUSES = [
    (errno.ENOSPC, "the disk is full"),
    (errno.EROFS, "read-only file system"),
    (errno.EACCES, "permission denied"),
]


def _export_argv(command: str, folder: Path, out: Path) -> list[str]:
    if command == "export-json":
        return ["--data-dir", str(folder), "export-json", str(out)]
    note_id, _client, _course = _signed_dosing_note(folder)
    return ["--data-dir", str(folder), "export-pdf", "--note", note_id, "--out", str(out)]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to find the file")
@pytest.mark.parametrize("command", ["export-json", "export-pdf"])
@pytest.mark.parametrize(("code", "cause"), _CAUSES)
def test_an_export_the_system_refuses_is_exit_2_naming_the_path_and_the_cause(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    demo_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    code: int,
    cause: str,
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / ("x.json" if command == "export-json" else "x.pdf")
    out.write_bytes(b"the old file")
    argv = _export_argv(command, demo_folder, out)
    before = records(_demo_export(demo_folder))
    _fail_writes_to(out, code, monkeypatch)
    exit_code, printed, err = run(capsys, *argv)
    assert exit_code == 2, err
    assert err == f"kapnotes: Not saved: {out} — {cause}; nothing was written.\n"
    assert "unexpected" not in err and "NOT encrypted" not in printed
    assert out.read_bytes() == b"the old file"  # left as it was
    assert [p.name for p in out_dir.iterdir()] == [
        "x.json" if command == "export-json" else "x.pdf"
    ]
    monkeypatch.undo()
    os.environ["KAPNOTES_PASSPHRASE"] = DEMO_PASSPHRASE
    assert records(_demo_export(demo_folder)) == records(before)  # no export recorded
    assert _audit_actions(demo_folder) == []


def _demo_export(folder: Path) -> dict[str, Any]:
    with Vault(folder).unlock(DEMO_PASSPHRASE) as opened:
        return interchange.export_vault(opened)


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="chmod does not stop root")
@pytest.mark.parametrize("command", ["export-json", "export-pdf"])
def test_an_export_into_a_read_only_folder_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_folder: Path, command: str
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    out = locked / "x.out"
    out.write_bytes(b"the old file")
    argv = _export_argv(command, demo_folder, out)
    locked.chmod(0o555)
    try:
        code, _, err = run(capsys, *argv)
    finally:
        locked.chmod(0o755)
    assert (
        code == 2
        and err == f"kapnotes: Not saved: {out} — permission denied; nothing was written.\n"
    )
    assert out.read_bytes() == b"the old file"
    assert [p.name for p in locked.iterdir()] == ["x.out"]


@pytest.mark.parametrize("command", ["export-json", "export-pdf"])
def test_an_export_under_a_file_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, demo_folder: Path, command: str
) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("not a folder")
    out = a_file / "x.out"
    code, _, err = run(capsys, *_export_argv(command, demo_folder, out))
    assert code == 2 and str(out) in err and "unexpected" not in err
    assert a_file.read_text() == "not a folder"


def test_a_write_error_without_a_plain_cause_is_still_unexpected(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    demo_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "x.json"
    _fail_writes_to(out, errno.EIO, monkeypatch)
    code, _, err = run(capsys, "--data-dir", str(demo_folder), "export-json", str(out))
    assert code == 1 and f"Not saved: {out}" in err and "Please report it" in err
    assert not out.exists()


# --------------------------------------------------------------------------- backup, restore


def test_backup_and_restore_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    vault_dir = tmp_path / "vault"
    init(capsys, vault_dir)
    backups = tmp_path / "backups"
    backups.mkdir()
    code, out, err = run(capsys, "--data-dir", str(vault_dir), "backup", str(backups))
    assert (code, err) == (0, ""), err
    made = sorted(backups.glob("kapnotes-*.kapbackup"))
    assert len(made) == 1 and "verified" in out
    assert not list(backups.glob(".*"))  # no staging or temp file left behind

    # into an empty folder: no confirmation needed
    code, out, err = run(capsys, "--data-dir", str(tmp_path / "new"), "restore", str(made[0]))
    assert (code, err) == (0, ""), err
    assert "clinicians: Dr Ada Quill (therapist)" in out
    # over an existing vault: refused without --replace, nothing changed
    before = (tmp_path / "new" / "kapnotes.db").read_bytes()
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "new"), "restore", str(made[0]))
    assert code == 2 and "--replace" in err
    assert (tmp_path / "new" / "kapnotes.db").read_bytes() == before
    assert not [p for p in (tmp_path / "new").iterdir() if p.name.startswith("replaced-")]
    code, out, err = run(
        capsys, "--data-dir", str(tmp_path / "new"), "restore", "--replace", str(made[0])
    )
    assert (code, err) == (0, ""), err
    assert "kept in" in out
    assert len([p for p in (tmp_path / "new").iterdir() if p.name.startswith("replaced-")]) == 1


def test_backup_and_restore_refusals(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    vault_dir = tmp_path / "vault"
    init(capsys, vault_dir)
    code, _, err = run(capsys, "--data-dir", str(vault_dir), "backup", str(tmp_path / "no/b.bak"))
    assert code == 2 and "does not exist" in err
    out = tmp_path / "b.kapbackup"
    assert run(capsys, "--data-dir", str(vault_dir), "backup", str(out))[0] == 0
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "x"), "restore", str(tmp_path / "nope"))
    assert code == 2 and "no such backup file" in err
    truncated = tmp_path / "truncated.kapbackup"
    truncated.write_bytes(out.read_bytes()[:5000])
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "x"), "restore", str(truncated))
    assert code == 2 and "truncated" in err
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())
    os.environ["KAPNOTES_PASSPHRASE"] = "wrong passphrase entirely"
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "x"), "restore", str(out))
    assert code == 3 and "opens none" in err
    code, _, err = run(capsys, "--data-dir", str(vault_dir), "backup", str(tmp_path / "c.bak"))
    assert code == 3
    del os.environ["KAPNOTES_PASSPHRASE"]
    code, _, err = run(capsys, "--data-dir", str(tmp_path / "x"), "restore", str(out))
    assert code == 3 and "no passphrase given" in err


def test_backup_into_the_vault_folder_or_over_a_file_is_exit_2_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault_dir = tmp_path / "vault"
    init(capsys, vault_dir)
    before = {p.name: p.read_bytes() for p in vault_dir.iterdir() if p.is_file()}
    for target in ("kapnotes.db", "kapnotes.key", "kapnotes.anchor", "."):
        code, out, err = run(
            capsys, "--data-dir", str(vault_dir), "backup", str(vault_dir / target)
        )
        assert code == 2 and "inside the vault's own data folder" in err, (target, err)
        assert out == ""
    assert {p.name: p.read_bytes() for p in vault_dir.iterdir() if p.is_file()} == before
    existing = tmp_path / "b.kapbackup"
    existing.write_bytes(b"old")
    code, _, err = run(capsys, "--data-dir", str(vault_dir), "backup", str(existing))
    assert code == 2 and "already exists; choose another name" in err
    assert existing.read_bytes() == b"old"
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "--data-dir", str(vault_dir), "backup", "missingdir/")
    assert code == 2 and "the folder" in err and "does not exist" in err
    assert not (tmp_path / "missingdir").exists()
    out_file = tmp_path / "full.kapbackup"
    _fail_writes_to(out_file, errno.ENOSPC, monkeypatch)
    code, _, err = run(capsys, "--data-dir", str(vault_dir), "backup", str(out_file))
    assert code == 2 and str(out_file) in err and "the disk is full" in err, err
    assert not out_file.exists() and not list(tmp_path.glob(".full*"))


def test_restore_with_the_recovery_key_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    printed = init(capsys, tmp_path / "vault")
    (key,) = [line.strip() for line in printed.splitlines() if line.strip().count("-") == 7]
    out = tmp_path / "b.kapbackup"
    assert run(capsys, "--data-dir", str(tmp_path / "vault"), "backup", str(out))[0] == 0
    del os.environ["KAPNOTES_PASSPHRASE"]  # no passphrase at all: the recovery key alone
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH\n")
    new = tmp_path / "new"
    code, _, err = run(
        capsys, "--data-dir", str(new), "restore", str(out), "--recovery-key-file", str(wrong)
    )
    assert code == 3 and "not the recovery key" in err
    assert not new.exists() or not any(new.iterdir())
    code, _, err = run(
        capsys, "--data-dir", str(new), "restore", str(out), "--recovery-key-file", "nope.txt"
    )
    assert code == 2 and "--recovery-key-file nope.txt: cannot be read" in err
    given = tmp_path / "key.txt"
    given.write_text(key.lower() + "\n")
    code, printed, err = run(
        capsys, "--data-dir", str(new), "restore", str(out), "--recovery-key-file", str(given)
    )
    assert (code, err) == (0, ""), err
    assert "clinicians: Dr Ada Quill (therapist)" in printed
    with Vault(new).unlock(PASS):
        pass


# --------------------------------------------------------------------------- clinicians


def test_clinician_commands_and_exit_codes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = tmp_path / "vault"
    init(capsys, folder)
    base = ["--data-dir", str(folder), "clinician"]
    code, _, err = run(capsys, *base, "add", "--name", "Nia Fictional", "--role", "nurse")
    assert code == 2 and "no new passphrase given" in err
    os.environ["KAPNOTES_NEW_PASSPHRASE"] = "nurse passphrase of fiction"
    try:
        code, out, err = run(
            capsys, *base, "add", "--name", "Nia Fictional", "--credential", "RN", "--role", "nurse"
        )
        assert (code, err) == (0, ""), err
        code, out, _ = run(capsys, *base, "list")
        assert code == 0
        lines = out.splitlines()
        assert "Dr Ada Quill, PsyD" in lines[0]
        assert "administrator" in lines[0] and "(you)" in lines[0]
        assert "Nia Fictional, RN" in lines[1] and "nurse  active" in lines[1]
        nurse_id = lines[1].split()[0]
        code, _, err = run(capsys, *base, "add", "--name", "X", "--role", "janitor")
        assert code == 2  # argparse: not a role

        # the nurse acts as herself: she may change her passphrase, not add anyone
        os.environ["KAPNOTES_PASSPHRASE"] = "nurse passphrase of fiction"
        code, _, err = run(capsys, *base, "add", "--name", "Y Fictional", "--role", "staff")
        assert code == 3 and "administrator" in err
        os.environ["KAPNOTES_NEW_PASSPHRASE"] = "the nurse's new passphrase"
        code, out, err = run(capsys, *base, "passphrase")
        assert (code, err) == (0, ""), err
        code, _, err = run(capsys, *base, "list")
        assert code == 3  # the old passphrase no longer opens
        os.environ["KAPNOTES_PASSPHRASE"] = PASS
        code, _, err = run(capsys, *base, "deactivate", "nosuchid")
        assert code == 2 and "no clinician" in err
        code, out, err = run(capsys, *base, "deactivate", nurse_id)
        assert (code, err) == (0, ""), err
        code, out, _ = run(capsys, *base, "list")
        assert "deactivated" in out.splitlines()[1]
        code, out, err = run(capsys, *base, "recovery-key")
        assert code == 0 and "RECOVERY KEY" in out
    finally:
        os.environ.pop("KAPNOTES_NEW_PASSPHRASE", None)


def test_an_older_vault_is_upgraded_once_saying_so_on_stderr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from alembic import command

    from kapnotes.store.vault import _alembic_config

    folder = tmp_path / "v"
    init(capsys, folder)
    with Vault(folder).unlock(PASS) as opened, opened.engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "0008")
    code, out, err = run(capsys, "--data-dir", str(folder), "verify")
    assert code == 0, out + err
    assert "updating its storage once" in err
    code, out, err = run(capsys, "--data-dir", str(folder), "verify")
    assert code == 0 and "updating" not in err  # once


@pytest.mark.parametrize("through", ["a file on the way", "the folder is a file"])
def test_a_vault_folder_where_a_file_is_is_named_not_called_missing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, through: str
) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder\n")
    folder = blocker / "vault" if through == "a file on the way" else blocker
    for command in (["verify"], ["init", "--name", "Dr Ada Quill"], ["export-json", "x.json"]):
        code, out, err = run(capsys, "--data-dir", str(folder), *command)
        said = err + out
        assert code != 0 and "unexpected error" not in said and "there is no vault" not in said
        assert f"{blocker} is a file, not a folder" in said
    assert blocker.read_text() == "a file, not a folder\n"


def test_a_vault_folder_link_to_nowhere_and_an_unwritable_parent_are_said(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    link = tmp_path / "usb-vault"
    link.symlink_to(tmp_path / "unplugged")
    for command in (["verify"], ["init", "--name", "Dr Ada Quill"]):
        code, out, err = run(capsys, "--data-dir", str(link), *command)
        assert code != 0 and "unexpected error" not in err + out
        assert f"is a link to {tmp_path / 'unplugged'}, which does not exist" in err + out
    folder = tmp_path / "v"
    init(capsys, folder)
    backup = tmp_path / "b.kapbackup"
    with Vault(folder).unlock(PASS) as opened:
        from kapnotes.store.backup import write_backup

        write_backup(opened, backup)

    def read_only(*_args: Any, **_kwargs: Any) -> str:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    code, _out, err = run(capsys, "--data-dir", str(folder), "restore", str(backup), "--replace")
    assert code != 0 and "unexpected error" not in err
    assert f"{tmp_path}: the backup cannot be unpacked there to be checked" in err
    assert "(read-only file system)" in err
