"""Recovering the designs autosaved by a session that ended unexpectedly.

Each window's `Autosaver` (`designer.ui.files.autosave`) holds a lock beside its autosave for
as long as the window lives. After a crash the lock's owner is dead, which makes the lock
stale. At start `offer_recovery` lists the autosaves whose lock it can take over
(`find_recoverable`), asks the user about each (Recover, Discard, Later: `ask_recovery`) and
cleans up what was recovered or discarded. Autosaves whose owner is alive, or that this
version cannot read, are never touched. A design the window held but the strict loader
refuses is still recovered (`schedule_from_autosave`).

Environment (tests and automation):
    LR_DESIGNER_RECOVER           recover | discard | later: answer the recovery question
                                  without a dialog. Automated runs (LR_DESIGNER_STATE_FILE or
                                  LR_DESIGNER_SCREENSHOT set) answer "later" unless told.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QLockFile
from PySide6.QtWidgets import QMessageBox

from designer.core.safe_io import read_regular_file
from designer.core.schedule import migrations
from designer.core.schedule.catalog import CHAINED, SCHEDULERS, count_text
from designer.core.schedule.checks import check_params, check_start
from designer.core.schedule.file_phases import phase_from_doc
from designer.core.schedule.file_training import steps_from_doc
from designer.core.schedule.fileformat import (
    MAX_FILE_BYTES,
    load_schedule,
    schedule_from_dict,
)
from designer.core.schedule.model import RESTART, Phase, Schedule, ScheduleError
from designer.ui.files.autosave import AUTOSAVE_VERSION, autosave_directory, is_live

RECOVER_ENV = "LR_DESIGNER_RECOVER"
RECOVER, DISCARD, LATER = "recover", "discard", "later"

# Windows opened for recovered designs; run_app does not know about them.
_RECOVERED_WINDOWS: list = []


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
        if not name.endswith(".json") or is_live(path):
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
    if isinstance(info, tuple) and info and info[0] == os.getpid() and not is_live(path):
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
        if scheduler == CHAINED:  # every member's values checked, no rules across them
            phases.append(phase_from_doc(entry, path))
            continue
        if not isinstance(scheduler, str) or scheduler not in SCHEDULERS:
            raise ScheduleError(f"{path}.scheduler", "unknown scheduler")
        steps, length = steps_from_doc(steps, path)  # a fraction, epochs or "rest" kept
        params = entry.get("params", {})
        if not isinstance(params, dict):
            raise ScheduleError(f"{path}.params", "must be an object")
        phases.append(Phase(scheduler, steps, check_params(scheduler, params, f"{path}.params"),
                            check_start(entry.get("start", RESTART), f"{path}.start"),
                            length=length))
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
