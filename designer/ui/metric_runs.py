"""The window's side of plateau phases driven by a logged run's metric.

`MetricRuns` reads the runs the design's plateau phases name (`metric_run`, `metric_tag`)
off the window's thread, keeps the readings, and hands the window the design with the
evaluations attached (`core.runs.metric_run.with_metrics`) for each curve request, so the
worker steps torch with them and plots them. It watches each run like the overlaid runs
(`ui/runs.py`: QFileSystemWatcher, debounced to one read a second), reads it again when it
changes, and asks for the curve again. A run that cannot drive its phase is a warning
(Warnings, naming `phases[N].params.metric_run`, or `eval_every` for a clock the design cannot
follow; a compare pin's names the pin) and the phase keeps its synthetic metric.
It also fills the inspector's `metric_tag` combo with the run's series.
"""

from __future__ import annotations

import os
import threading
import time

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from designer.core.runs.metric_run import (
    METRIC_RUN,
    METRIC_TAG,
    Reading,
    RunKey,
    metric_runs,
    read_metric,
    with_metrics,
)
from designer.core.runs.series import RunError
from designer.core.schedule.model import Schedule
from designer.ui.runs import LIVE_INTERVAL_MS, files_under, watch_only

PIN_FALLBACK = "the pin uses the phase's synthetic metric"


class MetricRuns(QObject):
    """The logged metrics of a window's design. Signals: `changed` (a run was read, or read
    again: the design's curve is to be asked for again)."""

    changed = Signal()
    _read_done = Signal(object, object)  # key, Reading (from the reading thread)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.readings: dict[RunKey, Reading] = {}
        self.warnings: list[tuple[int, str]] = []  # of the last design prepared
        self._reading: set[RunKey] = set()
        self._stale: set[RunKey] = set()  # changed while being read: read again
        self._pending: set[threading.Thread] = set()
        self._touched: set[str] = set()
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_disk_change)
        self._watcher.directoryChanged.connect(self._on_disk_change)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LIVE_INTERVAL_MS)
        self._timer.timeout.connect(self._read_touched)
        self._read_done.connect(self._on_read)
        document = window.document
        self.changed.connect(self.update_inspector)
        document.selection_changed.connect(self.update_inspector)
        document.changed.connect(self.update_inspector)
        document.path_changed.connect(self._on_path_changed)

    def prepare(self, schedule: Schedule) -> Schedule:
        """`schedule` with its logged metrics attached (as read so far; the runs not read
        yet start being read, and `changed` follows). Keeps its warnings in `warnings`."""
        path = self.window.document.path or None
        if schedule is self.window.document.schedule:
            wanted = self._wanted()
            for key in [k for k in self.readings if k not in wanted]:
                del self.readings[key]
            for key in wanted - set(self.readings) - self._reading:
                self._read(key)
            self._rewatch(wanted)
        prepared, self.warnings = with_metrics(schedule, path, self.readings)
        return prepared

    def prepare_variant(self, schedule: Schedule) -> tuple[Schedule, list[tuple[int, str]]]:
        """A pinned variant with its logged metrics as read (its runs are read with the
        design's), and its warnings: (phase index, line) for each phase whose run cannot
        drive it, which then keeps its synthetic metric."""
        return with_metrics(schedule, self.window.document.path or None, self.readings,
                            PIN_FALLBACK)

    def series_names(self, key: RunKey) -> tuple[str, ...]:
        """The series of the run at `key` (read or failed), () before it is read."""
        reading = self.readings.get(key)
        return reading.names if reading is not None else ()

    def wait(self, timeout: float = 30) -> bool:
        """Block until no run is being read (tests, screenshots): True when none is."""
        from PySide6.QtCore import QCoreApplication

        deadline = time.monotonic() + timeout
        while True:
            for thread in list(self._pending):
                thread.join(max(0.0, deadline - time.monotonic()))
            QCoreApplication.sendPostedEvents()
            # Events may start another read (a watched folder changed): wait for it too.
            QCoreApplication.processEvents()
            if not self._reading or time.monotonic() >= deadline:
                return not self._reading

    def update_inspector(self) -> None:
        """The selected phase's metric fields: the run's series in the tag's combo, and the
        design's folder for a relative path."""
        window, document = self.window, self.window.document
        folder = os.path.dirname(os.path.abspath(document.path)) if document.path else ""
        path_editor = window.inspector.editor(METRIC_RUN)
        if path_editor is not None:
            path_editor.base_folder = folder
        tag_editor = window.inspector.editor(METRIC_TAG)
        key = metric_runs(document.schedule, document.path or None).get(document.selected)
        if tag_editor is not None:
            tag_editor.set_suggestions(self.series_names(key) if key is not None else ())

    def _on_path_changed(self, path: str) -> None:
        # A relative metric_run is read from the design's folder: a new folder, new runs.
        if self._wanted():
            self.changed.emit()

    # Reading -------------------------------------------------------------------------------

    def _read(self, key: RunKey) -> None:
        if key in self._reading:
            self._stale.add(key)
            return
        self._reading.add(key)

        def work() -> None:
            try:
                reading = read_metric(key)
            except Exception as exc:  # noqa: BLE001 - a reader's surprise is one line too
                reading = RunError(key[0], f"cannot read it ({exc})")
            self._read_done.emit(key, reading)

        thread = threading.Thread(target=work, name="read-metric-run", daemon=True)
        self._pending.add(thread)
        thread.start()

    def _on_read(self, key: RunKey, reading: Reading) -> None:
        self._pending = {t for t in self._pending if t.is_alive()}
        self._reading.discard(key)
        wanted = self._wanted()
        if key not in wanted:
            return
        self.readings[key] = reading
        if key in self._stale:
            self._stale.discard(key)
            self._read(key)
        self._rewatch(wanted)
        self.changed.emit()

    def _wanted(self) -> set[RunKey]:
        """The runs of the design's plateau phases and of its pins'."""
        schedule, path = self.window.document.schedule, self.window.document.path or None
        return {key for design in (schedule, *(pin.schedule for pin in schedule.pinned))
                for key in metric_runs(design, path).values()}

    # Watching ------------------------------------------------------------------------------

    def _on_disk_change(self, path: str) -> None:
        self._touched.add(path)
        if not self._timer.isActive():
            self._timer.start()  # debounced: once a second at most

    def _read_touched(self) -> None:
        touched, self._touched = self._touched, set()
        for key in list(self.readings):
            run = key[0]
            if any(p == run or p.startswith(run + os.sep) or run.startswith(p + os.sep)
                   for p in touched):
                self._read(key)

    def _rewatch(self, keys: set[RunKey]) -> None:
        """Watch each run's file, or its folder and the files in it; for a run that is not
        there, the nearest folder that is (so that its appearing is seen)."""
        wanted: list[str] = []
        for path, _ in keys:
            if os.path.isdir(path):
                wanted += [path, *files_under(path)]
            elif os.path.exists(path):
                wanted += [path, os.path.dirname(path)]  # an atomic replace shows there
            else:
                parent = os.path.dirname(path)
                while parent and not os.path.isdir(parent) and parent != os.path.dirname(parent):
                    parent = os.path.dirname(parent)
                wanted.append(parent)
        watch_only(self._watcher, wanted)
