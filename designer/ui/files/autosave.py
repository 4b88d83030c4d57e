"""Autosave of unsaved designs: what the file holds, when it is written, and its lock.

Each window's `Autosaver` keeps the window's unsaved design in its own file,
``<AppDataLocation>/autosave/<pid>-<uuid>.json``, guarded by a QLockFile beside it
(``….json.lock``) that the window holds for as long as it lives. The file is written when the
design first differs from the saved one (the undo stack leaves its clean state) and then every
30 seconds while it keeps changing; it is removed when the design is clean again (saved, or
undone back) and when the window closes. Every window has its own file and lock, so two
windows or two app instances never write over each other's autosaves.

After a crash the lock's owner is dead, which makes the lock stale: `designer.ui.files.recovery`
offers such autosaves at the next start.

Environment (tests and automation):
    LR_DESIGNER_AUTOSAVE_SECONDS  autosave interval, default 30.
    LR_DESIGNER_TEST_EDIT         test-only: schedule files, separated by os.pathsep; each is
                                  applied to the design as one undoable edit, 300 ms apart,
                                  so an end-to-end test can edit the app without driving input.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime
from functools import partial

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer, Signal

from designer.core.safe_io import read_schedule_file, write_atomic
from designer.core.schedule.fileformat import schedule_to_dict
from designer.core.schedule.model import Schedule

AUTOSAVE_VERSION = 1  # of the envelope around the design (see Autosaver._write)
INTERVAL_ENV = "LR_DESIGNER_AUTOSAVE_SECONDS"
TEST_EDIT_ENV = "LR_DESIGNER_TEST_EDIT"
DEFAULT_INTERVAL_SECONDS = 30.0

# Autosave files of Autosavers alive in this process: never offered for recovery.
_LIVE: set[str] = set()


def is_live(path: str) -> bool:
    """Whether an Autosaver of this process writes `path` (its window is open)."""
    return path in _LIVE


def autosave_directory() -> str:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return os.path.join(base, "autosave")


def interval_ms() -> int:
    try:
        seconds = float(os.environ.get(INTERVAL_ENV, DEFAULT_INTERVAL_SECONDS))
    except ValueError:
        seconds = DEFAULT_INTERVAL_SECONDS
    if not seconds > 0:  # also NaN
        seconds = DEFAULT_INTERVAL_SECONDS
    return max(50, int(min(seconds, 86_400) * 1000))


class Autosaver(QObject):
    """Keeps one window's unsaved design on disk. Signal `autosaved(path)` after each write."""

    autosaved = Signal(str)

    def __init__(self, window, interval: int | None = None, directory: str | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.document = window.document
        self.directory = directory or autosave_directory()
        self.path = os.path.join(self.directory, f"{os.getpid()}-{uuid.uuid4().hex}.json")
        self.last_error = ""
        self._lock: QLockFile | None = None
        self._written: tuple[Schedule, str] | None = None  # what the file holds now
        self._active = True
        _LIVE.add(self.path)
        self.destroyed.connect(partial(_LIVE.discard, self.path))
        self.timer = QTimer(self)
        self.timer.setInterval(interval if interval is not None else interval_ms())
        self.timer.timeout.connect(self.autosave)
        self.timer.start()
        self.document.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.document.changed.connect(self._on_edit)
        _install_test_edit(window)

    def autosave(self) -> None:
        """Bring the file up to date: write the unsaved design, or remove the file if clean."""
        if not self._active:
            return
        if self.document.undo_stack.isClean():
            self._remove()
            return
        state = (self.document.schedule, self.document.path)
        if self._written is not None and self._written[0] is state[0] and \
                self._written[1] == state[1]:
            return
        try:
            self._write(*state)
        except (OSError, ValueError) as exc:
            self._report(exc.strerror if isinstance(exc, OSError) and exc.strerror else
                         str(exc))
            return
        self._written = state
        self.last_error = ""
        self.autosaved.emit(self.path)

    def discard(self) -> None:
        """The window closed on purpose: remove its autosave and lock (the user decided)."""
        self._active = False
        self.timer.stop()
        self._remove()
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    def _write(self, schedule: Schedule, original_path: str) -> None:
        envelope = {
            "autosave": AUTOSAVE_VERSION,
            "pid": os.getpid(),
            "original_path": original_path,
            "saved_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "document": schedule_to_dict(schedule),
        }
        text = json.dumps(envelope, indent=1, ensure_ascii=False, allow_nan=False)
        self._hold_lock()
        write_atomic(self.path, text + "\n")

    def _hold_lock(self) -> None:
        if self._lock is not None:
            return
        os.makedirs(self.directory, exist_ok=True)
        lock = QLockFile(self.path + ".lock")
        lock.setStaleLockTime(0)  # held for the window's life; only a dead owner makes it stale
        if not lock.tryLock(0):
            raise OSError(f"cannot create the lock file {self.path}.lock ({lock.error().name})")
        self._lock = lock

    def _remove(self) -> None:
        self._written = None
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            self._report(exc.strerror or str(exc))

    def _report(self, reason: str) -> None:
        # Once per distinct problem in the status bar: a dialog every 30 s would be worse than
        # the failure, and the design itself is still in memory and savable.
        if reason != self.last_error:
            self.last_error = reason
            self.window.statusBar().showMessage(f"Autosave failed: {reason}", 15000)

    def _on_clean_changed(self, clean: bool) -> None:
        if clean:
            self._remove()
        else:
            self._resume()
            self.autosave()

    def _on_edit(self) -> None:
        if not self.document.undo_stack.isClean():
            self._resume()

    def _resume(self) -> None:
        """A window closed with its changes discarded is being edited again."""
        if not self._active:
            self._active = True
            self.timer.start()
            self.autosave()


def _install_test_edit(window) -> None:
    """LR_DESIGNER_TEST_EDIT (tests only): scripted edits, so a subprocess app can be edited."""
    value = os.environ.get(TEST_EDIT_ENV)
    if not value:
        return
    for number, path in enumerate(value.split(os.pathsep), start=1):
        def edit(path: str = path) -> None:
            window.document.edit("Scripted edit", read_schedule_file(path))

        QTimer.singleShot(300 * number, window, edit)
