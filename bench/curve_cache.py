"""Section 6b of `make bench`: process start -> first exact curve of a design seen before.

The curve worker writes the phases it stepped to the disk cache (designer/core/curves/disk_cache.py)
once idle, and until it has imported torch the window answers a design whose phases are all
there itself. Each app here runs with LR_DESIGNER_CACHE_DIR set: one empty folder per start
for "never seen", and for "seen before" a folder one earlier run filled (it is stopped only
once the worker has written the phases). The curve shown is checked to be the never-seen
run's, value for value.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from designer.core.curves.disk_cache import CACHE_DIR_ENV, SUFFIX

EXAMPLE = "warmup-cosine.json"  # the design of section 6: two phases, 100k steps
RUNS = 3


def curve_cache(workdir: Path, row: Callable, start_app: Callable, wait_state: Callable,
                root: Path) -> None:
    print(f"6b. Process start -> first exact curve, never seen vs seen before (designer/examples/"
          f"{EXAMPLE}; median of {RUNS}, fresh and filled disk cache)")
    path = root / "designer" / "examples" / EXAMPLE
    phases = len(json.loads(path.read_text())["phases"])
    cold = [_start(workdir / f"cold-cache-{i}", workdir / f"cold{i}.json", path,
                   start_app, wait_state) for i in range(RUNS)]
    filled = workdir / "seen-cache"
    _start(filled, workdir / "fill.json", path, start_app, wait_state,
           until=lambda: len(list(filled.glob("*" + SUFFIX))) >= phases)
    warm = [_start(filled, workdir / f"warm{i}.json", path, start_app, wait_state)
            for i in range(RUNS)]
    same = all(run[2] == cold[0][2] for run in cold + warm)
    for label, runs, target in (("never seen", cold, ""),
                                ("seen before", warm, "target <= 0.8 s")):
        row(f"{label}: window shown", f"{statistics.median(r[0] for r in runs):.2f} s")
        row(f"{label}: first exact curve", f"{statistics.median(r[1] for r in runs):.2f} s",
            target)
    row("the same curve in every run", "yes" if same else "NO")


def _start(cache: Path, state: Path, design: Path, start_app: Callable, wait_state: Callable,
           until: Callable[[], bool] = lambda: True) -> tuple[float, float, object]:
    """(seconds to the window, to the first exact curve, the curve) of one app start with
    `cache` as its disk cache; the app is killed once `until()` holds (at most 30 s)."""
    saved = os.environ.get(CACHE_DIR_ENV)
    os.environ[CACHE_DIR_ENV] = str(cache)
    try:
        process, began = start_app(design, state)
    finally:
        if saved is None:
            os.environ.pop(CACHE_DIR_ENV)
        else:
            os.environ[CACHE_DIR_ENV] = saved
    try:
        data = wait_state(state, process)
        arrived = state.stat().st_mtime
        deadline = time.time() + 30
        while not until() and time.time() < deadline:
            time.sleep(0.05)
    finally:
        process.kill()
        process.wait()
    return data["shown_at"] - began, arrived - began, data.get("lrs") or data.get("lrs_sha256")
