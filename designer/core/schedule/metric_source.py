"""A plateau phase's metric read from a logged run, as data the engine steps with.

ReduceLROnPlateau's curve depends on the metric it is given. A phase whose `metric_run`
names a logged run is driven by that run's evaluations (`core/runs/metric_run.py` reads the
run and maps its logged steps onto the phase); the engine, the curve caches and the window's
metric plot take the result as a `MetricSource` attached to the phase, so that nothing below
`core.runs` reads files. A phase without one falls back to its synthetic `metric`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)  # equal when the digest is: the same evaluations
class MetricSource:
    """Evaluations of a logged run's metric on the phase's own step axis: after phase step
    `steps[i]` (0-based, ascending, within the phase), scheduler.step(values[i]).

    Attributes
    ----------
    label : where the values come from, for the plot and messages ("lightning-csv: val_loss").
    steps, values : the evaluations, as tuples (pickled to the curve worker).
    digest : the evaluations' identity, part of the curve caches' keys: a changed run file
        gives a new curve, the same values the cached one.
    """

    label: str
    steps: tuple[int, ...]
    values: tuple[float, ...]
    digest: str

    @classmethod
    def of(cls, label: str, steps: Sequence[int], values: Sequence[float]) -> MetricSource:
        step_array = np.asarray(steps, dtype=np.int64)
        value_array = np.asarray(values, dtype=np.float64)
        digest = hashlib.sha256(label.encode("utf-8") + b"\0" + step_array.tobytes()
                                + value_array.tobytes()).hexdigest()[:32]
        return cls(label, tuple(int(s) for s in step_array),
                   tuple(float(v) for v in value_array), digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MetricSource) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def within(self, steps: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
        """The evaluations after a step of a phase of `steps` steps."""
        count = int(np.searchsorted(np.asarray(self.steps, dtype=np.int64), steps))
        return self.steps[:count], self.values[:count]
