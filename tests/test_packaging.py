"""A wheel carries every resource and runs on its own, away from the source tree.

The slow test builds a wheel from a copy of the checkout, installs it into a fresh
virtualenv and runs ``kapnotes demo --no-gui`` and ``kapnotes self-test`` there,
from a temporary working directory. To save downloading PySide6 and friends, the
fresh environment sees the test environment's site-packages through a ``.pth``
line; that adds the folder to ``sys.path`` after the venv's own site-packages
without running the ``.pth`` files inside it, so the editable install's import
hook stays off and ``kapnotes`` can only come from the wheel (which the test
checks: ``kapnotes.__file__`` and the resources root both lie inside the venv).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from kapnotes.store.vault import Vault

REPO = Path(__file__).resolve().parents[1]
SKIP = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")

# Run inside the installed venv: every kind of resource is read through the one lookup.
PROBE = """
import kapnotes
from kapnotes.domain.assets import get_asset, resources_root
from kapnotes.domain.instruments import load_instruments
from kapnotes.domain.session.settings import bundled_settings_path
from kapnotes.domain.templates import load_templates
from kapnotes.store.interchange import schema_path
from PySide6.QtWidgets import QApplication
from kapnotes.ui import theme

app = QApplication([])
print(kapnotes.__file__)
print(resources_root())
assert len(load_templates().for_phase("dosing")) >= 1
assert load_instruments().instruments
assert bundled_settings_path().is_file() and schema_path().is_file()
for scheme in ("light", "dark", "dim"):
    for sheet in theme.sheet_names():
        assert theme.render(sheet, scheme)
assert not theme.icon("lock").isNull()
from kapnotes.reports import load_fonts
assert "é" in load_fonts(fallback=False).covered  # the bundled report fonts ship
print("probe ok")
"""


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    command = " ".join(args)[:160]
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_a_wheel_install_builds_the_demo_and_passes_its_self_test(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "KAPNOTES"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*SKIP))
    dist = tmp_path / "dist"
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(dist)]
    _run([*pip_wheel, str(source)], tmp_path, env)
    (wheel,) = dist.glob("kapnotes-*.whl")

    shipped = set(zipfile.ZipFile(wheel).namelist())
    resources = [
        p.relative_to(REPO / "resources").as_posix()
        for p in (REPO / "resources").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    missing = [r for r in resources if f"kapnotes/resources/{r}" not in shipped]
    assert resources and not missing, f"resources not in the wheel: {missing}"

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, env)
    python = venv / "bin" / "python"
    purelib = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            tmp_path,
            env,
        ).stdout.strip()
    )
    (purelib / "test-env-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps"]
    _run([*install, str(wheel)], tmp_path, env)

    work = tmp_path / "elsewhere"
    work.mkdir()
    probe = _run([str(python), "-c", PROBE], work, env).stdout.splitlines()
    assert Path(probe[0]).is_relative_to(venv), f"kapnotes imported from {probe[0]}"
    assert Path(probe[1]) == Path(probe[0]).parent / "resources"
    assert probe[-1] == "probe ok"

    kapnotes = str(venv / "bin" / "kapnotes")
    data_dir = tmp_path / "demo-vault"
    demo = _run([kapnotes, "--data-dir", str(data_dir), "demo", "--no-gui"], work, env)
    assert "fictional clients" in demo.stdout
    assert Vault(data_dir).is_demo()
    self_test = _run([kapnotes, "--data-dir", str(data_dir), "self-test"], work, env)
    assert self_test.stdout.rstrip().endswith("PASS")
