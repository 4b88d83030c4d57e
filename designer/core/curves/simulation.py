"""The synthetic validation metric that drives a simulated ReduceLROnPlateau phase.

ReduceLROnPlateau lowers the lr when a metric stops improving, so its curve depends on the
training. A design describes a metric instead: `metric`, an expression in `step` (the phase's
own step counter from 0), plus seeded Gaussian noise, evaluated after every `eval_every`-th
step; or, when its `metric_run` was read, the logged run's evaluations (a `MetricSource`
attached to the phase above this layer, in `core/runs/metric_run.py`).
`metric_evaluations` yields those evaluations in order; the engine steps the real scheduler
with them, and the window plots them (torch-free: this module imports no torch), so both
always see the same numbers (a logged run's are stepped where `MetricSource.stepped` says).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np

from designer.core.schedule.expressions import ExpressionError, parse_expression
from designer.core.schedule.model import Phase, ScheduleError

# The window plots a phase's metric only up to this many evaluations (the curve worker
# computes them, never the window's thread: an expression may cost up to a few hundred µs
# per evaluation). Drawing 50k noisy points stays within the 50 ms the event loop may
# stall; more evaluations are stepped, not drawn.
MAX_PLOTTED_EVALUATIONS = 50_000


def metric_evaluations(phase: Phase, path: str = "phase") -> Iterator[tuple[int, float]]:
    """(step, value) of every evaluation of the phase's metric, in order: after phase step
    `step` (eval_every - 1, 2 * eval_every - 1, ...), the value
    `metric(step) + metric_noise * random.Random(noise_seed).gauss(0.0, 1.0)`, one generator
    per phase, one draw per evaluation. Endless: the caller stops taking. A phase driven by
    a logged run (`phase.metric_source`) yields the run's evaluations within the phase
    instead, and then ends."""
    if phase.metric_source is not None:
        yield from zip(*phase.metric_source.within(phase.steps))
        return
    params = phase.resolved_params()
    field = f"{path}.params.metric"
    try:
        metric = parse_expression(params["metric"])
    except ExpressionError as exc:
        raise ScheduleError(field, str(exc)) from None
    every = int(params["eval_every"])
    noise = float(params["metric_noise"])
    rng = random.Random(int(params["noise_seed"]))
    step = every - 1
    while True:
        try:
            value = metric(step)
        except ExpressionError as exc:
            raise ScheduleError(field, str(exc)) from None
        yield step, value + noise * rng.gauss(0.0, 1.0)
        step += every


def plotted_evaluations(phase: Phase) -> int | None:
    """How many evaluations of the phase's metric fall within its steps; None when there
    are more than MAX_PLOTTED_EVALUATIONS (then they are stepped, not drawn)."""
    if phase.metric_source is not None:
        count = len(phase.metric_source.within(phase.steps)[0])
    else:
        count = phase.steps // int(phase.param_value("eval_every"))
    return None if count > MAX_PLOTTED_EVALUATIONS else count


def metric_pieces(phase: Phase, piece: int = 2_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The evaluations `metric_points` returns, as (steps, values) arrays of at most
    `piece` evaluations each, so a caller can stop between pieces (the curve worker drops
    a stale job this way). Nothing when there are too many to plot; raises ScheduleError
    naming `params.metric` when the metric fails."""
    count = plotted_evaluations(phase)
    if not count:
        return
    evaluations = metric_evaluations(phase)
    for first in range(0, count, piece):
        size = min(piece, count - first)
        steps = np.empty(size, dtype=np.float64)
        values = np.empty(size, dtype=np.float64)
        for index, (step, value) in zip(range(size), evaluations):
            steps[index], values[index] = step, value
        yield steps, values


def metric_points(phase: Phase) -> tuple[np.ndarray, np.ndarray] | None:
    """The phase's evaluations within its steps as (steps, values) arrays, for plotting;
    None when there are more than MAX_PLOTTED_EVALUATIONS or the metric fails."""
    if plotted_evaluations(phase) is None:
        return None
    try:
        pieces = list(metric_pieces(phase))
    except ScheduleError:
        return None
    if not pieces:
        return np.empty(0), np.empty(0)
    return np.concatenate([p[0] for p in pieces]), np.concatenate([p[1] for p in pieces])
