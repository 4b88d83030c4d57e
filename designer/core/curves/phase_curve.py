"""What stepping a phase produces, and where each phase starts: torch-free.

The engine steps torch; the window, the curve caches and the CSV writer only hold and join
its results. Keeping these here lets them do so without importing torch (a second or two,
and 200 MB, in the window's process).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from designer.core.schedule.file_phases import phase_to_dict
from designer.core.schedule.model import CONTINUE, RESTART, OptimizerConfig, Phase, Schedule

Starts = tuple[float, ...]  # every param group's start lr of a phase


@dataclass(frozen=True)
class PhaseCurve:
    """What stepping one phase produced. `lr` is the first param group's lr per step;
    `others` the lrs of the other groups, shape (groups - 1, steps), None with one group.
    `momentum` is momentum (SGD, RMSprop) or beta1 (Adam family) per step of the first
    group, recorded only when asked for."""

    lr: np.ndarray
    momentum: np.ndarray | None = None
    others: np.ndarray | None = None

    def last_lrs(self) -> tuple[float, ...]:
        """Every group's lr at the last step (where a "continue" phase starts)."""
        last = (float(self.lr[-1]),)
        if self.others is not None:
            last += tuple(float(v) for v in self.others[:, -1])
        return last

    def group_lrs(self) -> np.ndarray:
        """All groups' curves, shape (groups, steps)."""
        if self.others is None:
            return self.lr[np.newaxis, :]
        return np.vstack([self.lr[np.newaxis, :], self.others])


def concatenate(parts: list[PhaseCurve], momentum: bool) -> PhaseCurve:
    """Pieces or phases joined in order into one curve."""
    if len(parts) == 1:
        return parts[0]
    others = None
    if parts[0].others is not None:
        others = np.concatenate([p.others for p in parts], axis=1)
    return PhaseCurve(np.concatenate([p.lr for p in parts]),
                      np.concatenate([p.momentum for p in parts]) if momentum else None,
                      others)


def start_lrs(phase: Phase, base_lrs: tuple[float, ...],
              previous_last: tuple[float, ...] | None) -> tuple[float, ...]:
    """The lr of every param group the phase's optimizer starts from. CONTINUE on the first
    phase means the base lrs; an explicit start lr is the first group's, and the other
    groups keep their ratio to it (as the exported PhasedLR sets them)."""
    if phase.start == RESTART or (phase.start == CONTINUE and previous_last is None):
        return tuple(float(lr) for lr in base_lrs)
    if phase.start == CONTINUE:
        return tuple(previous_last)
    start = float(phase.start)
    return (start,) + tuple(start * (float(lr) / float(base_lrs[0])) for lr in base_lrs[1:])


def chain_phases(schedule: Schedule,
                 phase_pieces: Callable[[int, Phase, Starts], Iterable[PhaseCurve]],
                 ) -> Iterator[PhaseCurve]:
    """The design's curve as the pieces `phase_pieces(index, phase, start_lrs)` gives for
    each phase in turn, each phase starting from the lrs `start_lrs` chains from the
    previous phase's last piece. The one home of the chaining: the engine steps torch for a
    phase's pieces, the window's disk-cache lookup reads them back (without torch)."""
    previous_last: tuple[float, ...] | None = None
    base = schedule.base_lrs()
    for index, phase in enumerate(schedule.phases):
        last = None
        for last in phase_pieces(index, phase, start_lrs(phase, base, previous_last)):
            yield last
        if last is not None:  # a phase has at least one step (the checks say so)
            previous_last = last.last_lrs()


def phase_key(phase: Phase, optimizer: OptimizerConfig, start: Starts, momentum: bool) -> str:
    optimizer_doc = {"name": optimizer.name, "params": {k: list(v) if isinstance(v, tuple)
                                                        else v for k, v in
                                                        optimizer.params.items()}}
    # The resolved steps, not the length as written: a fraction's curve depends on the total.
    key = [{**phase_to_dict(phase), "steps": phase.steps}, optimizer_doc,
           [repr(float(lr)) for lr in start], momentum]
    if phase.metric_source is not None:  # a logged run's evaluations: their content
        key.append(phase.metric_source.digest)
    return json.dumps(key, sort_keys=True)
