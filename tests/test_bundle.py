"""The desktop bundle (build_spec/, ``make dist``): complete, starts, refuses plain SQLite.

These tests run the built PyInstaller bundle in ``dist/``. Where it has not been
built they are skipped, saying so; ``make dist`` (and so CI) builds it first and
runs them with ``KAPNOTES_BUNDLE_REQUIRED=1``, which turns a missing bundle into
a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kapnotes
from build_spec.build import bundle_folder, executable, headless_env

REPO = Path(__file__).resolve().parents[1]
EXE = executable(REPO / "dist")
REQUIRED = os.environ.get("KAPNOTES_BUNDLE_REQUIRED") == "1"
PASSPHRASE = "bundle test passphrase"  # a throwaway vault of fictional data

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle() -> Path:
    """The built executable; skips (or, under make dist, fails) when there is none."""
    if not EXE.is_file():
        message = f"the desktop bundle is not built ({EXE}); `make dist` builds and tests it"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return EXE


def _contents(program: Path) -> Path:
    """The bundle's data folder (``sys._MEIPASS`` when it runs)."""
    if sys.platform == "darwin":
        return program.parents[1] / "Frameworks"
    return program.parent / "_internal"


def _run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=env or headless_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _package_files(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


def test_the_bundle_holds_every_resource_and_migration(bundle: Path) -> None:
    inside = _contents(bundle) / "kapnotes"
    resources = _package_files(REPO / "resources")
    migrations = [
        f for f in _package_files(REPO / "kapnotes" / "store" / "migrations") if f.endswith(".py")
    ]
    assert len(resources) > 20 and migrations
    missing = [f"resources/{r}" for r in resources if not (inside / "resources" / r).is_file()]
    missing += [
        f"store/migrations/{m}"
        for m in migrations
        if not (inside / "store" / "migrations" / m).is_file()
    ]
    assert not missing, f"not in the bundle: {missing}"


def test_the_bundle_holds_every_qt_module_kapnotes_imports(bundle: Path) -> None:
    """A Qt module left out of the spec fails only where it is imported, and some imports
    give up quietly (the system lock without QtDBus would never lock)."""
    used = sorted(
        {
            name
            for source in (REPO / "kapnotes").rglob("*.py")
            for name in re.findall(r"PySide6\.(Qt\w+)", source.read_text(encoding="utf-8"))
        }
    )
    inside = _contents(bundle) / "PySide6"
    missing = [name for name in used if not list(inside.glob(f"{name}.*"))]
    assert "QtDBus" in used and "QtCharts" in used
    assert not missing, f"imported by kapnotes, not in the bundle: {missing}"


def test_the_bundle_has_no_dangling_links(bundle: Path) -> None:
    """Every symbolic link in the bundle leads to a file that is in it (a link to a Qt
    library the spec leaves out would be a broken file in the user's copy)."""
    folder = bundle_folder(REPO / "dist")
    dangling = [
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_symlink() and not p.exists()
    ]
    assert not dangling, f"links to nothing: {dangling}"


def test_the_bundle_carries_no_gtk(bundle: Path) -> None:
    """kapnotes draws with Fusion and its own palette: the GTK theme plugin is left out,
    and so is the GTK stack it would pull in from a build machine that has GTK 3 (a
    window manager installed on this one brought it, and 11 MB with it: over the size
    limit)."""
    folder = bundle_folder(REPO / "dist")
    gtk = [
        p.name
        for p in folder.rglob("*")
        if p.name.startswith(("libgtk-", "libgdk-", "libqgtk3", "libcairo", "libpango"))
    ]
    assert not gtk, f"GTK in the bundle: {gtk}"


def test_the_bundle_reports_the_package_version(bundle: Path, tmp_path: Path) -> None:
    done = _run([str(bundle), "--version"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"kapnotes {kapnotes.__version__}"


@pytest.mark.skipif(sys.platform != "linux", reason="the .desktop entry is Linux's")
def test_the_bundle_carries_a_desktop_entry(bundle: Path) -> None:
    entry = (_contents(bundle) / "kapnotes.desktop").read_text(encoding="utf-8")
    assert "Exec=kapnotes" in entry and "Icon=kapnotes" in entry


def test_the_bundle_draws_its_lock_screen_and_quits(bundle: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "vault"
    env = headless_env()
    env["KAPNOTES_PASSPHRASE"] = PASSPHRASE
    made = _run(
        [str(bundle), "--data-dir", str(data_dir), "init", "--name", "Dr Fictional"], tmp_path, env
    )
    assert made.returncode == 0, made.stderr
    shown = _run([str(bundle), "--data-dir", str(data_dir), "--quit-after-first-window"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "first window: MainWindow" in shown.stdout
    assert "Traceback" not in shown.stderr


def _plain_sqlite_extension() -> Path | None:
    """The interpreter's own ``_sqlite3`` (plain SQLite, no SQLCipher), if it has one."""
    try:
        import _sqlite3
    except ImportError:
        return None
    found = getattr(_sqlite3, "__file__", None)
    return Path(found) if found else None


def test_a_bundle_without_sqlcipher_refuses_rather_than_writing_plain_sqlite(
    bundle: Path, tmp_path: Path
) -> None:
    """The driver swapped for plain SQLite (what a broken build would ship): the same guard
    as the source install (``PRAGMA cipher_version`` empty) refuses; no database is written."""
    plain = _plain_sqlite_extension()
    if plain is None or sys.platform != "linux":
        pytest.skip("needs Linux and this Python's plain _sqlite3 extension to stand in")
    copy = tmp_path / "bundle"
    shutil.copytree(bundle_folder(REPO / "dist"), copy, copy_function=os.link, symlinks=True)
    driver_folder = _contents(copy / bundle.name) / "sqlcipher3"
    (driver,) = driver_folder.glob("_sqlite3.*")
    driver.unlink()  # a hard link: the real bundle keeps its file
    shutil.copy2(plain, driver)
    program = copy / bundle.name

    data_dir = tmp_path / "vault"
    env = headless_env()
    env["KAPNOTES_PASSPHRASE"] = PASSPHRASE
    made = _run(
        [str(program), "--data-dir", str(data_dir), "init", "--name", "Dr Fictional"], tmp_path, env
    )
    assert made.returncode == 1, made.stdout + made.stderr
    assert "SQLCipher is not active" in made.stderr
    written = (
        [p for p in data_dir.rglob("*") if p.is_file() and p.stat().st_size]
        if data_dir.exists()
        else []
    )
    plain_files = [p for p in written if p.read_bytes()[:16] == b"SQLite format 3\x00"]
    assert not plain_files, f"unencrypted database written: {plain_files}"

    checked = _run([str(program), "self-test"], tmp_path)
    assert checked.returncode == 1
    assert "FAIL: create an encrypted vault" in checked.stderr
    assert "SQLCipher is not active" in checked.stderr
