"""End to end with real X input: start `lr-designer` on Xvfb and drive it with xdotool.

Drag a palette item onto the timeline, resize a block by its right edge, undo with Ctrl+Z,
and check the resulting document and the curve the window shows against the engine.
The app reports its state through LR_DESIGNER_STATE_FILE (designer/ui/automation.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from designer.core.curves.engine import compute_curve
from designer.core.schedule.fileformat import schedule_from_dict

pytestmark = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xdotool")),
    reason="needs Xvfb and xdotool (.ci/run installs them)")

DESIGN = {
    "format": "lr-schedule-designer", "version": 1,
    "optimizer": {"name": "SGD", "lr": 0.1},
    "interval": "step",
    "phases": [
        {"scheduler": "LinearLR", "steps": 100, "params": {"start_factor": 0.1}},
        {"scheduler": "CosineAnnealingLR", "steps": 300, "params": {}},
    ],
}


def _free_display() -> int:
    for number in range(99, 160):
        if not os.path.exists(f"/tmp/.X11-unix/X{number}") and not os.path.exists(
                f"/tmp/.X{number}-lock"):
            return number
    raise RuntimeError("no free X display number")


@pytest.fixture
def x_display():
    number = _free_display()
    server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1400x900x24", "-nolisten",
                               "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not os.path.exists(f"/tmp/.X11-unix/X{number}"):
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            pytest.fail("Xvfb did not start")
        time.sleep(0.05)
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


class App:
    def __init__(self, display: str, tmp_path: Path) -> None:
        self.display = display
        self.state_file = tmp_path / "state.json"
        design = tmp_path / "design.json"
        design.write_text(json.dumps(DESIGN))
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb",
                   LR_DESIGNER_STATE_FILE=str(self.state_file),
                   XDG_CONFIG_HOME=str(tmp_path / "config"))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "designer", str(design)], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    def wait_for(self, predicate, what: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"app exited: {self.process.stdout.read().decode()}")
            state = self.state()
            # Only settled states count: the curve shown is the document's.
            if state and state["shows_document"] and predicate(state):
                return state
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {what}; last state: "
                    f"{json.dumps(self.state().get('document'))}")

    def xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], check=True, env=dict(os.environ, DISPLAY=self.display))

    def drag(self, start: tuple[int, int], end: tuple[int, int], steps: int = 12) -> None:
        self.xdotool("mousemove", str(start[0]), str(start[1]))
        time.sleep(0.2)
        self.xdotool("mousedown", "1")
        for i in range(1, steps + 1):
            x = start[0] + (end[0] - start[0]) * i // steps
            y = start[1] + (end[1] - start[1]) * i // steps
            self.xdotool("mousemove", str(x), str(y))
            time.sleep(0.05)
        time.sleep(0.2)
        self.xdotool("mouseup", "1")

    def close(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


def _centre(rect: list[int]) -> tuple[int, int]:
    return rect[0] + rect[2] // 2, rect[1] + rect[3] // 2


def _assert_shows_exact_curve(state: dict) -> None:
    schedule = schedule_from_dict(state["document"])
    assert state["shows_document"]
    assert np.array_equal(np.array(state["lrs"]), compute_curve(schedule))


def test_drag_from_palette_resize_and_undo_with_real_input(x_display, tmp_path):
    app = App(x_display, tmp_path)
    try:
        state = app.wait_for(lambda s: len(s["document"]["phases"]) == 2 and s["blocks"]
                             and s["blocks"][0][2] > 0, "the window")
        _assert_shows_exact_curve(state)

        # 1. Drag StepLR from the palette to the right end of the timeline.
        source = _centre(state["palette_items"]["StepLR"])
        tx, ty, tw, th = state["timeline"]
        last = state["blocks"][-1]
        target = (min(last[0] + last[2] - 4, tx + tw - 4), ty + th // 2)
        app.drag(source, target)
        state = app.wait_for(lambda s: len(s["document"]["phases"]) == 3, "the dropped phase")
        assert [p["scheduler"] for p in state["document"]["phases"]] == [
            "LinearLR", "CosineAnnealingLR", "StepLR"]
        _assert_shows_exact_curve(state)

        # 2. Resize the first block by dragging its right edge to the right.
        block = state["blocks"][0]
        edge = (block[0] + block[2] - 2, block[1] + block[3] // 2)
        app.drag(edge, (edge[0] + max(40, block[2] // 2), edge[1]))
        state = app.wait_for(lambda s: s["document"]["phases"][0]["steps"] > 100,
                             "the resized phase")
        resized = state["document"]["phases"][0]["steps"]
        assert resized > 100 and state["document"]["phases"][1]["steps"] == 300
        _assert_shows_exact_curve(state)
        undo_index = state["undo_index"]

        # 3. Ctrl+Z undoes the whole resize gesture in one step.
        app.xdotool("key", "ctrl+z")
        state = app.wait_for(lambda s: s["document"]["phases"][0]["steps"] == 100,
                             "the undone resize")
        assert state["undo_index"] == undo_index - 1
        assert [p["scheduler"] for p in state["document"]["phases"]] == [
            "LinearLR", "CosineAnnealingLR", "StepLR"]
        _assert_shows_exact_curve(state)
    finally:
        app.close()
