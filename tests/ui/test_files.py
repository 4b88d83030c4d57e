"""Files from outside and saves that fail, in a real window: hostile drops never hang and never
touch the design; failed saves keep the old file byte for byte and say why.

The save failures are real kernel errors, also as root (which ignores folder permissions):
a vanished folder, a path under a file, a folder as target, a file size limit (the disk is
full, as far as the process can tell), and a read-only folder, which as root runs in a child
process stripped of the capability that lets root write anywhere.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from designer.core.schedule import edits
from designer.core.schedule.fileformat import MAX_FILE_BYTES, dump_schedule, load_schedule_file
from designer.ui import MainWindow
from designer.ui.files.files import read_schedule_file, write_atomic

EXAMPLE = Path(__file__).resolve().parents[2] / "designer" / "examples" / "step-exponential.json"


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    win = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    win.messages = []
    win.asked = []
    win.files.warn = lambda title, text: win.messages.append(text)
    win.files.ask_save_changes = lambda action: win.asked.append(action) or QMessageBox.Discard
    qtbot.addWidget(win)
    win.show()
    assert win.open_path(str(EXAMPLE))
    return win


def drop(window, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(400, 300), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window, QDropEvent(QPointF(400, 300), Qt.CopyAction, mime,
                                              Qt.LeftButton, Qt.NoModifier))


def _symlink_loop(tmp_path: Path) -> Path:
    (tmp_path / "loop-a").symlink_to(tmp_path / "loop-b")
    (tmp_path / "loop-b").symlink_to(tmp_path / "loop-a")
    return tmp_path / "loop-a"


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    # If opening it ever blocks, a writer shows up after 5 s so the test fails instead of
    # hanging the suite.
    def unblock():
        time.sleep(5)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
        except OSError:
            pass

    threading.Thread(target=unblock, daemon=True).start()
    return path


def _socket(tmp_path: Path) -> Path:
    path = tmp_path / "s.json"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()
    return path


def _huge(tmp_path: Path) -> Path:
    path = tmp_path / "huge.json"
    with open(path, "wb") as out:
        out.truncate(50 * 1024 * 1024)  # sparse: 50 MB of zeros, no disk used
    return path


def _write(name: str, content: bytes):
    def make(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_bytes(content)
        return path
    return make


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "folder.json").mkdir()
    return tmp_path / "folder.json"


HOSTILE = {
    "binary": (_write("random.json", bytes(range(256)) * 64), "not UTF-8"),
    "empty": (_write("empty.json", b""), "empty"),
    "huge": (_huge, "too large"),
    "folder": (_folder, "is a folder"),
    "fifo": (_fifo, "named pipe"),
    "socket": (_socket, "socket"),
    "device": (lambda tmp_path: Path("/dev/zero"), "device"),
    "symlink-loop": (_symlink_loop, "symbolic links"),
    "missing": (lambda tmp_path: tmp_path / "gone.json", "No such file"),
    "hostile-json": (_write("deep.json", b"[" * 200_000), "nested too deeply"),
    "wrong-field": (_write("bad.json", dump_schedule(load_schedule_file(str(EXAMPLE)))
                           .replace('"gamma": 0.5', '"gamma": -1').encode()),
                    "phases[0].params.gamma"),
    "expression-attack": (_write("attack.json", json.dumps({
        "format": "lr-schedule-designer", "version": 1, "optimizer": {"name": "SGD", "lr": 0.1},
        "phases": [{"scheduler": "LambdaLR", "steps": 5,
                    "params": {"lr_lambda": "__import__('os').system('touch /tmp/pwned')"}}],
    }).encode()), "phases[0].params.lr_lambda"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_dropping_a_hostile_file_says_why_and_keeps_the_unsaved_design(window, tmp_path, case):
    make, words = HOSTILE[case]
    path = make(tmp_path)
    if not os.path.lexists(path) and case != "missing":
        pytest.skip(f"{path} is not available here")
    # Unsaved work that must survive the drop.
    window.document.apply(edits.resize_phase(window.document.schedule, 0, 7))
    before = window.document.schedule
    started = time.perf_counter()
    drop(window, path)
    assert time.perf_counter() - started < 2.0
    assert window.document.schedule == before
    assert not window.document.undo_stack.isClean()
    assert window.document.path == str(EXAMPLE)
    assert len(window.messages) == 1 and words in window.messages[0], window.messages
    assert window.asked == []  # nothing to save-or-discard for a file that cannot open


def test_the_reader_refuses_before_reading(tmp_path):
    huge = _huge(tmp_path)
    with pytest.raises(Exception) as info:
        read_schedule_file(str(huge))
    assert f"{50 * 1024 * 1024:,} bytes" in str(info.value)
    just_too_big = tmp_path / "big.json"
    just_too_big.write_bytes(b" " * (MAX_FILE_BYTES + 1))
    with pytest.raises(Exception, match="too large"):
        read_schedule_file(str(just_too_big))


def test_dropping_a_good_file_on_an_unsaved_design_asks_first(window, tmp_path):
    window.document.apply(edits.resize_phase(window.document.schedule, 0, 7))
    other = tmp_path / "other.json"
    other.write_text((EXAMPLE.parent / "one-cycle.json").read_text())
    drop(window, other)
    assert window.asked == ["opening another design"]
    assert window.document.schedule == load_schedule_file(str(other))
    assert window.messages == []


# Failed saves ----------------------------------------------------------------------------------

def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".lr-designer-")]


def _edit_and_save_as(window, target) -> bool:
    window.document.apply(edits.resize_phase(window.document.schedule, 0, 9))
    return window.files.save_as(str(target))


def _assert_failed_cleanly(window, message_words, old: Path | None = None,
                           old_bytes: bytes | None = None) -> None:
    assert len(window.messages) == 1, window.messages
    for word in message_words:
        assert word in window.messages[0], window.messages[0]
    assert not window.document.undo_stack.isClean() and window.isWindowModified()
    assert window.document.path == str(EXAMPLE)
    if old is not None:
        assert old.read_bytes() == old_bytes
        assert "left unchanged" in window.messages[0]
        assert _leftovers(old.parent) == []


def test_saving_into_a_vanished_folder(window, tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    folder.rmdir()
    assert not _edit_and_save_as(window, folder / "design.json")
    _assert_failed_cleanly(window, ["does not exist", "Nothing was written"])


def test_saving_under_a_file(window, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    assert not _edit_and_save_as(window, blocker / "design.json")
    _assert_failed_cleanly(window, ["is a file, not a folder"])
    assert blocker.read_text() == "a file, not a folder"


def test_saving_onto_a_folder(window, tmp_path):
    folder = tmp_path / "design.json"
    folder.mkdir()
    (folder / "keep.txt").write_text("x")
    assert not _edit_and_save_as(window, folder)
    _assert_failed_cleanly(window, ["is a folder"])
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
    assert _leftovers(tmp_path) == []


def test_a_full_disk_keeps_the_old_file(window, tmp_path):
    target = tmp_path / "design.json"
    target.write_bytes(EXAMPLE.read_bytes())
    old = target.read_bytes()
    window.document.apply(edits.resize_phase(window.document.schedule, 0, 9))
    # The kernel refuses to grow any file past the limit (EFBIG), root included: for the
    # process, the disk is full. SIGXFSZ would kill the process, so it is ignored meanwhile.
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, hard))
    try:
        saved = window.files.save_as(str(target))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    assert not saved
    _assert_failed_cleanly(window, ["disk is full"], target, old)


def test_a_design_the_loader_would_refuse_is_not_saved(window, tmp_path):
    target = tmp_path / "design.json"
    target.write_bytes(EXAMPLE.read_bytes())
    old = target.read_bytes()
    window.document.apply(edits.insert_scheduler(window.document.schedule, "OneCycleLR", 0, 50))
    window.document.edit("total", window.document.schedule.set_param(0, "total_steps", 10))
    assert not window.files.save_as(str(target))
    assert "cannot be saved as it is" in window.messages[0]
    assert "total_steps" in window.messages[0]
    assert target.read_bytes() == old and _leftovers(tmp_path) == []


def test_atomic_save_writes_through_symlinks_and_keeps_the_mode(window, tmp_path):
    real = tmp_path / "real.json"
    real.write_bytes(EXAMPLE.read_bytes())
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert _edit_and_save_as(window, link)
    assert link.is_symlink() and load_schedule_file(str(real)) == window.document.schedule
    assert real.stat().st_mode & 0o777 == 0o640
    assert _leftovers(tmp_path) == []


def test_an_interrupted_replace_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "design.json"
    target.write_text("old")

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(str(target), "new")
    assert target.read_text() == "old" and _leftovers(tmp_path) == []


# Read-only folder: directly when not root; as root in a child without CAP_DAC_OVERRIDE.

CHILD = """
import json, os, sys
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from designer.core.schedule import edits
from designer.ui import MainWindow
folder, settings = sys.argv[1], sys.argv[2]
try:
    open(os.path.join(folder, "probe"), "w").close()
    print(json.dumps({"can_write": True}))
    raise SystemExit
except PermissionError:
    pass
window = MainWindow(QSettings(settings, QSettings.IniFormat))
messages = []
window.files.warn = lambda title, text: messages.append(text)
assert window.open_path(os.path.join(folder, "design.json"))
window.document.apply(edits.resize_phase(window.document.schedule, 0, 9))
saved = window.files.save()
print(json.dumps({"can_write": False, "saved": saved, "messages": messages,
                  "modified": not window.document.undo_stack.isClean()}))
window.document.undo_stack.setClean()
"""

# Drop the capabilities that let root ignore file permissions from the bounding set, then
# exec: the new image runs as root, yet the kernel applies the folder's mode to it.
DROP_AND_EXEC = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
    if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
        raise SystemExit(f"prctl: errno {ctypes.get_errno()}")
os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
"""


def _read_only_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "read-only"
    folder.mkdir()
    (folder / "design.json").write_bytes(EXAMPLE.read_bytes())
    folder.chmod(0o555)
    return folder


def test_saving_into_a_read_only_folder(window, tmp_path, subprocess_env):
    folder = _read_only_folder(tmp_path)
    old = (folder / "design.json").read_bytes()
    try:
        if os.geteuid() != 0:
            assert window.open_path(str(folder / "design.json"))
            window.document.apply(edits.resize_phase(window.document.schedule, 0, 9))
            assert not window.files.save()
            messages, modified = window.messages, not window.document.undo_stack.isClean()
        else:
            script = tmp_path / "child.py"
            script.write_text(CHILD)
            env = dict(subprocess_env, XDG_DATA_HOME=str(tmp_path / "child-data"))
            run = subprocess.run(
                [sys.executable, "-c", DROP_AND_EXEC, str(script), str(folder),
                 str(tmp_path / "child.ini")],
                env=env, capture_output=True, text=True, timeout=120, check=False)
            if run.returncode and "prctl" in run.stderr:
                pytest.skip("cannot drop CAP_DAC_OVERRIDE here: " + run.stderr.strip())
            assert run.returncode == 0, run.stderr
            result = json.loads(run.stdout.strip().splitlines()[-1])
            assert result["can_write"] is False, "the child could still write: not a real test"
            assert result["saved"] is False
            messages, modified = result["messages"], result["modified"]
    finally:
        folder.chmod(0o755)
    assert len(messages) == 1
    assert "Permission denied" in messages[0] and "read-only" in messages[0], messages
    assert str(folder) in messages[0] and "left unchanged" in messages[0]
    assert modified
    assert (folder / "design.json").read_bytes() == old
    assert sorted(p.name for p in folder.iterdir()) == ["design.json"]


@pytest.mark.skipif(not os.path.isdir("/sys/kernel"), reason="needs sysfs")
def test_saving_into_a_system_folder_nobody_may_write(window):
    # sysfs refuses new files to everyone, root included: a real read-only folder.
    assert not _edit_and_save_as(window, "/sys/kernel/lr-designer-test.json")
    _assert_failed_cleanly(window, ["/sys/kernel"])
    assert "read-only" in window.messages[0] or "Permission denied" in window.messages[0]


def test_libc_prctl_is_reachable():
    # The read-only test's root path needs prctl; make a missing libc loud, not a skip.
    assert hasattr(ctypes.CDLL(None), "prctl")


def test_lrs_near_the_float_maximum_stream_into_the_preview(window):
    # pyqtgraph's autorange of such lrs overflows to infinity and raises ("Cannot set
    # range [-inf, inf]"); the preview sets a finite range over the whole schedule instead.
    schedule = window.document.schedule
    huge = np.full(2, np.finfo(np.float64).max)
    window.preview.show_partial(schedule, huge)
    view_box = window.preview.plot_widget.getPlotItem().getViewBox()
    (x_min, x_max), (y_min, y_max) = view_box.viewRange()
    assert (x_min, x_max) == (0, schedule.total_steps)
    assert math.isfinite(y_min) and math.isfinite(y_max) and y_min <= 0 < y_max
    assert view_box.autoRangeEnabled() == [False, False]
    assert not window.preview.plot_widget.grab().isNull()  # painted without raising
    assert np.array_equal(window.preview.curve()[1], huge)


def test_import_scheduler_code_into_a_new_design(window, tmp_path):
    from designer.core.curves.engine import compute_curve

    snippet = tmp_path / "train.py"
    snippet.write_text(
        "import torch\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)\n"
        "scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)\n"
        "for epoch in range(90):\n"
        "    train()\n"
        "    scheduler.step()\n")
    assert window.files.import_python_path(str(snippet))
    schedule = window.document.schedule
    assert [p.scheduler for p in schedule.phases] == ["StepLR"]
    assert schedule.phases[0].steps == 90 and window.document.path == ""
    assert window.flush_preview(60)
    assert np.array_equal(window.preview_curve()[1], compute_curve(schedule))
    before = window.document.schedule
    hostile = tmp_path / "custom.py"
    hostile.write_text("import os\nos.system('echo no')\nscheduler = MyScheduler(optimizer)\n")
    assert not window.files.import_python_path(str(hostile))
    assert window.document.schedule == before


def test_import_of_a_torch_quirk_shows_the_snippets_own_curve_too(window):
    from designer.core.curves.engine import compute_curve
    from designer.core.importing.python import import_python

    snippet = Path("tests/data/import_corpus/onecycle_in_sequential.py")
    expected = import_python(snippet.read_text(encoding="utf-8"), name=snippet.stem)
    assert expected.original_curve_differs
    assert window.files.import_python_path(str(snippet))
    assert "snippet's own curve" in window.messages[-1]
    compare = window.compare
    assert compare.reference is not None and compare.pins == []
    assert compare.wait(60) and window.flush_preview(60)
    QApplication.processEvents()
    # Both curves, each exact: the design's per-phase one and torch's SequentialLR one.
    assert np.array_equal(window.preview_curve()[1], compute_curve(window.document.schedule))
    assert np.array_equal(compare.reference.lrs, expected.original_curve())
    assert not np.array_equal(compare.reference.lrs, window.preview_curve()[1])
    assert "snippet as written" in compare.readout(5, float(window.preview_curve()[1][5]))
    assert dump_schedule(window.document.schedule) == dump_schedule(expected.schedule)
    # Not part of the design: not saved, and gone with the next design.
    window.findChild(QAction, "actionHideReference").trigger()
    assert compare.reference is None
    assert window.files.import_python_path(str(snippet))
    window.files.new_from_schedule(window.document.schedule.with_settings(name="x"))
    assert compare.reference is None


@pytest.mark.parametrize("case", ["fifo", "device", "huge"])
def test_importing_a_hostile_snippet_says_why_at_once(window, tmp_path, case):
    """The snippet reader is the schedule reader's: a FIFO or /dev/zero never blocks or
    floods the window, a file over MAX_SNIPPET_BYTES is refused before it is read."""
    make, words = {"fifo": (_fifo, "named pipe"), "device": (HOSTILE["device"][0], "device"),
                   "huge": (_huge, "too large")}[case]
    path = make(tmp_path)
    before = window.document.schedule
    started = time.perf_counter()
    assert not window.files.import_python_path(str(path))
    assert time.perf_counter() - started < 2.0
    assert window.document.schedule == before
    assert len(window.messages) == 1 and words in window.messages[0], window.messages
