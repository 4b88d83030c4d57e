"""A training loop's stepping, shared by the core tests: the first param group's lr before
each optimizer.step(), and the scheduler.step() of a loop that validates."""

from __future__ import annotations

import torch
from torch.optim import lr_scheduler


def optimizer_step(optimizer) -> None:
    """optimizer.step() as a training loop calls it: with a closure that gives the loss,
    which LBFGS needs (the others take it too). The parameters have no gradient, so nothing
    changes."""
    optimizer.step(lambda: torch.zeros(()))


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


def first_group_lrs(optimizer, scheduler, steps: int) -> list[float]:
    """`steps` iterations of a plain training loop: read the lr, optimizer.step(),
    scheduler.step(); the lrs read, of the first param group."""
    lrs = []
    for _ in range(steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer_step(optimizer)
        scheduler.step()
    return lrs
