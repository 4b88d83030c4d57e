"""A plateau phase's metric read from a logged run, as data the engine steps with.

ReduceLROnPlateau's curve depends on the metric it is given. A phase whose `metric_run`
names a logged run is driven by that run's evaluations (`core/runs/metric_run.py` reads the
run and maps its logged steps onto the phase); the engine, the curve caches and the window's
metric plot take the result as a `MetricSource` attached to the phase, so that nothing below
`core.runs` reads files. A phase without one falls back to its synthetic `metric`.

The scheduler is stepped either after each evaluation (a loop that steps where it validates)
or, held, on a clock of its own with the latest value logged by then (Lightning's `monitor`:
it steps every `frequency`-th batch, or epoch, with the last `val_loss` it has).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)  # equal when the digest is: the same evaluations
class MetricSource:
    """Evaluations of a logged run's metric on the phase's own step axis: `values[i]` was
    evaluated after phase step `steps[i]` (0-based, ascending, within the phase); `stepped`
    says when the scheduler is stepped with which.

    Attributes
    ----------
    label : where the values come from, for the plot and messages ("lightning-csv: val_loss").
    steps, values : the evaluations, as tuples (pickled to the curve worker).
    every : 0: scheduler.step(values[i]) right after step steps[i]. k >= 1: held, after
        every k-th step with the latest value evaluated by then (none before the first
        evaluation), the count restarting every `cycle` steps (an epoch; 0: never) and the
        phase's step 0 being step `start` of that count.
    cycle, start : the held clock's count (see `every`).
    digest : the evaluations' and the clock's identity, part of the curve caches' keys: a
        changed run file gives a new curve, the same values the cached one.
    """

    label: str
    steps: tuple[int, ...]
    values: tuple[float, ...]
    digest: str
    every: int = 0
    cycle: int = 0
    start: int = 0

    @classmethod
    def of(cls, label: str, steps: Sequence[int], values: Sequence[float], *,
           every: int = 0, cycle: int = 0, start: int = 0) -> MetricSource:
        step_array = np.asarray(steps, dtype=np.int64)
        value_array = np.asarray(values, dtype=np.float64)
        clock = np.asarray((every, cycle, start), dtype=np.int64)
        digest = hashlib.sha256(label.encode("utf-8") + b"\0" + step_array.tobytes()
                                + value_array.tobytes() + clock.tobytes()).hexdigest()[:32]
        return cls(label, tuple(int(s) for s in step_array),
                   tuple(float(v) for v in value_array), digest, every, cycle, start)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MetricSource) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def within(self, steps: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
        """The evaluations after a step of a phase of `steps` steps."""
        count = int(np.searchsorted(np.asarray(self.steps, dtype=np.int64), steps))
        return self.steps[:count], self.values[:count]

    def stepped(self, steps: int) -> Iterator[tuple[int, float]]:
        """(phase step, value) of every scheduler.step(value) within a phase of `steps`
        steps, in order: the evaluations, or the held clock's ticks from the first
        evaluation on, each with the latest value."""
        if not self.every:
            yield from zip(*self.within(steps))
            return
        latest = -1
        for step in self._ticks(steps):
            while latest + 1 < len(self.steps) and self.steps[latest + 1] <= step:
                latest += 1
            if latest >= 0:
                yield step, self.values[latest]

    def _ticks(self, steps: int) -> Iterator[int]:
        """The phase steps on which the held clock ticks: ((start + step) % cycle + 1)
        divisible by `every` (without a cycle: start + step + 1)."""
        if not self.cycle:
            yield from range((-(self.start + 1)) % self.every, steps, self.every)
            return
        for begin in range(self.start - self.start % self.cycle, self.start + steps,
                           self.cycle):
            for position in range(self.every - 1, self.cycle, self.every):
                if 0 <= begin + position - self.start < steps:
                    yield begin + position - self.start
