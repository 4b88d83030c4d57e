"""`make bench`: how fast the designer is, measured side by side in one run.

Prints a table; asserts nothing (these machines are noisy: compare ratios and medians from
one run, never single absolute times across runs). Sections:

1. raw floor: a plain torch loop stepping the same schedulers, µs per step
2. `lr-designer export --to csv` on 1M steps, as a ratio to a plain torch loop process
3. edit -> exact curve shown in the window, for 1k, 10k, 100k, 1M steps
4. editing one phase of a four-phase 1M-step schedule vs recomputing all of it
5. longest event-loop stall while a 1M-step schedule recomputes
6. process start -> window shown, and -> first exact curve (6b: of a design seen before,
   answered from the disk cache before torch has loaded: curve_cache.py)
7. peak memory of the app (window + worker) with a 10M-step schedule
8. peak memory of the command line with 10M steps and with 16 param groups (cli_memory.py)
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.cli_memory import cli_memory
from bench.curve_cache import curve_cache

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
ROWS: list[tuple[str, str, str]] = []


def row(what: str, value: str, target: str = "") -> None:
    ROWS.append((what, value, target))
    print(f"  {what:<58} {value:>22}  {target}", flush=True)


def design(steps: list[int], schedulers: list[str] | None = None) -> dict:
    schedulers = schedulers or ["CosineAnnealingLR"] * len(steps)
    params = {"CosineAnnealingLR": {"eta_min": 1e-6}, "LinearLR": {"start_factor": 0.01},
              "StepLR": {"step_size": max(1, steps[0] // 10), "gamma": 0.5},
              "ExponentialLR": {"gamma": 0.999999}}
    return {"format": "lr-schedule-designer", "version": 1,
            "optimizer": {"name": "AdamW", "lr": 3e-4}, "interval": "step",
            "phases": [{"scheduler": name, "steps": n, "params": params[name]}
                       for name, n in zip(schedulers, steps)]}


# 1. Raw floor ---------------------------------------------------------------------------

RAW_LOOP = """
import sys, time, torch
from torch.optim import lr_scheduler as L
n = int(sys.argv[1])
p = torch.zeros(1, requires_grad=True)
o = torch.optim.AdamW([p], lr=3e-4)
s = L.CosineAnnealingLR(o, T_max=n)
o.step()
g = o.param_groups[0]
out = []
for _ in range(n):
    out.append(g["lr"])
    s.step()
"""


def raw_floor() -> float:
    import torch
    from torch.optim import lr_scheduler as L

    print("1. Raw floor: a plain torch loop, µs per step (median of 5 x 200k steps)")
    makers = {
        "CosineAnnealingLR": lambda o, n: L.CosineAnnealingLR(o, T_max=n),
        "LinearLR": lambda o, n: L.LinearLR(o, start_factor=0.01, total_iters=n),
        "StepLR": lambda o, n: L.StepLR(o, step_size=1000),
        "OneCycleLR": lambda o, n: L.OneCycleLR(o, max_lr=0.1, total_steps=n),
        "LambdaLR": lambda o, n: L.LambdaLR(o, lambda s: 0.99 ** s),
    }
    cosine = 0.0
    for name, make in makers.items():
        times = []
        for _ in range(5):
            n = 200_000
            p = torch.zeros(1, requires_grad=True)
            o = torch.optim.SGD([p], lr=0.1, momentum=0.9)
            s = make(o, n)
            o.step()
            g, out, step = o.param_groups[0], [], s.step
            began = time.perf_counter()
            for _ in range(n):
                out.append(g["lr"])
                step()
            times.append((time.perf_counter() - began) / n * 1e6)
        median = statistics.median(times)
        cosine = median if name == "CosineAnnealingLR" else cosine
        row(f"{name}", f"{median:.2f} µs/step")
    return cosine


# 2. CLI export vs raw loop ---------------------------------------------------------------

def cli_export(workdir: Path) -> None:
    print("2. `lr-designer export --to csv`, 1M steps, vs a plain torch loop process "
          "(median of 3, both include interpreter start and torch import)")
    path = workdir / "million.json"
    path.write_text(json.dumps(design([1_000_000])))
    raw, cli = [], []
    for _ in range(3):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", RAW_LOOP, "1000000"], check=True)
        raw.append(time.perf_counter() - began)
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "designer", "export", str(path), "--to", "csv",
                        "-o", str(workdir / "million.csv")], check=True)
        cli.append(time.perf_counter() - began)
    r, c = statistics.median(raw), statistics.median(cli)
    row("plain torch loop process", f"{r:.2f} s")
    row("lr-designer export --to csv (writes 1M rows)", f"{c:.2f} s")
    row("ratio export / raw loop", f"{c / r:.2f}x", "target <= 1.3x")


# 3-5. The window -------------------------------------------------------------------------

class WindowBench:
    def __init__(self) -> None:
        from PySide6.QtCore import QSettings

        from designer.ui.app import make_application
        from designer.ui.main_window import MainWindow

        self.app = make_application()
        self.folder = tempfile.TemporaryDirectory()
        settings = QSettings(os.path.join(self.folder.name, "bench.ini"), QSettings.IniFormat)
        self.window = MainWindow(settings)
        self.window.resize(1280, 800)
        self.window.show()
        self.app.processEvents()

    def load(self, doc: dict) -> None:
        from designer.core.schedule.fileformat import schedule_from_dict

        self.window.document.reset(schedule_from_dict(doc))
        self.window.flush_preview(600)

    def timed_edit(self, edit) -> float:
        """Seconds from an edit to its exact curve on screen (the window's event loop runs)."""
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        done = []
        window = self.window

        def on_update() -> None:
            if window.shown_schedule() is window.document.schedule:
                done.append(time.perf_counter())
                loop.quit()

        window.preview_updated.connect(on_update)
        QTimer.singleShot(600_000, loop.quit)
        began = time.perf_counter()
        edit(window.document)
        if not done:
            loop.exec()
        window.preview_updated.disconnect(on_update)
        return done[0] - began

    def set_lr(self, factor: float):
        def edit(document) -> None:
            schedule = document.schedule
            optimizer = schedule.optimizer
            from dataclasses import replace

            document.edit("bench", schedule.with_optimizer(replace(optimizer,
                                                                   lr=optimizer.lr * factor)))
        return edit

    def set_eta_min(self, index: int, value: float):
        def edit(document) -> None:
            document.edit("bench", document.schedule.set_param(index, "eta_min", value))
        return edit


def window_latency(bench: WindowBench) -> None:
    print("3. Edit -> exact curve shown in the window (base lr changed: every phase is "
          "re-stepped; median of 5, p95 of 5)")
    targets = {10_000: "target <= 50 ms", 100_000: "target <= 300 ms"}
    for steps in (1_000, 10_000, 100_000, 1_000_000):
        bench.load(design([steps]))
        repeats = 5 if steps < 1_000_000 else 3
        times = [bench.timed_edit(bench.set_lr(1.0 + 0.01 * (i + 1))) for i in range(repeats)]
        p95 = sorted(times)[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        row(f"{steps:>9,} steps", f"{statistics.median(times) * 1e3:.0f} ms (p95 {p95 * 1e3:.0f})",
            targets.get(steps, ""))


def partial_edit(bench: WindowBench) -> None:
    print("4. One phase of a four-phase 1M-step schedule edited vs all of it recomputed "
          "(median of 3)")
    bench.load(design([250_000] * 4, ["LinearLR", "CosineAnnealingLR", "StepLR",
                                       "ExponentialLR"]))
    one = [bench.timed_edit(bench.set_eta_min(1, 2e-6 * (i + 1))) for i in range(3)]
    whole = [bench.timed_edit(bench.set_lr(1.0 + 0.01 * (i + 1))) for i in range(3)]
    o, w = statistics.median(one), statistics.median(whole)
    row("edit phase 2 of 4 (cosine eta_min)", f"{o * 1e3:.0f} ms")
    row("edit the base lr (all 4 phases)", f"{w * 1e3:.0f} ms")
    row("ratio one phase / all", f"{o / w:.2f}x", "target <= 0.5x")


def event_loop_stall(bench: WindowBench) -> None:
    from PySide6.QtCore import QTimer

    print("5. Longest event-loop stall while a 1M-step schedule recomputes "
          "(5 ms QTimer; max gap, median of 3 runs)")
    bench.load(design([1_000_000]))
    worst = []
    for i in range(3):
        ticks = [time.perf_counter()]
        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(lambda ticks=ticks: ticks.append(time.perf_counter()))
        timer.start()
        total = bench.timed_edit(bench.set_lr(1.0 + 0.02 * (i + 1)))
        timer.stop()
        worst.append(max(b - a for a, b in itertools.pairwise(ticks)))
    row("longest gap between 5 ms ticks", f"{statistics.median(worst) * 1e3:.0f} ms",
        "target <= 50 ms")
    row("(while the recompute took)", f"{total * 1e3:.0f} ms")


# 6-7. Whole-process start-up and memory ---------------------------------------------------

def start_app(path: Path, state: Path) -> tuple[subprocess.Popen, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LR_DESIGNER_STATE_FILE=str(state),
               XDG_CONFIG_HOME=str(state.parent / "config"))
    began = time.time()
    process = subprocess.Popen([sys.executable, "-m", "designer", str(path)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, began


def wait_state(state: Path, process: subprocess.Popen, timeout: float = 600) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            data = json.loads(state.read_text())
            if data.get("shows_document"):
                return data
        except (OSError, ValueError):
            pass
        if process.poll() is not None:
            raise RuntimeError("the app exited")
        time.sleep(0.01)
    raise RuntimeError("timed out")


def startup(workdir: Path) -> None:
    print("6. Process start -> window shown, and -> first exact curve "
          "(designer/examples/warmup-cosine.json, 100k steps; median of 3)")
    shown, first = [], []
    for i in range(3):
        state = workdir / f"start{i}.json"
        process, began = start_app(ROOT / "designer" / "examples" / "warmup-cosine.json", state)
        data = wait_state(state, process)
        arrived = state.stat().st_mtime
        process.kill()
        process.wait()
        shown.append(data["shown_at"] - began)
        first.append(arrived - began)
    row("window shown", f"{statistics.median(shown):.2f} s", "target <= 1.0 s")
    row("first exact curve", f"{statistics.median(first):.2f} s")


def memory(workdir: Path) -> None:
    print("7. Peak memory with a 10M-step schedule (window + worker, VmHWM)")
    path = workdir / "ten-million.json"
    path.write_text(json.dumps(design([2_000_000] * 5,
                                      ["LinearLR", "CosineAnnealingLR", "StepLR",
                                       "ExponentialLR", "CosineAnnealingLR"])))
    state = workdir / "memory.json"
    process, began = start_app(path, state)
    data = wait_state(state, process, timeout=1200)
    elapsed = time.time() - began
    peaks = {}
    for pid in [process.pid, *_children(process.pid)]:
        peaks[pid] = _vm_hwm(pid)
    process.kill()
    process.wait()
    window_mb = peaks[process.pid] / 1024
    worker_mb = sum(v for k, v in peaks.items() if k != process.pid) / 1024
    row("window process", f"{window_mb:.0f} MB")
    row("curve worker process", f"{worker_mb:.0f} MB")
    row("total", f"{window_mb + worker_mb:.0f} MB", "target <= 600 MB")
    row(f"(10M steps shown after {elapsed:.0f} s; {data['steps']:,} values)", "")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        found += [int(c) for c in children]
    return found


def _vm_hwm(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    import torch

    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, torch {torch.__version__}, {platform.platform()}")
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        # Nothing cached from an earlier run may answer a section that measures stepping.
        os.environ["LR_DESIGNER_CACHE_DIR"] = str(workdir / "curve-cache")
        raw_floor()
        cli_export(workdir)
        bench = WindowBench()
        window_latency(bench)
        partial_edit(bench)
        event_loop_stall(bench)
        bench.window.document.undo_stack.setClean()
        bench.window.close()
        startup(workdir)
        curve_cache(workdir, row, start_app, wait_state, ROOT)
        memory(workdir)
        cli_memory(workdir, row)


if __name__ == "__main__":
    main()
