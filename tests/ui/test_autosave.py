"""Autosave and recovery in real windows: what is written when, that windows and processes
never clobber each other's files, and what Recover, Discard and Later do.

The autosave folder comes from QStandardPaths, pointed at a temporary XDG_DATA_HOME, so the
tests never see (or leave) autosaves in the real user data folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from designer.core.schedule import edits
from designer.core.schedule.fileformat import load_schedule_file, schedule_to_dict
from designer.core.schedule.model import Phase, Schedule
from designer.ui import MainWindow
from designer.ui.files import recovery
from designer.ui.files.autosave import autosave_directory
from designer.ui.files.recovery import (
    DISCARD,
    LATER,
    RECOVER,
    ask_recovery,
    find_recoverable,
    offer_recovery,
    schedule_from_autosave,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "designer" / "examples"


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for name in ("LR_DESIGNER_RECOVER", "LR_DESIGNER_STATE_FILE", "LR_DESIGNER_SCREENSHOT",
                 "LR_DESIGNER_TEST_EDIT", "LR_DESIGNER_AUTOSAVE_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    directory = Path(autosave_directory())
    assert str(directory).startswith(str(tmp_path))
    return directory


@pytest.fixture
def make_window(qtbot, tmp_path, folder):
    def make() -> MainWindow:
        win = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
        win.messages = []
        win.files.warn = lambda title, text: win.messages.append(text)
        win.files.ask_save_changes = lambda action: QMessageBox.Discard
        qtbot.addWidget(win)
        win.show()
        return win
    return make


@pytest.fixture
def window(make_window):
    return make_window()


def autosaves(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.exists() else []


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def copy_example(tmp_path: Path, name: str = "step-exponential.json") -> Path:
    target = tmp_path / name
    shutil.copy(EXAMPLES / name, target)
    return target


def make_orphan(folder: Path, schedule: Schedule, original: str = "", pid: int = 999_999,
                saved_at: str = "2024-05-01T10:20:30+00:00", name: str | None = None,
                document: dict | None = None) -> Path:
    """An autosave as a crashed process leaves it: the file, and no live lock."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{pid}-0123456789abcdef.json")
    path.write_text(json.dumps({
        "autosave": 1, "pid": pid, "original_path": original, "saved_at": saved_at,
        "document": document if document is not None else schedule_to_dict(schedule),
    }), encoding="utf-8")
    return path


def test_unsaved_changes_are_autosaved_at_once_and_saving_removes_them(window, folder,
                                                                       tmp_path):
    design = copy_example(tmp_path)
    assert window.open_path(str(design))
    assert autosaves(folder) == []  # nothing unsaved, nothing written
    # Leaves the clean state: written now.
    window.document.apply(edits.resize_phase(window.document.schedule, 0, 25))
    [path] = autosaves(folder)
    assert path == Path(window.autosaver.path)
    assert path.name.startswith(f"{os.getpid()}-")
    assert Path(str(path) + ".lock").exists()
    content = read(path)
    assert content["autosave"] == 1 and content["pid"] == os.getpid()
    assert content["original_path"] == str(design)
    assert content["document"] == schedule_to_dict(window.document.schedule)
    assert abs(datetime.fromisoformat(content["saved_at"]).timestamp() - time.time()) < 60
    assert window.files.save()
    assert autosaves(folder) == []
    window.document.apply(edits.resize_phase(window.document.schedule, 0, 26))
    assert len(autosaves(folder)) == 1
    window.document.undo_stack.undo()  # back to the saved design: nothing to keep
    assert autosaves(folder) == []


def test_later_edits_are_written_by_the_timer(window, folder, qtbot):
    window.autosaver.timer.setInterval(50)
    window.open_path(str(EXAMPLES / "warmup-cosine.json"))
    window.document.apply(edits.resize_phase(window.document.schedule, 0, 10))
    [path] = autosaves(folder)
    first = read(path)["document"]
    # No clean-state change: only the timer.
    window.document.apply(edits.resize_phase(window.document.schedule, 1, 500))
    assert read(path)["document"] == first
    with qtbot.waitSignal(window.autosaver.autosaved, timeout=2000):
        pass
    assert read(path)["document"] == schedule_to_dict(window.document.schedule)


def test_the_interval_comes_from_the_environment(make_window, monkeypatch):
    assert make_window().autosaver.timer.interval() == 30_000
    monkeypatch.setenv("LR_DESIGNER_AUTOSAVE_SECONDS", "0.5")
    assert make_window().autosaver.timer.interval() == 500
    monkeypatch.setenv("LR_DESIGNER_AUTOSAVE_SECONDS", "nan")
    assert make_window().autosaver.timer.interval() == 30_000


def test_two_windows_keep_their_own_autosaves(make_window, folder):
    first, second = make_window(), make_window()
    first.open_path(str(EXAMPLES / "one-cycle.json"))
    second.open_path(str(EXAMPLES / "resnet-multistep.json"))
    first.document.apply(edits.resize_phase(first.document.schedule, 0, 100))
    second.document.apply(edits.delete_phase(second.document.schedule, 0))
    assert first.autosaver.path != second.autosaver.path
    assert read(Path(first.autosaver.path))["document"] == schedule_to_dict(
        first.document.schedule)
    assert read(Path(second.autosaver.path))["document"] == schedule_to_dict(
        second.document.schedule)
    assert find_recoverable() == []  # both owners are alive
    assert first.close()
    assert autosaves(folder) == [Path(second.autosaver.path)]
    assert not Path(first.autosaver.path + ".lock").exists()
    assert find_recoverable() == []


HOLD_LOCK = """
import sys, time
from PySide6.QtCore import QLockFile
lock = QLockFile(sys.argv[1] + ".lock")
lock.setStaleLockTime(0)
print(lock.tryLock(0), flush=True)
time.sleep(60)
"""


def test_a_live_process_s_autosave_is_never_offered_and_a_dead_one_s_is(folder,
                                                                       subprocess_env):
    path = make_orphan(folder, load_schedule_file(str(EXAMPLES / "one-cycle.json")))
    owner = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], env=subprocess_env,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout.readline().strip() == "True"
        assert find_recoverable() == []
        time.sleep(0.1)
        assert find_recoverable() == []  # however old the lock gets
    finally:
        owner.kill()
        owner.wait()
    [entry] = find_recoverable()
    assert entry.path == str(path)
    entry.release()
    assert path.exists()


def test_recover_opens_the_design_unsaved_under_its_original_file(window, folder, tmp_path):
    design = copy_example(tmp_path)
    on_disk = design.read_bytes()
    recovered = load_schedule_file(str(design)).resize_phase(0, 12)
    orphan = make_orphan(folder, recovered, str(design))
    Path(str(orphan) + ".lock").write_text("999999\npython3\nvm\n")  # its owner is long gone
    seen = []
    opened = offer_recovery(window, ask=lambda parent, entry: seen.append(entry) or RECOVER)
    assert opened == [window]
    assert seen[0].title == "Step decay, then exponential" or seen[0].title
    assert window.document.schedule == recovered
    assert window.document.path == str(design)
    assert not window.document.undo_stack.isClean() and window.isWindowModified()
    assert window.windowTitle().startswith("step-exponential.json[*]")
    assert design.read_bytes() == on_disk  # nothing is written until the user saves
    assert not orphan.exists() and not Path(str(orphan) + ".lock").exists()
    assert [p.name for p in autosaves(folder)] == [Path(window.autosaver.path).name]
    assert window.files.save()
    assert load_schedule_file(str(design)) == recovered
    assert autosaves(folder) == []


def test_an_untitled_design_recovers_untitled(window, folder):
    schedule = Schedule((Phase("ExponentialLR", 40, {"gamma": 0.9}),), name="Scratch")
    make_orphan(folder, schedule)
    offer_recovery(window, ask=lambda parent, entry: RECOVER)
    assert window.document.schedule == schedule and window.document.path == ""
    assert window.windowTitle().startswith("Untitled[*]") and window.isWindowModified()


def test_discard_deletes_and_later_keeps(window, folder):
    schedule = load_schedule_file(str(EXAMPLES / "one-cycle.json"))
    keep = make_orphan(folder, schedule, pid=11, saved_at="2024-01-01T00:00:00+00:00")
    drop = make_orphan(folder, schedule, pid=22, saved_at="2024-02-01T00:00:00+00:00")
    answers = {str(keep): LATER, str(drop): DISCARD}
    order = []
    assert offer_recovery(window, ask=lambda parent, entry: order.append(entry.path)
                          or answers[entry.path]) == []
    assert order == [str(drop), str(keep)]  # newest first
    assert autosaves(folder) == [keep]
    assert list(folder.glob("*.lock")) == []
    assert window.document.schedule == Schedule()
    [again] = find_recoverable()  # "Later" asks again next time
    assert again.path == str(keep)
    again.release()


def test_a_window_that_holds_a_file_opens_the_recovered_design_in_a_new_one(window, folder,
                                                                            qtbot):
    window.open_path(str(EXAMPLES / "warmup-cosine.json"))
    schedule = load_schedule_file(str(EXAMPLES / "one-cycle.json"))
    make_orphan(folder, schedule)
    [other] = offer_recovery(window, ask=lambda parent, entry: RECOVER)
    qtbot.addWidget(other)
    other.files.ask_save_changes = lambda action: QMessageBox.Discard
    assert other is not window and other.isVisible()
    assert other.document.schedule == schedule and other.isWindowModified()
    assert window.document.schedule == load_schedule_file(str(EXAMPLES / "warmup-cosine.json"))


def test_a_design_only_the_editor_accepts_survives_a_crash(window, folder):
    # A OneCycleLR phase longer than its total_steps: the preview shows torch's complaint and
    # Save refuses it, but the user's work must not be lost.
    window.document.apply(edits.insert_scheduler(window.document.schedule, "OneCycleLR", steps=80))
    window.document.edit("total", window.document.schedule.set_param(0, "total_steps", 20))
    window.autosaver.autosave()  # what the timer does
    [path] = autosaves(folder)
    document = read(path)["document"]
    assert schedule_from_autosave(document) == window.document.schedule
    shutil.copy(path, folder / "424242-crashed.json")
    expected = window.document.schedule
    window.document.undo_stack.setClean()
    window.close()
    fresh = type(window)(window.settings)
    try:
        offer_recovery(fresh, ask=lambda parent, entry: RECOVER)
        assert fresh.document.schedule == expected
    finally:
        fresh.document.undo_stack.setClean()
        fresh.close()
        fresh.deleteLater()


@pytest.mark.parametrize("content", [
    b"\x00\xff garbage",
    b'{"autosave": 2, "document": {}}',  # a newer version's
    b'{"autosave": 1, "document": {"format": "lr-schedule-designer", "version": 99}}',
    (b'{"autosave": 1, "document": {"format": "lr-schedule-designer", "version": 1, '
     b'"optimizer": {"name": "SGD", "lr": 0.1}, "phases": [{"scheduler": "LambdaLR", '
     b'"steps": 3, "params": {"lr_lambda": "__import__(\'os\')"}}]}}'),
])
def test_unreadable_autosaves_are_left_alone(window, folder, content):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "77-odd.json"
    path.write_bytes(content)
    asked = []
    offer_recovery(window, ask=lambda parent, entry: asked.append(entry) or DISCARD)
    assert asked == [] and path.read_bytes() == content
    assert not Path(str(path) + ".lock").exists()


def test_stale_locks_without_an_autosave_are_cleaned_up(folder):
    folder.mkdir(parents=True)
    (folder / "5-gone.json.lock").write_text("999999\npython3\nvm\n")
    assert find_recoverable() == []
    assert list(folder.iterdir()) == []


def test_answers_from_the_environment(window, folder, monkeypatch):
    schedule = load_schedule_file(str(EXAMPLES / "one-cycle.json"))
    make_orphan(folder, schedule)

    def no_dialog(parent, entry):
        raise AssertionError("a dialog in an automated run")

    monkeypatch.setattr(recovery, "ask_recovery", no_dialog)
    monkeypatch.setenv("LR_DESIGNER_STATE_FILE", "/tmp/state.json")  # automated: Later
    assert offer_recovery(window) == [] and len(autosaves(folder)) == 1
    monkeypatch.setenv("LR_DESIGNER_RECOVER", "discard")
    assert offer_recovery(window) == [] and autosaves(folder) == []
    make_orphan(folder, schedule)
    monkeypatch.setenv("LR_DESIGNER_RECOVER", "recover")
    assert offer_recovery(window) == [window]
    assert window.document.schedule == schedule


def _answer_dialog(button_text: str, screenshot: Path | None, seen: list) -> None:
    """Click a button of the modal recovery dialog once it is up (and grab it first)."""
    def poll() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, poll)
            return
        seen.append((box.windowTitle(), box.text(), box.informativeText(),
                     [b.text() for b in box.buttons()]))
        if screenshot is not None:
            box.grab().save(str(screenshot))
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(0, poll)


@pytest.mark.parametrize(("button", "answer"), [("Recover", RECOVER), ("Discard", DISCARD),
                                                ("Later", LATER)])
def test_the_recovery_dialog(window, folder, tmp_path, button, answer):
    schedule = load_schedule_file(str(EXAMPLES / "warmup-stable-decay.json"))
    make_orphan(folder, schedule, "/home/ana/runs/<wsd>.json")
    [entry] = find_recoverable()
    seen = []
    _answer_dialog(button, tmp_path / "recovery-dialog.png", seen)
    try:
        assert ask_recovery(window, entry) == answer
    finally:
        entry.release()
    [(title, text, details, buttons)] = seen
    assert title == "Recover unsaved design"
    assert schedule.name in text
    assert "/home/ana/runs/&lt;wsd&gt;.json" in details  # names are text, never markup
    assert "2024" in details and f"{len(schedule.phases)} phases" in details
    assert sorted(buttons) == ["Discard", "Later", "Recover"]
    assert (tmp_path / "recovery-dialog.png").stat().st_size > 1000


def test_autosave_failures_are_reported_once_and_never_raise(window, folder):
    folder.parent.mkdir(parents=True)
    folder.write_text("a file where the autosave folder should be")
    window.document.apply(edits.insert_scheduler(window.document.schedule, "StepLR", steps=10))
    assert window.autosaver.last_error
    assert "Autosave failed" in window.statusBar().currentMessage()
    folder.unlink()
    window.document.apply(edits.insert_scheduler(window.document.schedule, "StepLR", steps=10))
    window.autosaver.autosave()
    assert window.autosaver.last_error == ""
    assert read(Path(window.autosaver.path))["document"] == schedule_to_dict(
        window.document.schedule)


def test_closing_removes_the_autosave_and_its_lock(window, folder):
    window.document.apply(edits.insert_scheduler(window.document.schedule, "StepLR", steps=10))
    assert len(autosaves(folder)) == 1
    assert window.close()  # the user was asked, and discarded
    assert list(folder.iterdir()) == []


def test_a_hostile_file_in_the_autosave_folder_is_left_alone(folder):
    folder.mkdir(parents=True)
    deep = folder / "78-deep.json"
    deep.write_text('{"autosave": 1, "document": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert find_recoverable() == []
    assert deep.exists()


def test_a_closed_window_edited_again_autosaves_again(window, folder):
    window.document.apply(edits.insert_scheduler(window.document.schedule, "StepLR", steps=10))
    assert window.close()
    assert autosaves(folder) == []
    window.show()
    # Still unsaved.
    window.document.apply(edits.insert_scheduler(window.document.schedule, "StepLR", steps=20))
    assert read(Path(window.autosaver.path))["document"] == schedule_to_dict(
        window.document.schedule)
    window.files.new_document()
    assert window.close()  # clean this time
    window.show()
    assert autosaves(folder) == []
    # Leaves the clean state.
    window.document.apply(edits.insert_scheduler(window.document.schedule, "LinearLR", steps=5))
    assert autosaves(folder) == [Path(window.autosaver.path)]


def test_a_fifo_named_like_an_autosave_does_not_block_the_start(window, folder,
                                                                subprocess_env):
    """The scan opens only regular files, non-blocking: a FIFO without a writer would hang
    open() and with it the window's start."""
    folder.mkdir(parents=True)
    fifo = folder / "x.json"
    os.mkfifo(fifo)
    good = make_orphan(folder, load_schedule_file(str(EXAMPLES / "one-cycle.json")))
    script = ("import sys\nfrom designer.ui.files.recovery import find_recoverable\n"
              "found = find_recoverable(sys.argv[1])\n"
              "print([entry.path for entry in found])\n")
    # In a child with a timeout, so that a regression fails instead of hanging the suite.
    result = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True,
                            text=True, env=subprocess_env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr([str(good)])
    asked = []
    offer_recovery(window, ask=lambda parent, entry: asked.append(entry.path) or LATER)
    assert asked == [str(good)]
    assert fifo.exists() and not Path(str(fifo) + ".lock").exists()


def test_an_autosave_with_two_rest_phases_is_recovered_with_its_lengths(window, folder):
    """Two "rest" phases: the editor holds it (the checks report it), the strict loader
    refuses it as a file; the relaxed reader keeps every proportional length."""
    path = Path(__file__).resolve().parents[1] / "data" / "v4" / "training-warmup-ratio-rest.json"
    window.open_path(str(path))
    schedule = window.document.schedule
    two_rests = replace(schedule, phases=(schedule.phases[1], *schedule.phases[1:]))
    window.document.edit("two rests", two_rests)
    window.autosaver.autosave()
    [saved] = autosaves(folder)
    recovered = schedule_from_autosave(read(saved)["document"])
    assert recovered == window.document.schedule
    assert [phase.length for phase in recovered.phases] == [
        phase.length for phase in two_rests.phases]
    assert recovered.phases[0].length is not None  # "rest", not a fixed int
