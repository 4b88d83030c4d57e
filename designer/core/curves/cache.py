"""A per-phase curve cache: an edit recomputes only the phases it changes.

Under the per-phase semantics a phase's values depend only on the phase itself, the
optimizer settings and its start lrs, one per param group (for a "continue" phase, its
predecessor's last lrs), so that triple is a complete cache key (`phase_key`, which the
disk cache extends with the versions of what computed the values). Entries are evicted
least-recently-used by points held.

With a `DiskCache`, a phase missing here is looked for on disk before it is stepped, and
the phases stepped are written there by `save` (the curve worker calls it when idle).
Importing this module does not import torch: the window builds keys with `phase_key`.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from designer.core.curves.phase_curve import PhaseCurve, Starts, concatenate, phase_key
from designer.core.schedule.model import OptimizerConfig, Phase, Schedule

if TYPE_CHECKING:
    from designer.core.curves.disk_cache import DiskCache, Metric



class CurveCache:
    """Computes whole-schedule curves, reusing the phases it has already stepped."""

    def __init__(self, max_points: int = 30_000_000, disk: DiskCache | None = None) -> None:
        self.max_points = max_points
        self.disk = disk
        self._entries: OrderedDict[str, PhaseCurve] = OrderedDict()
        self._points = 0
        # Stepped here and not yet on disk: key -> the metric evaluations to keep with it.
        self._unsaved: OrderedDict[str, Metric | None] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @property
    def unsaved(self) -> bool:
        """Whether `save` has phases to write."""
        return bool(self._unsaved)

    def compute(self, schedule: Schedule, momentum: bool = False) -> PhaseCurve:
        """Same result as `engine.compute_curves`, bit for bit."""
        from designer.core.curves.engine import compute_curves

        return compute_curves(schedule, momentum, self.phase)

    def phase(self, phase: Phase, optimizer: OptimizerConfig, start: Starts, index: int,
              momentum: bool = False) -> PhaseCurve:
        from designer.core.curves.engine import step_phase

        cached = self.cached_phase(phase, optimizer, start, momentum)
        if cached is not None:
            return cached
        part = step_phase(phase, optimizer, start, index, momentum)
        key = phase_key(phase, optimizer, start, momentum)
        # A simulated phase's entry carries its metric evaluations, which only the worker
        # computes (`store_pieces`); without them the window would plot none.
        return self._store(key, part, save=not phase.spec.simulated)

    def cached_phase(self, phase: Phase, optimizer: OptimizerConfig, start: Starts,
                     momentum: bool = False) -> PhaseCurve | None:
        """The phase's curve if it was stepped before, here or on disk (counts a hit or a
        miss)."""
        key = phase_key(phase, optimizer, start, momentum)
        cached = self._entries.get(key)
        if cached is not None:
            self._entries.move_to_end(key)
        elif self.disk is not None:
            entry = self.disk.load(key)
            if entry is not None:
                cached = self._store(key, entry[0], save=False)
        if cached is None:
            self.misses += 1
            return None
        self.hits += 1
        return cached

    def store_pieces(self, phase: Phase, optimizer: OptimizerConfig, start: Starts,
                     pieces: list[PhaseCurve], momentum: bool = False,
                     metric: Metric | None = None) -> PhaseCurve:
        """Keep a phase that was stepped in pieces (`engine.iter_phase`), whole, with the
        metric evaluations of a simulated phase ((steps, values), None if none plotted)."""
        whole = concatenate(pieces, momentum)
        return self._store(phase_key(phase, optimizer, start, momentum), whole, metric=metric)

    def save(self) -> None:
        """Write the phases stepped since the last save to disk, then bound its size."""
        while self._unsaved:
            key, metric = self._unsaved.popitem(last=False)
            self.disk.save(key, self._entries[key], metric)
        if self.disk is not None:
            self.disk.evict()

    def _store(self, key: str, part: PhaseCurve, save: bool = True,
               metric: Metric | None = None) -> PhaseCurve:
        self._entries[key] = part
        self._points += _points(part)
        if save and self.disk is not None:
            self._unsaved[key] = metric
        while self._points > self.max_points and len(self._entries) > 1:
            evicted_key, evicted = self._entries.popitem(last=False)
            self._points -= _points(evicted)
            if evicted_key in self._unsaved:
                # Written now rather than held: a design of millions of steps outgrows
                # this cache before the worker is idle, and it is the slowest to step.
                self.disk.save(evicted_key, evicted, self._unsaved.pop(evicted_key))
        return part


def _points(part: PhaseCurve) -> int:
    return part.lr.size + (part.others.size if part.others is not None else 0)
