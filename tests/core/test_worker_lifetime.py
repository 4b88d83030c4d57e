"""The curve worker never outlives the window: killed mid-work, its parent takes it along.

Between pieces the worker notices a closed pipe; inside a long piece (an expensive design)
only `exit_with_parent` can. The stand-in for a long piece here sleeps for a minute without
reading the pipe.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent("""
    import multiprocessing, os, sys, time

    def busy(conn):
        from designer.core.curves.worker import exit_with_parent
        exit_with_parent()
        conn.send("started")
        time.sleep(60)  # a piece of work that never looks at the pipe

    if __name__ == "__main__":
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        child = context.Process(target=busy, args=(theirs,))
        child.start()
        ours.recv()
        print(child.pid, flush=True)
        time.sleep(60)
""")


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's new parent may not reap it at once)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_the_worker_exits_when_its_parent_is_killed(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(SCRIPT)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, env=env,
                              text=True)
    child = 0
    try:
        child = int(parent.stdout.readline())
        assert _running(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while _running(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _running(child), "the worker outlived its killed parent"
    finally:
        parent.kill()
        if child and _running(child):
            os.kill(child, signal.SIGKILL)
