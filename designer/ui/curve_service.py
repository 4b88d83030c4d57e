"""Exact curves for the window, stepped in a worker process and streamed back.

The window never imports torch or steps a scheduler itself: `CurveService.request` sends
the newest schedule to the worker (`designer.core.curves.worker`), which cancels stale work,
reuses phases it has stepped before, and sends the curve back in pieces. The service puts
the pieces in place, reports progress, and emits the finished curve only if it is still the
newest request: an out-of-date result is never shown.

One worker process serves every window of the application (`WorkerLink`). If it dies, it is
restarted, every service re-sends its pending request, and says so.

Until the worker is ready (it imports torch: a second or two after start-up), a design whose
phases are all in the disk cache (`designer.core.curves.disk_cache`, written by the worker) is
answered from there: its exact curve is shown before torch has loaded. Once the worker is
ready it answers everything, from its memory, the disk cache, or by stepping.
"""

from __future__ import annotations

import itertools
import multiprocessing
import time
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from designer.core.curves.disk_cache import DiskCache
from designer.core.curves.messages import (
    Chunk,
    Done,
    Failed,
    Job,
    MetricPoints,
    Ready,
    Stop,
    ToWindow,
)
from designer.core.curves.worker import wants_momentum
from designer.core.schedule.model import Schedule

PROGRESS_INTERVAL = 0.05  # seconds between progress signals while a curve streams in
# A curve done sooner than this appears whole: drawing partial curves of it took CPU from the
# worker on a busy 2-core machine (make bench 3, 100k steps: 289 ms with, 260 without).
FIRST_PROGRESS = 0.3
MAX_FAILED_STARTS = 3
# After a start-up answered from the disk cache, the worker starts this much later: its
# torch import takes a core for a second or two, which on a busy machine delayed the window's
# first curve by a fifth of a second (make bench, 6b). An edit that needs it starts it at once.
WORKER_START_DELAY_MS = 500


class WorkerLink(QObject):
    """The application's curve worker process and the pipe to it."""

    _instance: WorkerLink | None = None

    def __init__(self) -> None:
        super().__init__(QCoreApplication.instance())
        self._context = multiprocessing.get_context("spawn")  # never fork a Qt process
        self._process: Any = None
        self._conn: Any = None
        self._clients: dict[int, CurveService] = {}
        self._posted: list[ToWindow] = []  # answers found without the worker, as its messages
        self.restarts = 0
        self.failed_starts = 0  # workers in a row that died before they were ready
        self.ready = False
        self._timer = QTimer(self)
        self._timer.setInterval(4)
        self._timer.timeout.connect(self.pump)
        self._start_timer = QTimer(self)
        self._start_timer.setSingleShot(True)
        self._start_timer.setInterval(WORKER_START_DELAY_MS)
        self._start_timer.timeout.connect(self.start)
        QCoreApplication.instance().aboutToQuit.connect(self.stop)

    @classmethod
    def shared(cls) -> WorkerLink:
        if cls._instance is None:
            cls._instance = WorkerLink()
        return cls._instance

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def register(self, client_id: int, service: CurveService) -> None:
        self._clients[client_id] = service

    def unregister(self, client_id: int) -> None:
        self._clients.pop(client_id, None)

    def start(self) -> None:
        self._start_timer.stop()
        if self._process is not None and self._process.is_alive():
            return
        from designer.core.curves.worker import worker_main

        ours, theirs = self._context.Pipe()
        self._process = self._context.Process(target=worker_main, args=(theirs,),
                                              name="lr-designer-curve-worker", daemon=True)
        self._process.start()
        theirs.close()
        self._conn = ours
        self.ready = False
        self._timer.start()

    def start_later(self) -> None:
        """Start the worker after WORKER_START_DELAY_MS unless something starts it sooner;
        messages `post`ed meanwhile are delivered."""
        self._timer.start()
        if self._process is None and not self._start_timer.isActive():
            self._start_timer.start()

    def submit(self, job: Job) -> None:
        self.start()
        try:
            self._conn.send(job)
        except (OSError, EOFError, ValueError):
            self._recover()

    def post(self, message: ToWindow) -> None:
        """Deliver `message` as if the worker had sent it, on the next pump: a service's
        signals never fire inside its own `request`."""
        self._posted.append(message)

    def pump(self) -> None:
        """Read every message waiting from the worker and hand it to its service."""
        posted, self._posted = self._posted, []
        for message in posted:
            self._deliver(message)
        if self._conn is None:
            return
        try:
            while self._conn.poll():
                message = self._conn.recv()
                if isinstance(message, Ready):
                    self.ready = True
                    self.failed_starts = 0
                    continue
                self._deliver(message)
        except (OSError, EOFError):
            self._recover()
            return
        if not self._process.is_alive():
            self._recover()

    def wait(self, done, timeout: float) -> bool:
        """Pump until `done()` (tests, screenshots, exports). False on timeout."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                return False
            if self._conn is not None and not self._posted:
                try:
                    self._conn.poll(0.005)
                except (OSError, EOFError):
                    pass
            self.pump()
        return True

    def kill(self) -> None:
        """Kill the worker (tests of recovery)."""
        if self._process is not None:
            self._process.kill()
            self._process.join(5)

    def stop(self) -> None:
        self._timer.stop()
        self._start_timer.stop()
        if self._process is not None and self._process.is_alive():
            try:
                self._conn.send(Stop())
            except (OSError, EOFError, ValueError):
                pass
            self._process.join(2)
            if self._process.is_alive():
                self._process.kill()
        self._process = None
        if self._conn is not None:
            self._conn.close()  # or a later pump would read its end and restart the worker
        self._conn = None
        self.ready = False

    def _deliver(self, message: ToWindow) -> None:
        service = self._clients.get(message.client)
        if service is not None:
            service._on_message(message)

    def _recover(self) -> None:
        code = self._process.exitcode if self._process is not None else None
        if self._process is not None:
            self._process.join(1)
        self._process = None
        self._conn = None
        reason = f" (exit code {code})" if code is not None else ""
        if not self.ready:
            self.failed_starts += 1
        if self.failed_starts >= MAX_FAILED_STARTS:
            # A worker that cannot even start (broken install, no memory) would otherwise
            # be restarted forever; the next edit tries again.
            self._timer.stop()
            self.failed_starts = 0
            for service in list(self._clients.values()):
                service._on_worker_failed(f"The curve engine cannot start{reason}; the "
                                          "curve will be computed when you next edit.")
            return
        self.restarts += 1
        self.start()
        for service in list(self._clients.values()):
            service._on_worker_restarted(
                f"The curve engine stopped{reason} and was restarted; your design is "
                "unchanged.")


class CurveService(QObject):
    """Signals:
    curve_ready(schedule, lrs): the exact curve of the newest request;
    curve_failed(schedule, message): the newest request is a design torch refuses;
    curve_progress(schedule, lrs_so_far, fraction): a long curve is streaming in;
    engine_restarted(message): the worker died and was restarted.
    """

    curve_ready = Signal(object, object)
    curve_failed = Signal(object, str)
    curve_progress = Signal(object, object, float)
    engine_restarted = Signal(str)

    _ids = itertools.count(1)

    def __init__(self, parent: QObject | None = None, link: WorkerLink | None = None) -> None:
        super().__init__(parent)
        self._id = next(self._ids)
        self._link = link or WorkerLink.shared()
        self._link.register(self._id, self)
        self._jobs = itertools.count(1)
        self._job = 0
        self._schedule: Schedule | None = None
        self._sequential_lr = False
        self._buffer = np.zeros(0)
        self._momentum: np.ndarray | None = None
        self._others: np.ndarray | None = None
        self._metrics: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._filled = 0
        self._busy = False
        self._submitted = False  # the newest request went to the worker
        self._next_progress = 0.0  # time.monotonic() of the next progress signal
        self.destroyed.connect(lambda *_: self._link.unregister(self._id))

    def momentum(self) -> np.ndarray | None:
        """Momentum (or beta1) per step of the newest curve, when its design cycles it."""
        return self._momentum

    def other_groups(self) -> np.ndarray | None:
        """The lrs of the param groups after the first, shape (groups - 1, steps), when the
        newest design has several groups (the signals carry the first group's curve)."""
        return self._others

    def metric_points(self) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Phase index -> (steps within the phase, values) of the synthetic metric's
        evaluations of the newest request's simulated phases, as far as they arrived (the
        worker evaluates the metric; the window never runs a user expression)."""
        return self._metrics

    @property
    def busy(self) -> bool:
        """Whether the newest request is still being computed."""
        return self._busy

    def request(self, schedule: Schedule, sequential_lr: bool = False) -> None:
        """Compute `schedule`'s curve; any earlier request is abandoned. With
        `sequential_lr`, the curve torch's own SequentialLR gives its phases instead (an
        imported snippet as written; first param group only)."""
        # A job the worker still has would keep it busy for nothing: only a newer job of
        # this service cancels it, so then the worker answers (from the disk cache) too.
        worker_has_job = self._busy and self._submitted
        self._job = next(self._jobs)
        self._schedule = schedule
        self._sequential_lr = sequential_lr
        self._buffer = np.empty(schedule.total_steps, dtype=np.float64)
        self._momentum = (np.empty(schedule.total_steps, dtype=np.float64)
                          if wants_momentum(schedule) and not sequential_lr else None)
        self._others = (np.empty((schedule.group_count - 1, schedule.total_steps))
                        if schedule.group_count > 1 and not sequential_lr else None)
        self._metrics = {}
        self._filled = 0
        self._busy = True
        self._next_progress = time.monotonic() + FIRST_PROGRESS
        self._submitted = (sequential_lr or worker_has_job or self._link.ready
                           or not self._answer_from_disk(schedule))
        if not self._submitted:
            self._link.start_later()
            return
        self._link.submit(Job(self._id, self._job, schedule, sequential_lr))

    def _answer_from_disk(self, schedule: Schedule) -> bool:
        """Post the worker's messages for `schedule` from the disk cache, if every phase
        is there. The worker would send the same values: the cache key holds everything
        they depend on."""
        disk = DiskCache.default()
        found = disk.schedule_curves(schedule, wants_momentum(schedule)) if disk else None
        if found is None:
            return False
        offset = 0
        for index, (part, metric) in enumerate(found):
            if metric is not None:
                self._link.post(MetricPoints(self._id, self._job, index, *metric))
            self._link.post(Chunk(self._id, self._job, offset, part.lr, part.momentum,
                                  part.others))
            offset += len(part.lr)
        self._link.post(Done(self._id, self._job, offset))
        return True

    def compute_now(self, schedule: Schedule | None = None, timeout: float = 120) -> bool:
        """Request `schedule` (or wait for the pending one) and block until it is done."""
        if schedule is not None and (schedule is not self._schedule or not self._busy):
            self.request(schedule, self._sequential_lr)
        return self._link.wait(lambda: not self._busy, timeout)

    def _on_message(self, message: ToWindow) -> None:
        if message.job != self._job:
            return  # a stale job's result: never shown
        schedule = self._schedule
        if isinstance(message, Chunk):
            offset, lrs = message.offset, message.lrs
            momentum, others = message.momentum, message.others
            self._buffer[offset:offset + len(lrs)] = lrs
            if self._momentum is not None and momentum is not None:
                self._momentum[offset:offset + len(lrs)] = momentum
            if self._others is not None and others is not None:
                self._others[:, offset:offset + len(lrs)] = others
            self._filled = offset + len(lrs)
            now = time.monotonic()
            if now >= self._next_progress:
                self._next_progress = now + PROGRESS_INTERVAL
                self.curve_progress.emit(schedule, self._buffer[:self._filled],
                                         self._filled / max(1, len(self._buffer)))
        elif isinstance(message, MetricPoints):
            self._metrics[message.phase] = (message.steps, message.values)
        elif isinstance(message, Done):
            self._busy = False
            self.curve_ready.emit(schedule, self._buffer)
        elif isinstance(message, Failed):
            self._busy = False
            self.curve_failed.emit(schedule, message.message)

    def _on_worker_failed(self, message: str) -> None:
        if self._busy and self._schedule is not None:
            self._busy = False
            self.curve_failed.emit(self._schedule, message)

    def _on_worker_restarted(self, message: str) -> None:
        self.engine_restarted.emit(message)
        if self._busy and self._schedule is not None:
            self.request(self._schedule, self._sequential_lr)
