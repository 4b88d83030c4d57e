"""A per-phase curve cache: an edit recomputes only the phases it changes.

Under the per-phase semantics a phase's values depend only on the phase itself, the
optimizer settings and its start lrs, one per param group (for a "continue" phase, its
predecessor's last lrs), so that triple is a complete cache key. Entries are evicted least-recently-used by points held.
"""

from __future__ import annotations

import json
from collections import OrderedDict

from designer.core.engine import PhaseCurve, compute_curves, concatenate, step_phase
from designer.core.fileformat import phase_to_dict
from designer.core.model import OptimizerConfig, Phase, Schedule

Starts = tuple[float, ...]


def phase_key(phase: Phase, optimizer: OptimizerConfig, start: Starts, momentum: bool) -> str:
    optimizer_doc = {"name": optimizer.name, "params": {k: list(v) if isinstance(v, tuple)
                                                        else v for k, v in
                                                        optimizer.params.items()}}
    return json.dumps([phase_to_dict(phase), optimizer_doc, [repr(float(lr)) for lr in start],
                       momentum], sort_keys=True)


class CurveCache:
    """Computes whole-schedule curves, reusing the phases it has already stepped."""

    def __init__(self, max_points: int = 30_000_000) -> None:
        self.max_points = max_points
        self._entries: OrderedDict[str, PhaseCurve] = OrderedDict()
        self._points = 0
        self.hits = 0
        self.misses = 0

    def compute(self, schedule: Schedule, momentum: bool = False) -> PhaseCurve:
        """Same result as `engine.compute_curves`, bit for bit."""
        return compute_curves(schedule, momentum, self.phase)

    def phase(self, phase: Phase, optimizer: OptimizerConfig, start: Starts, index: int,
              momentum: bool = False) -> PhaseCurve:
        cached = self.cached_phase(phase, optimizer, start, momentum)
        if cached is not None:
            return cached
        return self._store(phase_key(phase, optimizer, start, momentum),
                           step_phase(phase, optimizer, start, index, momentum))

    def cached_phase(self, phase: Phase, optimizer: OptimizerConfig, start: Starts,
                     momentum: bool = False) -> PhaseCurve | None:
        """The phase's curve if it was stepped before (counts a hit or a miss)."""
        key = phase_key(phase, optimizer, start, momentum)
        cached = self._entries.get(key)
        if cached is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return cached

    def store_pieces(self, phase: Phase, optimizer: OptimizerConfig, start: Starts,
                     pieces: list[PhaseCurve], momentum: bool = False) -> PhaseCurve:
        """Keep a phase that was stepped in pieces (`engine.iter_phase`), whole."""
        whole = concatenate(pieces, momentum)
        return self._store(phase_key(phase, optimizer, start, momentum), whole)

    def _store(self, key: str, part: PhaseCurve) -> PhaseCurve:
        self._entries[key] = part
        self._points += _points(part)
        while self._points > self.max_points and len(self._entries) > 1:
            _, evicted = self._entries.popitem(last=False)
            self._points -= _points(evicted)
        return part


def _points(part: PhaseCurve) -> int:
    return part.lr.size + (part.others.size if part.others is not None else 0)
