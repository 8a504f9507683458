"""Build the desktop bundle, run the built executable's self-test headless, print its size.

``make dist`` runs this from the checkout: ``python build_spec/build.py``. Steps:

1. PyInstaller with build_spec/kapnotes.spec into ``dist/`` (work files in
   ``build/pyinstaller``, kept between runs, so a rebuild is faster);
2. the built executable's ``self-test`` under ``QT_QPA_PLATFORM=offscreen``;
3. the bundle's size (every file's bytes, as unpacked), checked against
   :data:`SIZE_LIMIT_MB`, and the build time.

Exit code 0 when all hold, else 1 with the failing step on stderr.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "build_spec" / "kapnotes.spec"
DIST = REPO / "dist"
WORK = REPO / "build" / "pyinstaller"
SIZE_LIMIT_MB = 200
MB = 1_000_000


def bundle_folder(dist: Path = DIST) -> Path:
    """The folder that is the installed app: ``dist/kapnotes`` (``dist/kapnotes.app``)."""
    if sys.platform == "darwin":
        return dist / "kapnotes.app"
    return dist / "kapnotes"


def executable(dist: Path = DIST) -> Path:
    """The bundle's program."""
    if sys.platform == "darwin":
        return bundle_folder(dist) / "Contents" / "MacOS" / "kapnotes"
    name = "kapnotes.exe" if sys.platform == "win32" else "kapnotes"
    return bundle_folder(dist) / name


def size_bytes(folder: Path) -> int:
    """Bytes of every file under ``folder`` (links not followed): the unpacked size."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def headless_env() -> dict[str, str]:
    """The environment for running the bundle with no display and no passphrase."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAPNOTES", "PYTHON"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def build(clean: bool) -> None:
    """Run PyInstaller on the spec."""
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(DIST),
        "--workpath",
        str(WORK),
        *(["--clean"] if clean else []),
        str(SPEC),
    ]
    subprocess.run(command, cwd=REPO, check=True)


def self_test() -> None:
    """The built executable's self-test, headless; raises when it fails."""
    subprocess.run(
        [str(executable()), "self-test"], cwd=DIST, env=headless_env(), check=True, timeout=300
    )


def main(argv: list[str] | None = None) -> int:
    """Build, self-test, report; the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="rebuild from scratch")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    step = "build"
    try:
        build(args.clean)
        built = time.perf_counter() - started
        step = "self-test of the built executable"
        self_test()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        print(f"make dist: {step} failed: {exc}", file=sys.stderr)
        return 1
    size = size_bytes(bundle_folder())
    print(
        f"make dist: {bundle_folder().relative_to(REPO)} is {size / MB:.1f} MB unpacked "
        f"(limit {SIZE_LIMIT_MB} MB); built in {built:.0f} s, "
        f"{time.perf_counter() - started:.0f} s with its self-test"
    )
    if size > SIZE_LIMIT_MB * MB:
        print(f"make dist: the bundle is over {SIZE_LIMIT_MB} MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
