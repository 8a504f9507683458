"""Cold start to the lock screen: the desktop bundle beside the source install.

``python -m tests.benchmarks.bundle_start [--rounds N]`` (``make bench`` runs it):
a vault is created once, then the bundle (``dist/kapnotes/kapnotes
--quit-after-first-window``) and the source install (``python -m kapnotes
--quit-after-first-window``) are started in turn, A B A B …, each timed as a
whole process from start to exit with the lock screen drawn. It prints the
medians and the median of the paired ratios. Without a built bundle it says so
and times the source install alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from build_spec.build import DIST, executable

PASSPHRASE = "bench fictional passphrase"


def _timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or "first window: MainWindow" not in done.stdout:
        raise RuntimeError(f"{command[0]} did not draw its lock screen: {done.stderr[-1000:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    """Time both starts; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAPNOTES")}
    env["QT_QPA_PLATFORM"] = env.get("QT_QPA_PLATFORM", "offscreen")
    bundle = executable(DIST)
    with tempfile.TemporaryDirectory(prefix="kapnotes-bench-start-") as tmp:
        folder = str(Path(tmp) / "vault")
        source = [sys.executable, "-m", "kapnotes", "--data-dir", folder]
        subprocess.run(
            [*source, "init", "--name", "Dr Bench Fictional"],
            env={**env, "KAPNOTES_PASSPHRASE": PASSPHRASE},
            capture_output=True,
            check=True,
            timeout=120,
        )
        source.append("--quit-after-first-window")
        frozen = [str(bundle), "--data-dir", folder, "--quit-after-first-window"]
        have_bundle = bundle.is_file()
        if not have_bundle:
            print(f"bundle start: skipped, no bundle at {bundle} (make dist builds it)")
        source_s: list[float] = []
        bundle_s: list[float] = []
        for index in range(args.rounds + 1):  # the first round warms the disk cache
            b = _timed(frozen, env) if have_bundle else 0.0
            s = _timed(source, env)
            if index:
                bundle_s.append(b)
                source_s.append(s)
    print(
        f"cold start to the lock screen, source install: median {statistics.median(source_s):.2f} s"
        f" (min {min(source_s):.2f}, max {max(source_s):.2f}; {args.rounds} runs)"
    )
    if have_bundle:
        ratios = [b / s for b, s in zip(bundle_s, source_s, strict=True)]
        print(
            f"cold start to the lock screen, bundle: median {statistics.median(bundle_s):.2f} s"
            f" (min {min(bundle_s):.2f}, max {max(bundle_s):.2f}); bundle/source, paired: "
            f"median {statistics.median(ratios):.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
