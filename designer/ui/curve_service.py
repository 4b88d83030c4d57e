"""Turns schedules into exact curves for the window, coalescing bursts of requests.

Each `request` replaces any pending one; the newest schedule is computed on the next turn
of the event loop through a per-phase `CurveCache`, so a drag that changes one phase
re-steps only that phase. Results for schedules that are no longer the latest request are
never emitted.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from designer.core.model import Schedule, ScheduleError


class CurveService(QObject):
    """Signals: curve_ready(schedule, lrs ndarray), curve_failed(schedule, message)."""

    curve_ready = Signal(object, object)
    curve_failed = Signal(object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pending: Schedule | None = None
        self._cache = None  # created on first use: it imports torch
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._compute_pending)

    def request(self, schedule: Schedule) -> None:
        self._pending = schedule
        self._timer.start()

    def compute_now(self, schedule: Schedule) -> None:
        """Compute immediately (tests, screenshots)."""
        self._pending = schedule
        self._timer.stop()
        self._compute_pending()

    def _compute_pending(self) -> None:
        schedule, self._pending = self._pending, None
        if schedule is None:
            return
        if self._cache is None:
            from designer.core.cache import CurveCache

            self._cache = CurveCache()
        try:
            lrs = self._cache.compute(schedule).lr
        except ScheduleError as exc:
            self.curve_failed.emit(schedule, str(exc))
            return
        self.curve_ready.emit(schedule, lrs)
