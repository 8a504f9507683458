"""The command line; with no command it opens the GUI.

    kapnotes [--data-dir DIR] [--passphrase-file FILE] [COMMAND]

Exit codes (a contract that scripts rely on): 0 done; 2 bad input, with a message
on stderr naming the file, JSON path or option (a file that cannot be written where
the user asked — read-only, full disk, no permission, no such folder — is bad input:
``Not saved: PATH — CAUSE``); 3 wrong passphrase or locked
vault; 1 anything unexpected (one log line, never a bare traceback, never client
data). A command that fails writes nothing.

The passphrase comes from --passphrase-file, else KAPNOTES_PASSPHRASE, else a
prompt on the terminal; with none of these a command stops with exit code 3.
Key derivation always runs at production strength here; only `self-test` uses a
cheaper (still valid) Argon2id cost, for its own throwaway vaults.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import logging
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

from kapnotes import __version__
from kapnotes.domain.files import FileWriteError, atomic_write
from kapnotes.store import interchange, keys
from kapnotes.store.anchor import ANCHOR_NAME
from kapnotes.store.catalog import Catalog
from kapnotes.store.demo import DEMO_CLIENTS, DEMO_CLINICIAN, DEMO_PASSPHRASE, populate_demo
from kapnotes.store.keys import KeyFileError
from kapnotes.store.notes import SignError
from kapnotes.store.paths import default_data_dir, default_demo_dir
from kapnotes.store.throttle import ATTEMPTS_NAME, AttemptsFileError, describe_wait
from kapnotes.store.vault import (
    DB_NAME,
    KEY_NAME,
    MIN_PASSPHRASE_LENGTH,
    EncryptionUnavailableError,
    OpenVault,
    Problems,
    UnlockDelayedError,
    UnlockRefusedError,
    Vault,
    VaultBusyError,
    VaultDamagedError,
    VaultError,
    WrongSecretError,
    unwritable_folder,
)

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2
EXIT_LOCKED = 3
PASSPHRASE_ENV = "KAPNOTES_PASSPHRASE"  # noqa: S105 - the variable name, not a secret
NEW_PASSPHRASE_ENV = "KAPNOTES_NEW_PASSPHRASE"  # noqa: S105 - the variable name
CLINICIAN_ROLES = ("therapist", "prescriber", "nurse", "staff", "administrator")

log = logging.getLogger("kapnotes.cli")


class CliError(Exception):
    """A command stops with a message for the user and an exit code."""

    def __init__(self, message: str, code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (the contract in the architecture note)."""
    # The common options work before or after the command name.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="the vault folder (default: your user data folder; for demo, a separate one)",
    )
    common.add_argument(
        "--passphrase-file",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="FILE",
        help=f"read the passphrase from FILE (else ${PASSPHRASE_ENV}, else a prompt)",
    )
    parser = argparse.ArgumentParser(
        prog="kapnotes",
        parents=[common],
        description="Structured notes for ketamine-assisted psychotherapy, in an encrypted "
        "vault. Without a command, opens the app.",
        epilog="Exit codes: 0 done; 2 bad input; 3 wrong passphrase or locked vault; "
        "1 unexpected error.",
    )
    parser.add_argument("--version", action="version", version=f"kapnotes {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    init = sub.add_parser(
        "init", parents=[common], help="create a vault; prints the recovery key once"
    )
    init.add_argument("--name", help="your name as it appears on signed notes")
    init.add_argument("--credential", help="e.g. PsyD, LCSW, MD")
    init.add_argument(
        "--role",
        default="therapist",
        choices=list(CLINICIAN_ROLES),
        help="default: therapist",
    )

    demo = sub.add_parser(
        "demo", parents=[common], help="create a vault of fictional clients and open it"
    )
    demo.add_argument("--no-gui", action="store_true", help="create it, do not open the app")

    exp = sub.add_parser(
        "export-json", parents=[common], help="whole vault to the interchange format"
    )
    exp.add_argument("out", type=Path, metavar="OUT.json")

    imp = sub.add_parser(
        "import-json", parents=[common], help="validate, then import in one transaction"
    )
    imp.add_argument("input", type=Path, metavar="IN.json")

    pdf = sub.add_parser(
        "export-pdf",
        parents=[common],
        help="one note, or a client's course report, as a PDF",
        description="Write a note (--note ID) or a client's course report (--client ID, "
        "with --course ID for one course, else every course) to FILE.pdf. An existing "
        "file is replaced only once the new one is complete.",
    )
    which = pdf.add_mutually_exclusive_group(required=True)
    which.add_argument("--note", metavar="ID", help="the note to print")
    which.add_argument("--client", metavar="ID", help="the client whose course report to print")
    pdf.add_argument("--course", metavar="ID", help="with --client: only this course")
    pdf.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")

    backup = sub.add_parser(
        "backup",
        parents=[common],
        help="an encrypted, verified copy of the vault (key file inside)",
        description="Write an encrypted copy of the whole vault to OUT (a file, or a folder "
        "to put a dated kapnotes-TAG-YYYYmmdd-HHMMSS.kapbackup in; never an existing file, "
        "never inside the vault folder), then read it back and check "
        "it. Any clinician of the vault opens it with their own passphrase.",
    )
    backup.add_argument("out", type=str, metavar="OUT")
    restore = sub.add_parser(
        "restore",
        parents=[common],
        help="check a backup, then restore it into the data folder",
        description="Check the backup IN (opened with the passphrase of one of its "
        "clinicians, or with --recovery-key-file), say what it holds, then restore it "
        "into the data folder. A vault already there is replaced only with --replace, "
        "and is kept in replaced-<when>/ inside the folder.",
    )
    restore.add_argument("input", type=Path, metavar="IN")
    restore.add_argument(
        "--replace",
        action="store_true",
        help="replace the vault already in the data folder (kept as a safety copy)",
    )
    restore.add_argument(
        "--recovery-key-file",
        metavar="FILE",
        help="open the backup with the vault's recovery key read from FILE ('-': ask for it "
        "in the terminal) instead of a clinician's passphrase",
    )

    clin = sub.add_parser(
        "clinician",
        parents=[common],
        help="the vault's clinicians: add | list | deactivate | passphrase | recovery-key",
        description="Manage who can unlock the vault. The passphrase given (as for every "
        "command) says who acts; adding, deactivating and a new recovery key need an "
        "administrator. A new passphrase comes from --new-passphrase-file, else "
        f"${NEW_PASSPHRASE_ENV}, else a prompt.",
    )
    clin_sub = clin.add_subparsers(dest="action", metavar="ACTION", required=True)
    new_pass = argparse.ArgumentParser(add_help=False)
    new_pass.add_argument(
        "--new-passphrase-file",
        type=Path,
        metavar="FILE",
        help=f"read the new passphrase from FILE (else ${NEW_PASSPHRASE_ENV}, else a prompt)",
    )
    add = clin_sub.add_parser(
        "add", parents=[common, new_pass], help="add a clinician with their own passphrase"
    )
    add.add_argument("--name", required=True)
    add.add_argument("--credential", default="", help="e.g. RN, MD, LCSW")
    add.add_argument("--role", required=True, choices=list(CLINICIAN_ROLES))
    clin_sub.add_parser("list", parents=[common], help="every clinician, role and state")
    deact = clin_sub.add_parser(
        "deactivate", parents=[common], help="remove a clinician's passphrase (by id)"
    )
    deact.add_argument("id", metavar="ID", help="the clinician's id (or its first 8 characters)")
    clin_sub.add_parser("passphrase", parents=[common, new_pass], help="change your own passphrase")
    clin_sub.add_parser(
        "recovery-key",
        parents=[common],
        help="issue a new recovery key (the old one stops working); printed once",
    )

    sub.add_parser(
        "verify",
        parents=[common],
        help="database integrity, encrypted page check, audit chain",
    )
    sub.add_parser(
        "self-test",
        parents=[common],
        help="temp vault: write, sign, export, import, export, verify; prints PASS",
    )
    return parser


# --------------------------------------------------------------------------- helpers


def _data_dir(args: argparse.Namespace, default: Callable[[], Path] | None = None) -> Path:
    given: Path | None = getattr(args, "data_dir", None)
    if given is None:
        given = (default or default_data_dir)()
    return given.expanduser()


def _interactive() -> bool:
    """Whether we may prompt: stdin is a terminal."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _given_passphrase(args: argparse.Namespace) -> str | None:
    path: Path | None = getattr(args, "passphrase_file", None)
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CliError(f"--passphrase-file {path}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"--passphrase-file {path}: cannot be read ({exc})") from None
        # One trailing line break is the file's, not the passphrase's.
        text = text.removesuffix("\n").removesuffix("\r")
        if not text:
            raise CliError(f"--passphrase-file {path}: the file is empty")
        return text
    env = os.environ.get(PASSPHRASE_ENV)
    return env or None


_NO_PASSPHRASE = (
    f"no passphrase given: set {PASSPHRASE_ENV}, use --passphrase-file FILE, "
    "or run this command in a terminal"
)


def _passphrase(args: argparse.Namespace) -> str:
    given = _given_passphrase(args)
    if given is not None:
        return given
    if not _interactive():
        raise CliError(_NO_PASSPHRASE, EXIT_LOCKED)
    return getpass.getpass("Passphrase: ")


def _recovery_key(given: str | None) -> str | None:
    """The recovery key from ``--recovery-key-file`` (a file, or '-' to ask); None: not given."""
    if given is None:
        return None
    if given == "-":
        if not _interactive():
            raise CliError("--recovery-key-file -: no terminal to ask in; give a file", EXIT_LOCKED)
        return getpass.getpass("Recovery key: ")
    path = Path(given).expanduser()
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"--recovery-key-file {given}: cannot be read ({exc})") from None
    if not text:
        raise CliError(f"--recovery-key-file {given}: the file is empty")
    return text


def _new_passphrase(args: argparse.Namespace) -> str:
    given = _given_passphrase(args)
    if given is not None:
        return given
    if not _interactive():
        raise CliError(_NO_PASSPHRASE, EXIT_LOCKED)
    for _attempt in range(3):
        first = getpass.getpass(f"New passphrase (at least {MIN_PASSPHRASE_LENGTH} characters): ")
        if len(first) < MIN_PASSPHRASE_LENGTH:
            print(
                f"That has {len(first)} characters; it needs at least {MIN_PASSPHRASE_LENGTH}.",
                file=sys.stderr,
            )
            continue
        if getpass.getpass("The same passphrase again: ") == first:
            return first
        print("The two passphrases differ; please try again.", file=sys.stderr)
    raise CliError("no passphrase was set (three attempts); nothing was created")


def _ask(prompt: str, option: str, value: str | None, *, required: bool) -> str:
    if value is not None:
        return value
    if not _interactive():
        if required:
            raise CliError(f"{option} is required when not running in a terminal")
        return ""
    return input(prompt)


def _refuse_unusable(vault: Vault) -> None:
    """CliError when the vault folder cannot be used at all (see Vault.folder_problem)."""
    problem = vault.folder_problem()
    if problem is not None:
        raise CliError(problem)


@contextlib.contextmanager
def _unlocked(args: argparse.Namespace, problems: Problems = "refuse") -> Iterator[OpenVault]:
    """Unlock the vault in the data folder, mapping failures to calm messages.

    Every unlock obeys the vault's growing delay after wrong passphrases (exit 3 while
    it runs); a damaged vault is refused naming the damage (exit 1), unless
    ``problems="report"`` (verify) opens it read-only to list what is wrong.
    """
    data_dir = _data_dir(args)
    vault = Vault(data_dir)
    _refuse_unusable(vault)
    if not vault.exists():
        raise CliError(f"there is no vault in {data_dir}; create one with 'kapnotes init'")
    try:
        vault.throttle.check()  # before asking: a try now would not be looked at
        passphrase = _passphrase(args)
        vault.on_upgrade = lambda: print(
            "kapnotes: this vault was last saved by an earlier kapnotes; updating its "
            "storage once (on a vault of years this can take a minute)",
            file=sys.stderr,
            flush=True,
        )
        opened = vault.unlock(passphrase, problems=problems)
    except UnlockDelayedError as exc:
        raise CliError(f"{exc} ({data_dir})", EXIT_LOCKED) from None
    except (AttemptsFileError, UnlockRefusedError) as exc:
        # The delay cannot be kept, so no passphrase is checked: locked (exit 3).
        raise CliError(str(exc), EXIT_LOCKED) from None
    except WrongSecretError:
        wait = vault.unlock_delay()
        later = f"; the next try is possible in {describe_wait(wait)}" if wait > 0 else ""
        raise CliError(
            f"that passphrase does not open the vault in {data_dir}{later}", EXIT_LOCKED
        ) from None
    except VaultDamagedError as exc:
        if exc.openable:
            raise CliError(
                f"{exc}\n(The app offers to open it as it is; 'kapnotes verify' lists every "
                "problem.)",
                EXIT_UNEXPECTED,
            ) from None
        raise CliError(str(exc), EXIT_UNEXPECTED) from None
    except EncryptionUnavailableError as exc:
        raise CliError(str(exc), EXIT_UNEXPECTED) from None
    except VaultBusyError as exc:
        raise CliError(str(exc), EXIT_LOCKED) from None
    except VaultError as exc:
        raise CliError(str(exc), EXIT_UNEXPECTED) from None
    with opened:
        yield opened


# --------------------------------------------------------------------------- commands


def cmd_gui(args: argparse.Namespace) -> int:
    """No command: open the app on the data folder."""
    from kapnotes.app import run_gui

    return int(run_gui(_data_dir(args)))


def _recovery_block(recovery_key: str) -> str:
    rule = "=" * 64
    return "\n".join(
        [
            "",
            rule,
            "  RECOVERY KEY: write this down now. It is shown only once.",
            rule,
            "",
            f"      {recovery_key}",
            "",
            "  It opens the vault if every passphrase is forgotten, so anyone who",
            "  has it can read every note. Keep it on paper, somewhere safe and away",
            "  from this computer (the clinic safe, not the laptop bag).",
            rule,
            "",
        ]
    )


def cmd_init(args: argparse.Namespace) -> int:
    """Create a vault; print the recovery key once."""
    data_dir = _data_dir(args)
    vault = Vault(data_dir)
    _refuse_unusable(vault)
    if vault.exists() or vault.db_path.exists():
        raise CliError(f"a vault already exists in {data_dir}; kapnotes init never replaces one")
    name = _ask("Your name, as it appears on signed notes: ", "--name", args.name, required=True)
    credential = _ask(
        "Credential (e.g. PsyD, LCSW, MD): ", "--credential", args.credential, required=False
    )
    passphrase = _new_passphrase(args)
    try:
        created = vault.create(name, credential, passphrase, role=args.role)
    except EncryptionUnavailableError as exc:
        raise CliError(str(exc), EXIT_UNEXPECTED) from None
    except VaultError as exc:
        raise CliError(str(exc)) from None
    created.vault.close()
    print(f"kapnotes: created a vault in {data_dir}")
    print(_recovery_block(created.recovery_key))
    return EXIT_OK


_VAULT_FILES = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", KEY_NAME, ANCHOR_NAME)


def cmd_demo(args: argparse.Namespace) -> int:
    """Create (or replace) the demo vault of fictional clients, then open the app."""
    data_dir = _data_dir(args, default_demo_dir)
    vault = Vault(data_dir)
    _refuse_unusable(vault)
    if vault.exists() or vault.db_path.exists():
        try:
            # The flag alone is not proof: the demo passphrase must open the key file too.
            keyfile = keys.KeyFile.read(vault.key_path)
            is_demo = keyfile.demo and bool(keys.unwrap_with_passphrase(keyfile, DEMO_PASSPHRASE))
        except (KeyFileError, WrongSecretError, VaultError, OSError):
            is_demo = False
        if not is_demo:
            raise CliError(
                f"{data_dir} holds a real vault, not a demo; the demo never replaces it. "
                "Choose another folder with --data-dir."
            )
    created_dir = not data_dir.exists()
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        staging = Path(tempfile.mkdtemp(prefix=".demo-new-", dir=data_dir))
    except OSError as exc:  # a read-only disk, a folder not this user's
        raise CliError(str(unwritable_folder(data_dir, exc))) from None
    try:
        new = Vault(staging / "vault")
        created = new.create(*DEMO_CLINICIAN, DEMO_PASSPHRASE, demo=True)
        with created.vault as opened:
            populate_demo(opened)
        # Swap in the new files; the old WAL must go before the new database arrives.
        for name in (*_VAULT_FILES, ATTEMPTS_NAME):
            with contextlib.suppress(FileNotFoundError):
                (data_dir / name).unlink()
        for name in _VAULT_FILES:
            if (new.data_dir / name).exists():
                (new.data_dir / name).replace(data_dir / name)
        vault.templates_dir.mkdir(exist_ok=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    print(f"kapnotes: demo vault of {len(DEMO_CLIENTS)} fictional clients in {data_dir}")
    print(f"Demo passphrase: {DEMO_PASSPHRASE}")
    print("Fictional data only: never enter real client information in the demo vault.")
    if args.no_gui:
        return EXIT_OK
    from kapnotes.app import run_gui

    return int(run_gui(data_dir, demo_passphrase=DEMO_PASSPHRASE))


def cmd_export_json(args: argparse.Namespace) -> int:
    """Write the whole vault to OUT.json."""
    interchange.check_export_target(args.out)
    with _unlocked(args) as opened:
        counts = interchange.export_json(opened, args.out)
    print(
        f"kapnotes: exported {counts['clients']} clients, {counts['courses']} courses, "
        f"{counts['notes']} notes and {counts['measures']} measure results to {args.out}"
    )
    print("This file is NOT encrypted: keep it safe, and delete it when you no longer need it.")
    return EXIT_OK


def cmd_import_json(args: argparse.Namespace) -> int:
    """Validate IN.json completely, then import it in one transaction."""
    instruments = Catalog(_data_dir(args)).instruments()
    document = interchange.read_document(args.input, instruments=instruments)
    with _unlocked(args) as opened:
        summary = interchange.import_document(opened, document, source=args.input.name)
    print(f"kapnotes: imported {summary.describe()} from {args.input}")
    return EXIT_OK


def _verify_open(opened: OpenVault) -> list[tuple[str, list[str]]]:
    """Every check of :func:`kapnotes.store.verify.verify_vault`, as (label, problems)."""
    from kapnotes.store.verify import verify_vault

    sections = verify_vault(opened, Catalog(opened.vault.data_dir).instruments())
    return [(s.label, s.problems) for s in sections]


def cmd_verify(args: argparse.Namespace) -> int:
    """Every integrity check, each problem named; exit 1 on any problem, never a traceback."""
    from kapnotes.store.verify import MAX_SHOWN, verify_vault

    data_dir = _data_dir(args)
    print(f"kapnotes verify: {data_dir}")
    try:
        with _unlocked(args, problems="report") as opened:
            sections = verify_vault(opened, Catalog(data_dir).instruments())
    except CliError as exc:
        if exc.code != EXIT_UNEXPECTED:
            raise
        print(f"  vault ............................. cannot be opened: {exc}")
        print("PROBLEMS FOUND")
        return EXIT_UNEXPECTED
    clean = True
    for section in sections:
        label = section.label
        status = "ok" if section.ok else "PROBLEM"
        print(f"  {label} {'.' * max(2, 34 - len(label))} {status}")
        for problem in section.problems[:MAX_SHOWN]:
            print(f"      {problem}")
        if len(section.problems) > MAX_SHOWN:
            print(f"      … and {len(section.problems) - MAX_SHOWN} more")
        for note in section.notes:
            print(f"      ({note})")
        clean = clean and section.ok
    if not clean:
        print(
            "What to do: restore the latest good backup ('kapnotes restore BACKUP --replace' "
            "keeps this vault beside it as a safety copy), or a copy of the vault folder."
        )
    print("OK" if clean else "PROBLEMS FOUND")
    return EXIT_OK if clean else EXIT_UNEXPECTED


def cmd_self_test(args: argparse.Namespace) -> int:
    """A temporary vault: every step a clinic relies on (see kapnotes.self_test); PASS or FAIL."""
    del args
    from kapnotes.self_test import run_self_test

    return run_self_test()


def cmd_export_pdf(args: argparse.Namespace) -> int:
    """Write one note, or a client's course report, as a PDF; recorded as note.export."""
    from kapnotes.reports import OutputAction, ReportError, ReportService

    out: Path = args.out
    if args.course is not None and args.client is None:
        raise CliError("--course needs --client (the client whose course it is)")
    if out.is_dir():
        raise CliError(f"--out {out}: is a folder; give the name of the file to write")
    if not out.parent.is_dir():
        raise CliError(f"--out {out}: the folder {out.parent} does not exist")
    with _unlocked(args) as opened:
        service = ReportService(opened, Catalog(_data_dir(args)))
        try:
            document = (
                service.note(args.note)
                if args.note is not None
                else service.course(args.client, args.course)
            )
        except ReportError as exc:
            raise CliError(str(exc)) from None
        atomic_write(out, document.data)
        try:
            service.record(OutputAction.EXPORT, document)
        except BaseException:
            out.unlink(missing_ok=True)  # a failing command writes nothing
            raise
    _settings, settings_warning = Catalog(_data_dir(args)).clinic_settings()
    for warning in [*([settings_warning] if settings_warning else []), *document.warnings]:
        print(f"kapnotes: warning: {warning}", file=sys.stderr)
    pages = f"{document.pages} page{'s' if document.pages != 1 else ''}"
    print(f"kapnotes: wrote {document.title} ({pages}) to {out}")
    print("This file is NOT encrypted: keep it safe, and delete it when you no longer need it.")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    """Write a verified, encrypted backup of the vault to OUT (a file or a folder)."""
    from kapnotes.store.backup import (
        BackupError,
        backup_file_name,
        check_backup_target,
        vault_tag,
        write_backup,
    )

    given: str = args.out  # as typed: "missing/" names a folder, not a file
    folder = Path(given).expanduser()
    data_dir = _data_dir(args)
    named = backup_file_name(tag=vault_tag(data_dir / DB_NAME))
    target: Path | str = folder / named if folder.is_dir() else given
    try:
        # Checked before the passphrase is asked for, and again as the file is written.
        out = check_backup_target(target, data_dir)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    with _unlocked(args) as opened:
        try:
            result = write_backup(opened, out)
        except BackupError as exc:
            raise CliError(str(exc)) from None
    print(f"kapnotes: backed up to {result.path} ({result.size // 1024} KiB), verified")
    print(result.summary.describe())
    return EXIT_OK


def _new_clinician_passphrase(args: argparse.Namespace) -> str:
    path: Path | None = getattr(args, "new_passphrase_file", None)
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8").removesuffix("\n").removesuffix("\r")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"--new-passphrase-file {path}: cannot be read ({exc})") from None
        if not text:
            raise CliError(f"--new-passphrase-file {path}: the file is empty")
        return text
    env = os.environ.get(NEW_PASSPHRASE_ENV)
    if env:
        return env
    if not _interactive():
        raise CliError(
            f"no new passphrase given: use --new-passphrase-file FILE or set "
            f"{NEW_PASSPHRASE_ENV}, or run this command in a terminal"
        )
    for _attempt in range(3):
        first = getpass.getpass(f"New passphrase (at least {MIN_PASSPHRASE_LENGTH} characters): ")
        if getpass.getpass("The same passphrase again: ") == first:
            return first
        print("The two passphrases differ; please try again.", file=sys.stderr)
    raise CliError("no passphrase was set (three attempts); nothing was changed")


def cmd_clinician(args: argparse.Namespace) -> int:
    """add | list | deactivate | passphrase | recovery-key."""
    from kapnotes.store.clinicians import ClinicianError, Clinicians, NotAllowedError

    action: str = args.action
    new = _new_clinician_passphrase(args) if action in ("add", "passphrase") else ""
    with _unlocked(args) as opened:
        staff = Clinicians(opened, Vault(_data_dir(args)).kdf)
        try:
            if action == "list":
                for c in staff.list():
                    state = "active" if c.active else "deactivated"
                    extra = c.administrator and c.role != "administrator"
                    admin = ", administrator" if extra else ""
                    you = "  (you)" if c.id == opened.clinician_id else ""
                    print(f"{c.id[:8]}  {c.display:<32} {c.role}{admin}  {state}{you}")
            elif action == "add":
                new_id = staff.add(args.name, args.credential, args.role, new)
                print(f"kapnotes: added {args.name} ({args.role}), id {new_id[:8]}")
            elif action == "deactivate":
                target = staff.get(args.id)
                staff.deactivate(target.id)
                print(f"kapnotes: {target.name} can no longer unlock this vault")
            elif action == "passphrase":
                staff.change_passphrase(new)
                print("kapnotes: your passphrase is changed; the old one no longer opens the vault")
            else:
                recovery = staff.reset_recovery_key()
                print("kapnotes: a new recovery key is issued; the old one no longer works")
                print(_recovery_block(recovery))
        except NotAllowedError as exc:
            raise CliError(str(exc), EXIT_LOCKED) from None
        except ClinicianError as exc:
            raise CliError(str(exc)) from None
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    """Check the backup IN, then restore it into the data folder (--replace to replace)."""
    from kapnotes.store.backup import (
        BackupError,
        RestoreNeedsConfirmationError,
        restore_backup,
    )

    data_dir = _data_dir(args)
    _refuse_unusable(Vault(data_dir))
    source: Path = args.input.expanduser()
    if not source.is_file():
        raise CliError(f"{args.input}: no such backup file")
    recovery_key = _recovery_key(args.recovery_key_file)
    passphrase = None if recovery_key is not None else _passphrase(args)
    try:
        result = restore_backup(
            source, data_dir, passphrase, recovery_key=recovery_key, replace=args.replace
        )
    except RestoreNeedsConfirmationError as exc:
        raise CliError(f"{exc} (--replace)") from None
    except BackupError as exc:
        raise CliError(str(exc)) from None
    except WrongSecretError:
        if recovery_key is not None:
            raise CliError(
                f"--recovery-key-file {args.recovery_key_file}: that is not the recovery key "
                f"of {args.input}",
                EXIT_LOCKED,
            ) from None
        raise CliError(
            f"that passphrase opens none of the clinicians' entries in {args.input}", EXIT_LOCKED
        ) from None
    except VaultBusyError as exc:
        raise CliError(str(exc), EXIT_LOCKED) from None
    except VaultError as exc:  # e.g. the data folder cannot be written
        raise CliError(str(exc)) from None
    print(f"kapnotes: restored {args.input} into {data_dir}")
    print(result.summary.describe())
    if result.safety_copy is not None:
        print(f"The vault that was there is kept in {result.safety_copy}")
    if result.automatic_folder_off is not None:
        from kapnotes.session.backups import OFF_IN_COPY

        print(OFF_IN_COPY.format(folder=result.automatic_folder_off))
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "init": cmd_init,
    "demo": cmd_demo,
    "export-json": cmd_export_json,
    "import-json": cmd_import_json,
    "verify": cmd_verify,
    "self-test": cmd_self_test,
    "export-pdf": cmd_export_pdf,
    "backup": cmd_backup,
    "clinician": cmd_clinician,
    "restore": cmd_restore,
}


# --------------------------------------------------------------------------- main


def _log_unexpected(command: str, exc: BaseException) -> None:
    # Type and code location only: exception messages can carry SQL parameters,
    # that is, client data.
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    log.error("kapnotes %s failed: %s at %s", command, type(exc).__name__, where)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors (argparse uses 2)
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    command: str = args.command or "gui"
    handler = COMMANDS.get(command, cmd_gui)
    try:
        return handler(args)
    except CliError as exc:
        print(f"kapnotes: {exc}", file=sys.stderr)
        return exc.code
    except interchange.InterchangeError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except FileWriteError as exc:  # a file the user named (OUT, --out) cannot be written there
        if exc.cause is None:
            _log_unexpected(command, exc)
            print(
                f"kapnotes: {exc.describe()}; nothing was written. Please report it with the "
                "log line above.",
                file=sys.stderr,
            )
            return EXIT_UNEXPECTED
        print(f"kapnotes: {exc.describe()}; nothing was written.", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SignError as exc:  # a note refused by the signing rule (names fields, not values)
        print(f"kapnotes: {exc}", file=sys.stderr)
        return EXIT_UNEXPECTED
    except KeyboardInterrupt:
        print("kapnotes: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        _log_unexpected(command, exc)
        print(
            f"kapnotes: {command} stopped on an unexpected error ({type(exc).__name__}); "
            "nothing was changed. Please report it with the log line above.",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED
