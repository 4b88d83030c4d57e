"""The scheduler.step() call of a training loop that validates, shared by the export tests."""

from __future__ import annotations

from torch.optim import lr_scheduler


def step_like_training(scheduler, metric, step: int) -> None:
    """Step `scheduler` after global `step` as the exported module's demo loop does:
    without a simulated metric, scheduler.step(); a lone ReduceLROnPlateau steps only where
    the metric is evaluated; PhasedLR takes the metric or None. The metric is drawn once."""
    if metric is None:
        scheduler.step()
        return
    value = metric(step)
    if not isinstance(scheduler, lr_scheduler.ReduceLROnPlateau) or value is not None:
        scheduler.step(value)
