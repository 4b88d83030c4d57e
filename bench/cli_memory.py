"""Section 8 of `make bench`: peak memory of the command line on the largest designs.

A design may have 10M steps and 16 param groups; `validate` keeps nothing of the curve and
`export --to csv` streams its rows, so the peak must not grow with steps × groups. Each
command runs in a process of its own; its peak resident size (ru_maxrss) is read by a
wrapper process that waits for it alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

PEAK_OF_CHILD = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
GROUP_NAMES = [f"g{i}" for i in range(16)]


def grouped_design(steps: int, groups: int) -> dict:
    """Warmup then cosine, `steps` in all, with `groups` param groups (lr scales 1..16)."""
    warmup = steps // 20
    document = {"format": "lr-schedule-designer", "version": 3,
                "optimizer": {"name": "AdamW", "lr": 3e-4}, "interval": "step",
                "phases": [{"scheduler": "LinearLR", "steps": warmup,
                            "params": {"start_factor": 0.01}},
                           {"scheduler": "CosineAnnealingLR", "steps": steps - warmup,
                            "params": {"eta_min": 1e-6}}]}
    if groups > 1:
        document["param_groups"] = [{"name": name, "lr_scale": 1 + index / 4}
                                    for index, name in enumerate(GROUP_NAMES[:groups])]
    return document


def _peak(command: list[str]) -> tuple[int, float, float]:
    """(exit code, peak MB, seconds) of one command in a process of its own."""
    began = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", PEAK_OF_CHILD, *command], check=True,
                         capture_output=True, text=True).stdout.split()
    return int(out[0]), int(out[1]) / 1024, time.perf_counter() - began


def cli_memory(workdir: Path, row) -> None:
    print("8. Peak memory of the command line (one process per command, ru_maxrss)")
    cases = [("validate", 10_000_000, 1, []),
             ("export --to csv -o", 10_000_000, 1, ["--to", "csv"]),
             ("export --to csv -o", 1_000_000, 16, ["--to", "csv"]),
             ("export --to csv --summary -o", 3_000_000, 16, ["--to", "csv", "--summary"]),
             ("validate", 3_000_000, 16, [])]
    for label, steps, groups, options in cases:
        path = workdir / f"memory-{steps}-{groups}.json"
        path.write_text(json.dumps(grouped_design(steps, groups)))
        command = [sys.executable, "-m", "designer", label.split()[0], str(path), *options]
        if label.endswith("-o"):
            command += ["-o", str(workdir / "memory.csv")]
        code, megabytes, seconds = _peak(command)
        size = ""
        if label.endswith("-o"):
            size = f", {(workdir / 'memory.csv').stat().st_size / 2**20:,.0f} MiB written"
            (workdir / "memory.csv").unlink()
        what = f"{label}: {steps / 1e6:g}M steps x {groups} group{'s' * (groups > 1)}"
        status = "" if code == 0 else f" (exit {code})"
        row(what, f"{megabytes:,.0f} MB{status}", f"target < 800 MB ({seconds:.0f} s{size})")
