"""What the window and the curve worker say to each other over their pipe, as typed messages.

window -> worker: `Job` (the newest job of a client wins), `Stop`.
worker -> window: `Ready` (torch is imported), then per job: `MetricPoints` of a simulated
phase (before that phase's chunks), `Chunk`s in order, and `Done` or `Failed`.

The window's curve service also answers a job from the disk cache with the same messages,
so a curve has one way in whatever computed it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from designer.core.schedule.model import Schedule


@dataclass(frozen=True)
class Job:
    """Compute `schedule`'s curve. With `sequential_lr`, the curve torch's own SequentialLR
    gives its phases (an imported snippet as written), in one piece."""

    client: int
    job: int
    schedule: Schedule
    sequential_lr: bool = False


@dataclass(frozen=True)
class Stop:
    """Save what the cache holds and exit."""


@dataclass(frozen=True)
class Ready:
    pid: int


@dataclass(frozen=True)
class Chunk:
    """The lrs of steps `offset`... of the first group; momentum (or beta1) when the design
    cycles it; the other groups' lrs, shape (groups - 1, len(lrs)), with several groups."""

    client: int
    job: int
    offset: int
    lrs: np.ndarray
    momentum: np.ndarray | None = None
    others: np.ndarray | None = None


@dataclass(frozen=True)
class MetricPoints:
    """A simulated phase's synthetic metric evaluations (steps within the phase, values)."""

    client: int
    job: int
    phase: int
    steps: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class Done:
    client: int
    job: int
    total: int


@dataclass(frozen=True)
class Failed:
    """The design is one torch refuses; `message` names the field."""

    client: int
    job: int
    message: str


ToWindow = Ready | Chunk | MetricPoints | Done | Failed
ToWorker = Job | Stop
