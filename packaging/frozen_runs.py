"""Running the frozen app for the smoke test: commands, the window, and what it maps.

Linux-only where it reads /proc (process_tree, mapped_files). Used by package_test.py and
dist_test.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

from frozen_app import popen_group

WINDOW_TIMEOUT_S = 60.0


class Checks:
    """Prints each check as it is made and keeps the failures for the summary."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail and not ok else ""))
        if not ok:
            self.failures.append(what + (f": {detail}" if detail else ""))
        return ok

    def summary(self, name: str) -> int:
        """The failures again at the end, or "NAME passed"; the exit status."""
        if self.failures:
            print(f"\n{len(self.failures)} check(s) failed:", file=sys.stderr)
            for failure in self.failures:
                print(f"  {failure}", file=sys.stderr)
            return 1
        print(f"\n{name} passed")
        return 0


def tail(data: bytes, lines: int = 3) -> str:
    """The end of a process's stderr, enough to see the error without pages of traceback."""
    return " | ".join(data.decode(errors="replace").strip().splitlines()[-lines:])


def run(command: list[str], env: dict[str, str] | None, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, timeout=300,
                          check=False)


def png_size(path: Path) -> tuple[int, int] | None:
    data = path.read_bytes()[:24] if path.exists() else b""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def process_tree(pid: int) -> list[int]:
    pids, index = [pid], 0
    while index < len(pids):
        for task in Path(f"/proc/{pids[index]}/task").glob("*"):
            try:
                pids += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                pass
        index += 1
    return pids


def mapped_files(pids: list[int]) -> set[str]:
    files = set()
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
                parts = line.split(maxsplit=5)
                if len(parts) == 6 and parts[5].startswith("/"):
                    files.add(parts[5])
        except OSError:
            pass
    return files


def start_window(exe: Path, design: Path, env: dict[str, str], cwd: Path, state: Path,
                 screenshot: Path | None = None) -> tuple[subprocess.Popen, dict | None]:
    """Start the window and wait for its first state dump that shows the document's curve.

    Returns the process and that dump, with "seconds_to_curve" (from the start to the dump;
    dumps are debounced by 50 ms) and "seconds_to_window" (to the first frame on screen, from
    the dump's "shown_at") added; None if no such dump came.
    """
    env = dict(env, LR_DESIGNER_STATE_FILE=str(state))
    if screenshot is not None:
        env["LR_DESIGNER_SCREENSHOT"] = str(screenshot)
    started, started_wall = time.monotonic(), time.time()
    process = subprocess.Popen([str(exe), str(design)], env=env, cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               **popen_group())  # its own group: the worker goes too
    while time.monotonic() - started < WINDOW_TIMEOUT_S:
        dump = read_state(state)
        if dump and dump.get("shows_document") and (dump.get("steps") or dump.get("lrs")):
            dump["seconds_to_curve"] = time.monotonic() - started
            shown_at = dump.get("shown_at")
            dump["seconds_to_window"] = shown_at - started_wall if shown_at else None
            return process, dump
        if process.poll() is not None:
            break
        time.sleep(0.005)
    return process, None


def read_state(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # not written yet (the writes are atomic, so never half a file)


def same_curve(dump: dict, lrs: list[float]) -> bool:
    """The dump lists the curve, or for long curves gives its length and SHA-256."""
    if "lrs" in dump:
        return dump["lrs"] == lrs
    import numpy as np

    digest = hashlib.sha256(np.asarray(lrs, dtype=np.float64).tobytes()).hexdigest()
    return dump.get("steps") == len(lrs) and dump.get("lrs_sha256") == digest


def stop(process: subprocess.Popen) -> tuple[bytes, bytes]:
    """Stop the app and its curve worker; what they printed."""
    if sys.platform == "win32":
        # No process groups to signal: taskkill ends the tree (/T) the app started.
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(process.pid)],
                       capture_output=True, check=False)
        return process.communicate(timeout=30)
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.communicate()
