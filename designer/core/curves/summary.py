"""Facts about a curve for the status bar and the CLI. Torch-free, so the window can
summarize a curve that a worker process computed without importing torch itself."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from designer.core.schedule.model import Schedule
from designer.core.schedule.training import epoch_steps


@dataclass(frozen=True)
class CurveSummary:
    """What a curve amounts to, in the design's own steps (batches, or epochs when the
    scheduler steps once per epoch).

    Attributes
    ----------
    total_steps
        Values on the curve: one per scheduler step.
    epochs
        How many epochs that is; None when the design does not say how long an epoch is.
    peak, final, mean, minimum
        The highest, last, average and lowest lr (nan for an empty curve).
    area
        The area under the stepped curve, each step one unit wide: the sum of the lr over
        all steps, i.e. the total learning-rate budget (the sum of the SGD step sizes).
        Its unit is lr x steps (lr x epochs for a per-epoch design); 0.0 when empty;
        inf when the sum exceeds the float range (lrs near 1e308): the one fact that can
        overflow, see `overflowing`. (The mean of finite lrs is always finite.)
    peak_step
        The first step at the peak: how long the warmup takes to reach it (0 when the
        curve starts at its peak or is empty).
    steps_at_peak
        How many steps hold exactly the peak lr (a warmup-stable-decay's stable phase).
    """

    total_steps: int
    epochs: float | None
    peak: float
    final: float
    mean: float
    area: float = 0.0
    minimum: float = math.nan
    peak_step: int = 0
    steps_at_peak: int = 0

    def items(self) -> list[tuple[str, int | float]]:
        """(name, value) pairs in field order, leaving out what the design does not say
        (epochs without an epoch length): for `# name: value` lines of a CSV export."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)
                if getattr(self, f.name) is not None]

    def overflowing(self) -> list[str]:
        """Names of the facts beyond the float range (JSON writes them as null)."""
        return [name for name, value in self.items() if isinstance(value, float)
                and math.isinf(value)]


def summarize(schedule: Schedule, curve: np.ndarray) -> CurveSummary:
    per_epoch = epoch_steps(schedule)
    if schedule.interval == "epoch":
        epochs: float | None = float(len(curve))  # one scheduler step per epoch
    elif per_epoch:
        epochs = len(curve) / per_epoch
    else:
        epochs = None
    if len(curve) == 0:
        return CurveSummary(0, epochs, math.nan, math.nan, math.nan)
    curve = np.asarray(curve, dtype=np.float64)
    peak = float(curve.max())
    at_peak = curve == peak
    with np.errstate(over="ignore"):  # lrs near the float maximum: the sum is inf, say so
        mean, area = float(curve.mean()), float(curve.sum())
    if math.isinf(mean):
        # The sum overflowed, the mean cannot: average the lrs scaled down by the peak.
        scale = float(np.abs(curve).max())
        mean = float((curve / scale).mean()) * scale
    return CurveSummary(len(curve), epochs, peak, float(curve[-1]), mean,
                        area=area, minimum=float(curve.min()),
                        peak_step=int(np.argmax(at_peak)), steps_at_peak=int(at_peak.sum()))


def summarize_pieces(schedule: Schedule, pieces: list[np.ndarray]) -> CurveSummary:
    """`summarize` of a curve given as consecutive pieces (the first group's lrs of
    `engine.iter_curves`), joined once into packed float64. Empties `pieces` once they are
    joined, so a 10M-step curve is not held twice while it is summarized."""
    curve = np.concatenate(pieces) if pieces else np.zeros(0)
    pieces.clear()
    return summarize(schedule, curve)
