"""Crash recovery end to end: the real app in a subprocess is edited, autosaves, is killed with
SIGKILL, and the next start recovers the design exactly; a start after that declines and
finds nothing left behind.

The app runs offscreen with HOME and the XDG folders in a temporary directory, so
QStandardPaths (autosaves, settings) is isolated. Edits come from LR_DESIGNER_TEST_EDIT,
answers to the recovery question from LR_DESIGNER_RECOVER, and the window's state from
LR_DESIGNER_STATE_FILE (designer/ui/files/autosave.py, designer/ui/files/recovery.py,
designer/ui/automation.py).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from designer.core.curves.engine import compute_curve
from designer.core.schedule.fileformat import dump_schedule, load_schedule_file, schedule_to_dict
from designer.core.schedule.model import Phase

EXAMPLE = Path(__file__).resolve().parents[2] / "designer" / "examples" / "step-exponential.json"
APP_DATA = ("lr-schedule-designer", "LR Schedule Designer")  # organization, application
TIMEOUT = 60


def wait_for(condition, what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class App:
    """`python -m designer` in its own process group (the curve worker dies with it)."""

    def __init__(self, home: Path, state: Path, *args: str, **extra_env: str) -> None:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(home),
                   XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
                   XDG_CACHE_HOME=str(home / "cache"), LR_DESIGNER_STATE_FILE=str(state),
                   LR_DESIGNER_AUTOSAVE_SECONDS="0.5", **extra_env)
        repo = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [repo, env.get("PYTHONPATH")]))
        for name in ("LR_DESIGNER_RECOVER", "LR_DESIGNER_TEST_EDIT", "LR_DESIGNER_SCREENSHOT"):
            if name not in extra_env:
                env.pop(name, None)
        self.state = state
        self.log = home / f"{state.stem}.log"
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "designer", *args], env=env,
                                            stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def wait_state(self, check, what: str) -> dict:
        def ready():
            if self.process.poll() is not None:
                pytest.fail(f"the app exited ({self.process.returncode}) waiting for {what}:\n"
                            + self.log.read_text(errors="replace")[-3000:])
            state = read_json(self.state)
            return state if state and check(state) else None
        return wait_for(ready, what)

    def kill(self) -> None:
        """A crash: SIGKILL to the app and its curve worker, nothing runs on the way out."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=TIMEOUT)


def test_a_killed_app_s_design_is_recovered_exactly(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    autosave_folder = home / "data" / APP_DATA[0] / APP_DATA[1] / "autosave"
    design = tmp_path / "design.json"
    design.write_bytes(EXAMPLE.read_bytes())
    on_disk = design.read_bytes()

    opened = load_schedule_file(str(design))
    first_edit = opened.resize_phase(0, 25)
    final = first_edit.insert_phase(1, Phase("CosineAnnealingLR", 40, {"eta_min": 1e-05},
                                             0.05)).with_settings(name="Tuned for an hour")
    edits = []
    for number, schedule in enumerate((first_edit, final), start=1):
        path = tmp_path / f"edit{number}.json"
        path.write_text(dump_schedule(schedule), encoding="utf-8")
        edits.append(str(path))

    apps = []
    try:
        # 1. Open, edit twice (the first edit leaves the clean state and is written at once;
        #    the second only by the 0.5 s timer), then crash.
        first = App(home, tmp_path / "state1.json", str(design),
                    LR_DESIGNER_TEST_EDIT=os.pathsep.join(edits))
        apps.append(first)

        def autosaved():
            for path in autosave_folder.glob("*.json"):
                content = read_json(path)
                if content and content["document"] == schedule_to_dict(final):
                    return path, content
            return None

        orphan, content = wait_for(autosaved, "the autosave of the final edit")
        assert content["pid"] == first.process.pid
        assert orphan.name.startswith(f"{first.process.pid}-")
        assert content["original_path"] == str(design)
        assert Path(str(orphan) + ".lock").exists()
        first.kill()
        assert orphan.exists() and design.read_bytes() == on_disk

        # 2. Start again and recover: the design is back exactly, unsaved, under its file.
        second = App(home, tmp_path / "state2.json", LR_DESIGNER_RECOVER="recover")
        apps.append(second)
        state = second.wait_state(
            lambda s: s["document"] == schedule_to_dict(final) and s["shows_document"],
            "the recovered design")
        assert np.array_equal(np.array(state["lrs"]), compute_curve(final))
        assert not orphan.exists() and not Path(str(orphan) + ".lock").exists()
        # The recovered window autosaves it under its own name at once: it is unsaved.
        [own] = wait_for(lambda: [p for p in autosave_folder.glob("*.json")
                                  if p.name.startswith(f"{second.process.pid}-")],
                         "the recovered window's own autosave")
        assert read_json(own)["original_path"] == str(design)
        assert read_json(own)["document"] == schedule_to_dict(final)
        assert design.read_bytes() == on_disk  # nothing written before the user saves
        second.kill()

        # 3. A third start declines: the second one's autosave is deleted. (Had it recovered
        #    instead, its own autosave would be in the folder before the orphan went.)
        third = App(home, tmp_path / "state3.json", LR_DESIGNER_RECOVER="discard")
        apps.append(third)
        wait_for(lambda: not any(autosave_folder.iterdir()), "an empty autosave folder")
        assert third.process.poll() is None
    finally:
        for app in apps:
            app.kill()
