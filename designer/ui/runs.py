"""Training runs overlaid on the design: File → Open run…, a dropped run, and live runs.

A `RunSet` holds the open runs. Each is read off the window's thread (a 1M-point TensorBoard
file takes tens of seconds in tensorboard's reader) by `core.runs.sources.read_run`, and
checked with `core.runs.check.check_logged` against the first group's curve the window
already has (pure numpy, redone whenever the design's curve changes; torch never enters the
window). A `QFileSystemWatcher` follows each run's file or folder while it is being written;
changes are debounced so that a run is read again at most once per `LIVE_INTERVAL_MS`.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from designer.core.runs.check import TOLERANCE, DesignFacts, check_logged, report_lines
from designer.core.runs.diagnosis import Frame
from designer.core.runs.series import LoggedRun, RunError
from designer.core.runs.sources import read_run
from designer.ui.theme import RUN_COLORS

# The file dialogs that pick a run's log file (File → Open run…, a plateau's metric_run).
RUN_FILTER = "Training runs (*.csv *tfevents* trainer_state.json);;All files (*)"
LIVE_INTERVAL_MS = 1000  # a live run is read again at most once a second
WATCHED_FILES = 64  # the files of a run folder watched for growth, at most


@dataclass(eq=False)
class RunOverlay:
    """One open run: where it is, its series, the last reading and its verdict."""

    path: str
    tag: str | None
    color: str
    run: LoggedRun | None = None
    result: dict | None = None
    differing: np.ndarray | None = None  # bool per logged point: differs from the design
    reading: bool = False
    stale: bool = False  # changed on disk while being read: read again
    removed: bool = False
    timer: QTimer | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return self.run.label if self.run is not None else os.path.basename(self.path)

    def report(self) -> list[str]:
        """The verdict line and the diagnosis sentence ([] before the first check)."""
        return report_lines(self.result) if self.result is not None else []


class RunSet(QObject):
    """The runs overlaid on the preview. Signals: `changed` (a run was added, removed, read
    again or checked again), `opened(RunOverlay)` (a run was read for the first time),
    `failed(str)` (a run could not be read: the one-line message).
    """

    changed = Signal()
    opened = Signal(object)
    failed = Signal(str)
    _read_done = Signal(object, object, str)  # overlay, LoggedRun or None, error (any thread)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.overlays: list[RunOverlay] = []
        self.opening: list[RunOverlay] = []  # being read for the first time
        self._curve: np.ndarray | None = None
        self._facts: DesignFacts | None = None
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_disk_change)
        self._watcher.directoryChanged.connect(self._on_disk_change)
        self._read_done.connect(self._on_read)
        self._pending: set[threading.Thread] = set()

    # Opening, closing ------------------------------------------------------------------------

    def open(self, path: str, tag: str | None = None) -> RunOverlay:
        """Start reading the run at `path` (its series `tag`); it shows when read, or
        `failed` says why it cannot be."""
        path = os.path.abspath(os.fspath(path))
        for overlay in self.overlays + self.opening:
            if overlay.path == path and overlay.tag == tag:
                self._read(overlay)
                return overlay
        taken = {o.color for o in self.overlays}
        color = next((c for c in RUN_COLORS if c not in taken),
                     RUN_COLORS[len(self.overlays) % len(RUN_COLORS)])
        overlay = RunOverlay(path, tag, color)
        overlay.timer = QTimer(self)
        overlay.timer.setSingleShot(True)
        overlay.timer.setInterval(LIVE_INTERVAL_MS)
        overlay.timer.timeout.connect(lambda o=overlay: self._read(o))
        self.opening.append(overlay)
        self._read(overlay)
        return overlay

    def find(self, path: str, tag: str | None) -> int | None:
        """The index of the run read from `path` as `tag`, if it is open."""
        path = os.path.abspath(os.fspath(path))
        return next((i for i, o in enumerate(self.overlays)
                     if (o.path, o.tag) == (path, tag)), None)

    def remove(self, index: int) -> None:
        overlay = self.overlays.pop(index)
        overlay.removed = True
        overlay.timer.stop()
        self._rewatch()
        self.changed.emit()

    def discard(self, path: str, tag: str | None) -> None:
        """Close the run read from `path` as `tag`, shown or still being opened."""
        index = self.find(path, tag)
        if index is not None:
            self.remove(index)
        path = os.path.abspath(os.fspath(path))
        for overlay in [o for o in self.opening if (o.path, o.tag) == (path, tag)]:
            overlay.removed = True
            self.opening.remove(overlay)

    def clear(self) -> None:
        while self.overlays:
            self.remove(len(self.overlays) - 1)

    def shown(self) -> list[RunOverlay]:
        """The runs that have been read (those still being read for the first time wait)."""
        return [o for o in self.overlays if o.run is not None]

    def wait(self, timeout: float = 30) -> bool:
        """Block until no run is being read (tests): True when none is."""
        for thread in list(self._pending):
            thread.join(timeout)
        from PySide6.QtCore import QCoreApplication

        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()
        return not any(o.reading for o in self.overlays + self.opening)

    # The design's curve ----------------------------------------------------------------------

    def set_design(self, schedule, first_group_lrs: np.ndarray) -> None:
        """Check every run again against this curve (the design's first group's lr)."""
        self._curve = np.asarray(first_group_lrs, dtype=np.float64)
        self._facts = DesignFacts.of(schedule)
        for overlay in self.overlays:
            self._check(overlay)
        self.changed.emit()

    def batches_per_step(self) -> int:
        """Logged steps (batches) per step of the design on the plot's x axis."""
        return self._facts.batches_per_step if self._facts is not None else 1

    # Reading -------------------------------------------------------------------------------

    def _read(self, overlay: RunOverlay) -> None:
        if overlay.reading:
            overlay.stale = True
            return
        overlay.reading, overlay.stale = True, False

        def work() -> None:
            try:
                run, error = read_run(overlay.path, overlay.tag), ""
            except RunError as exc:
                run, error = None, str(exc)
            except Exception as exc:  # noqa: BLE001 - a reader's surprise is one line too
                run, error = None, f"{overlay.path}: cannot read it ({exc})"
            self._read_done.emit(overlay, run, error)

        thread = threading.Thread(target=work, name="read-run", daemon=True)
        self._pending.add(thread)
        thread.start()

    def _on_read(self, overlay: RunOverlay, run: LoggedRun | None, error: str) -> None:
        self._pending = {t for t in self._pending if t.is_alive()}
        overlay.reading = False
        if overlay.removed:
            return
        known = overlay in self.overlays
        if overlay in self.opening:
            self.opening.remove(overlay)
        if run is None:
            if not known:  # opening failed: the run never shows
                self.failed.emit(error)
            # A live run caught mid-write keeps its last good reading.
        else:
            overlay.run = run
            if not known:
                self.overlays.append(overlay)
            self._check(overlay)
            if not known:
                self.opened.emit(overlay)
        if overlay in self.overlays:
            self._rewatch()
            if overlay.stale:
                overlay.timer.start()
            self.changed.emit()

    def _check(self, overlay: RunOverlay) -> None:
        if overlay.run is None or self._curve is None or self._facts is None:
            return
        run = overlay.run
        overlay.result = check_logged(run, self._curve, self._facts)
        frame = Frame(run.steps, run.lrs, self._curve, self._facts, run.steps_per_epoch)
        overlay.differing = ~frame.inside(frame.index) | (frame.errors(frame.index)
                                                          > TOLERANCE)

    # Live ----------------------------------------------------------------------------------

    def _on_disk_change(self, path: str) -> None:
        for overlay in self.overlays:
            inside = path == overlay.path or path.startswith(overlay.path + os.sep)
            if inside and not overlay.timer.isActive():
                overlay.timer.start()  # debounced: once a second at most

    def _rewatch(self) -> None:
        """Watch each run's file, or its folder and the files in it (a file replaced by an
        atomic write drops out of the watcher, so the list is renewed after each read)."""
        wanted: list[str] = []
        for overlay in self.overlays:
            wanted.append(overlay.path)
            if os.path.isdir(overlay.path):
                wanted += files_under(overlay.path)
        watch_only(self._watcher, wanted)


def watch_only(watcher: QFileSystemWatcher, wanted: list[str]) -> None:
    """Make `watcher` watch exactly the paths of `wanted` that exist (in order, once)."""
    wanted = [p for p in dict.fromkeys(wanted) if p and os.path.exists(p)]
    watched = set(watcher.files()) | set(watcher.directories())
    gone = [p for p in watched if p not in wanted]
    if gone:
        watcher.removePaths(gone)
    new = [p for p in wanted if p not in watched]
    if new:
        watcher.addPaths(new)


def files_under(folder: str, depth: int = 3) -> list[str]:
    """The folders and files of a run folder, to a bounded depth and count."""
    found: list[str] = []
    base = folder.rstrip(os.sep).count(os.sep)
    for root, dirs, files in os.walk(folder):
        if root.count(os.sep) - base >= depth:
            dirs[:] = []
        found.append(root)
        found += [os.path.join(root, name) for name in sorted(files)]
        if len(found) >= WATCHED_FILES:
            break
    return found[:WATCHED_FILES]
