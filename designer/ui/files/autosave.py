"""Autosave of unsaved designs, and recovering them after a crash.

Each window's `Autosaver` keeps the window's unsaved design in its own file,
``<AppDataLocation>/autosave/<pid>-<uuid>.json``, guarded by a QLockFile beside it
(``….json.lock``) that the window holds for as long as it lives. The file is written when the
design first differs from the saved one (the undo stack leaves its clean state) and then every
30 seconds while it keeps changing; it is removed when the design is clean again (saved, or
undone back) and when the window closes. Every window has its own file and lock, so two
windows or two app instances never write over each other's autosaves.

After a crash the lock's owner is dead, which makes the lock stale. At start `offer_recovery`
lists the autosaves whose lock it can take over (`find_recoverable`), asks the user about
each (Recover, Discard, Later) and cleans up what was recovered or discarded. Autosaves
whose owner is alive, or that this version cannot read, are never touched.

Environment (tests and automation):
    LR_DESIGNER_AUTOSAVE_SECONDS  autosave interval, default 30.
    LR_DESIGNER_RECOVER           recover | discard | later: answer the recovery question
                                  without a dialog. Automated runs (LR_DESIGNER_STATE_FILE or
                                  LR_DESIGNER_SCREENSHOT set) answer "later" unless told.
    LR_DESIGNER_TEST_EDIT         test-only: schedule files, separated by os.pathsep; each is
                                  applied to the design as one undoable edit, 300 ms apart,
                                  so an end-to-end test can edit the app without driving input.
"""

from __future__ import annotations

import html
import json
import os
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from designer.core.safe_io import read_regular_file, read_schedule_file, write_atomic
from designer.core.schedule import migrations
from designer.core.schedule.catalog import SCHEDULERS, count_text
from designer.core.schedule.fileformat import (
    MAX_FILE_BYTES,
    check_params,
    check_start,
    load_schedule,
    schedule_from_dict,
    schedule_to_dict,
)
from designer.core.schedule.model import RESTART, Phase, Schedule, ScheduleError

AUTOSAVE_VERSION = 1
INTERVAL_ENV = "LR_DESIGNER_AUTOSAVE_SECONDS"
RECOVER_ENV = "LR_DESIGNER_RECOVER"
TEST_EDIT_ENV = "LR_DESIGNER_TEST_EDIT"
DEFAULT_INTERVAL_SECONDS = 30.0
RECOVER, DISCARD, LATER = "recover", "discard", "later"

# Autosave files of Autosavers alive in this process: never offered for recovery.
_LIVE: set[str] = set()
# Windows opened for recovered designs; run_app does not know about them.
_RECOVERED_WINDOWS: list = []


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


# Recovery ---------------------------------------------------------------------------------

@dataclass
class Recoverable:
    """An orphaned autosave; this process holds its lock until `discard` or `release`."""

    path: str
    schedule: Schedule
    original_path: str
    saved_at: datetime | None
    lock: QLockFile

    @property
    def title(self) -> str:
        return (self.schedule.name or os.path.basename(self.original_path)
                or "Untitled design")

    def saved_text(self) -> str:
        if self.saved_at is None:
            return "unknown time"
        return self.saved_at.astimezone().strftime("%a %d %b %Y, %H:%M:%S")

    def discard(self) -> None:
        """Delete the autosave and its lock."""
        try:
            os.unlink(self.path)
        except OSError:
            pass
        self.release()

    def release(self) -> None:
        """Leave the autosave for a later start."""
        self.lock.unlock()


def find_recoverable(directory: str | None = None) -> list[Recoverable]:
    """Autosaves left by dead processes (stale locks), newest first, their locks taken."""
    directory = directory or autosave_directory()
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    found = []
    for name in names:
        path = os.path.join(directory, name)
        if name.endswith(".json.lock") and name[:-5] not in names:
            _remove_stale_lock(path)
        if not name.endswith(".json") or path in _LIVE:
            continue
        lock = _take_lock(path)
        if lock is None:
            continue  # its window is alive, in this or another process
        try:
            found.append(_read_autosave(path, lock))
        except (OSError, ValueError, ScheduleError, RecursionError, MemoryError):
            lock.unlock()  # unreadable here (a newer version's?): leave it as it is
    found.sort(key=lambda entry: entry.saved_at.timestamp() if entry.saved_at else 0.0,
               reverse=True)
    return found


def _take_lock(path: str) -> QLockFile | None:
    lock = QLockFile(path + ".lock")
    lock.setStaleLockTime(0)
    if lock.tryLock(0):
        return lock
    info = lock.getLockInfo()
    # A lock naming this very process but no live Autosaver belongs to an earlier process
    # that had the same pid (pids are reused); Qt cannot tell, since the pid is running.
    if isinstance(info, tuple) and info and info[0] == os.getpid() and path not in _LIVE:
        lock.removeStaleLockFile()
        if lock.tryLock(0):
            return lock
    return None


def _remove_stale_lock(path: str) -> None:
    lock = QLockFile(path)
    lock.setStaleLockTime(0)
    if lock.tryLock(0):
        lock.unlock()


def _read_autosave(path: str, lock: QLockFile) -> Recoverable:
    # Only regular files, opened non-blocking: a FIFO named *.json would block the start.
    data = read_regular_file(path, 2 * MAX_FILE_BYTES, "autosave")
    envelope = json.loads(data.decode("utf-8"))
    if not isinstance(envelope, dict) or envelope.get("autosave") != AUTOSAVE_VERSION:
        raise ValueError("not an autosave this version writes")
    original = envelope.get("original_path")
    original = original if isinstance(original, str) else ""
    try:
        saved_at = datetime.fromisoformat(envelope.get("saved_at"))
    except (TypeError, ValueError):
        saved_at = None
    schedule = schedule_from_autosave(envelope.get("document"))
    return Recoverable(path, schedule, original, saved_at, lock)


def schedule_from_autosave(document: Any) -> Schedule:
    """The design an autosave holds.

    The window can hold designs the loader refuses as files (a OneCycleLR phase longer than
    its total_steps: the preview shows torch's complaint until the user fixes it), and those
    must survive a crash too. So when the strict loader refuses the document, it is read
    again with every value still checked but without the rules across parameters and phases.
    """
    try:
        return load_schedule(json.dumps(document, allow_nan=False))
    except (ScheduleError, ValueError, TypeError) as strict:
        try:
            return _relaxed_schedule(migrations.migrate(document))
        except ScheduleError:
            if isinstance(strict, ScheduleError):
                raise strict from None
            raise ScheduleError("", str(strict)) from None


def _relaxed_schedule(document: Any) -> Schedule:
    if not isinstance(document, dict) or not isinstance(document.get("phases"), list):
        raise ScheduleError("phases", "must be a list of phases")
    base = schedule_from_dict({**document, "phases": []})
    phases = []
    for index, entry in enumerate(document["phases"]):
        path = f"phases[{index}]"
        if not isinstance(entry, dict):
            raise ScheduleError(path, "must be an object")
        scheduler, steps = entry.get("scheduler"), entry.get("steps")
        if not isinstance(scheduler, str) or scheduler not in SCHEDULERS:
            raise ScheduleError(f"{path}.scheduler", "unknown scheduler")
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
            raise ScheduleError(f"{path}.steps", "must be a positive integer")
        params = entry.get("params", {})
        if not isinstance(params, dict):
            raise ScheduleError(f"{path}.params", "must be an object")
        phases.append(Phase(scheduler, steps, check_params(scheduler, params, f"{path}.params"),
                            check_start(entry.get("start", RESTART), f"{path}.start")))
    return replace(base, phases=tuple(phases))


def ask_recovery(parent, entry: Recoverable) -> str:
    """The recovery question: RECOVER, DISCARD or LATER. Tests replace this hook."""
    box = QMessageBox(parent)
    box.setObjectName("recoveryDialog")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Recover unsaved design")
    box.setText(f"<b>{_shown(entry.title)}</b> has unsaved changes from a session that "
                "ended unexpectedly.")
    where = _shown(entry.original_path, 120) if entry.original_path else "never saved"
    phases = len(entry.schedule.phases)
    box.setInformativeText(
        f"File: {where}<br>Autosaved: {html.escape(entry.saved_text())}<br>"
        f"{phases} phase{'s' if phases != 1 else ''}, "
        f"{count_text(entry.schedule.total_steps, entry.schedule.interval)}"
        "<br><br>Recover opens it unsaved; Discard deletes it; Later asks again next time.")
    recover = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    later = box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(recover)
    box.setEscapeButton(later)
    box.exec()
    return {recover: RECOVER, discard: DISCARD}.get(box.clickedButton(), LATER)


def _shown(text: str, limit: int = 80) -> str:
    """Text from a file, safe and short enough for a dialog's rich text."""
    text = " ".join(text.split())
    return html.escape(text if len(text) <= limit else text[:limit - 1] + "…")


def _answer_from_environment():
    answer = os.environ.get(RECOVER_ENV, "").strip().lower()
    if answer not in (RECOVER, DISCARD, LATER):
        from designer.ui.automation import SCREENSHOT_ENV, STATE_ENV

        if not (os.environ.get(STATE_ENV) or os.environ.get(SCREENSHOT_ENV)):
            return None
        answer = LATER  # nobody is there to answer a dialog
    return lambda parent, entry: answer


def offer_recovery(window, ask=None, directory: str | None = None) -> list:
    """Ask about every orphaned autosave. Recovered designs open unsaved: in `window` if it
    holds nothing yet, otherwise in a new window. Returns the windows they opened in."""
    ask = ask or _answer_from_environment() or ask_recovery
    opened = []
    for entry in find_recoverable(directory):
        answer = ask(window, entry)
        if answer == RECOVER:
            target = window if _untouched(window) else _new_window(window)
            recover_into(target, entry)
            opened.append(target)
        elif answer == DISCARD:
            entry.discard()
        else:
            entry.release()
    return opened


def recover_into(window, entry: Recoverable) -> None:
    """Open the design unsaved, under its original file (Save writes there only when the user
    saves), then delete the orphan: the window's own autosave already holds the design."""
    document = window.document
    document.reset(entry.schedule, entry.original_path)
    document.undo_stack.resetClean()  # modified: leaves the clean state, autosaves
    autosaver = getattr(window, "autosaver", None)
    if autosaver is not None:
        autosaver.autosave()
    entry.discard()
    window.statusBar().showMessage(f"Recovered unsaved changes from {entry.saved_text()}",
                                   10000)


def _untouched(window) -> bool:
    document = window.document
    return (not document.path and document.undo_stack.count() == 0
            and document.schedule == Schedule())


def _new_window(window):
    other = type(window)(window.settings)
    other.show()
    _RECOVERED_WINDOWS.append(other)
    return other


def _install_test_edit(window) -> None:
    """LR_DESIGNER_TEST_EDIT (tests only): scripted edits, so a subprocess app can be edited."""
    value = os.environ.get(TEST_EDIT_ENV)
    if not value:
        return
    for number, path in enumerate(value.split(os.pathsep), start=1):
        def edit(path: str = path) -> None:
            window.document.edit("Scripted edit", read_schedule_file(path))

        QTimer.singleShot(300 * number, window, edit)
