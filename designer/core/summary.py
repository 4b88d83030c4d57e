"""Facts about a curve for the status bar and the CLI. Torch-free, so the window can
summarize a curve that a worker process computed without importing torch itself."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from designer.core.model import Schedule


@dataclass(frozen=True)
class CurveSummary:
    """`epochs` is None when the design does not say how long an epoch is."""

    total_steps: int
    epochs: float | None
    peak: float
    final: float
    mean: float


def summarize(schedule: Schedule, curve: np.ndarray) -> CurveSummary:
    if schedule.interval == "epoch":
        epochs: float | None = float(len(curve))  # one scheduler step per epoch
    elif schedule.steps_per_epoch:
        epochs = len(curve) / schedule.steps_per_epoch
    else:
        epochs = None
    if len(curve) == 0:
        return CurveSummary(0, epochs, math.nan, math.nan, math.nan)
    return CurveSummary(len(curve), epochs, float(curve.max()), float(curve[-1]),
                        float(curve.mean()))
