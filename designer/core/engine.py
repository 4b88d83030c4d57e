"""The curve engine: steps real torch schedulers and records the learning rate.

The curve has one value per step: `optimizer.param_groups[0]["lr"]` just before that step's
`optimizer.step()`. Each phase is its own real torch scheduler, constructed on a fresh
optimizer whose lr is the phase's start lr and stepped once per step (the per-phase
semantics; see README "What the curve is"). A phase's values therefore depend only on the
phase, the optimizer settings and its start lr, which is what makes per-phase caching valid.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from designer.core.catalog import EXPRESSION, FLOAT, INT_LIST, OPTIMIZERS
from designer.core.expressions import ExpressionError, parse_expression
from designer.core.fileformat import check_phase
from designer.core.model import CONTINUE, RESTART, OptimizerConfig, Phase, Schedule, ScheduleError


@dataclass(frozen=True)
class PhaseCurve:
    """What stepping one phase produced. `momentum` is momentum (SGD, RMSprop) or beta1
    (Adam family) per step, recorded only when asked for."""

    lr: np.ndarray
    momentum: np.ndarray | None = None


def compute_curve(schedule: Schedule) -> np.ndarray:
    """The exact lr per step of the whole schedule, as float64."""
    return compute_curves(schedule).lr


def compute_curves(schedule: Schedule, momentum: bool = False,
                   phase_curve: Callable[..., PhaseCurve] | None = None) -> PhaseCurve:
    """The lr curve (and optionally the momentum curve) of the whole schedule.

    `phase_curve(phase, optimizer, start, index, momentum)` steps one phase (default
    `step_phase`; the per-phase cache passes its memoizing version): the chaining of start
    lrs from phase to phase lives here only.
    """
    phase_curve = phase_curve or step_phase
    parts: list[PhaseCurve] = []
    previous_last: float | None = None
    for index, phase in enumerate(schedule.phases):
        start = start_lr(phase, schedule.optimizer.lr, previous_last)
        part = phase_curve(phase, schedule.optimizer, start, index, momentum)
        parts.append(part)
        previous_last = float(part.lr[-1])
    if not parts:
        return PhaseCurve(np.zeros(0), np.zeros(0) if momentum else None)
    lr = np.concatenate([p.lr for p in parts])
    mom = np.concatenate([p.momentum for p in parts]) if momentum else None
    return PhaseCurve(lr, mom)


def start_lr(phase: Phase, base_lr: float, previous_last: float | None) -> float:
    """The lr the phase's optimizer starts from. CONTINUE on the first phase means the base lr."""
    if phase.start == RESTART or (phase.start == CONTINUE and previous_last is None):
        return float(base_lr)
    if phase.start == CONTINUE:
        return float(previous_last)
    return float(phase.start)


def scheduler_kwargs(phase: Phase, path: str = "phase") -> dict[str, Any]:
    """The keyword arguments for the torch constructor, with expressions made callable."""
    kwargs = {}
    for name, value in phase.resolved_params().items():
        kind = phase.spec.param(name).kind
        if kind == EXPRESSION:
            kwargs[name] = _lambda(value, f"{path}.params.{name}")
        elif kind == INT_LIST:
            kwargs[name] = list(value)
        elif kind == FLOAT and isinstance(value, int) and not isinstance(value, bool):
            # Torch type-checks some floats (OneCycleLR refuses pct_start=1); the exporter
            # writes floats too, so both always run the same torch code path.
            kwargs[name] = float(value)
        else:
            kwargs[name] = value
    return kwargs


def _lambda(text: str, path: str) -> Callable[[int], float]:
    try:
        expression = parse_expression(text)
    except ExpressionError as exc:
        raise ScheduleError(path, str(exc)) from None

    def evaluate(step: int) -> float:
        try:
            return expression(step)
        except ExpressionError as exc:
            raise ScheduleError(path, str(exc)) from None

    return evaluate


def make_optimizer(config: OptimizerConfig, lr: float) -> torch.optim.Optimizer:
    """A real torch optimizer on one dummy parameter, with the design's settings."""
    spec = OPTIMIZERS[config.name]
    cls = getattr(torch.optim, spec.name)
    parameter = torch.zeros(1, requires_grad=True)
    try:
        return cls([parameter], lr=lr, **config.params)
    except _TORCH_ERRORS as exc:
        raise ScheduleError(_blame(str(exc), config.params, "optimizer.params", "optimizer"),
                            f"torch rejected {spec.name}: {_one_line(exc)}") from None


# What torch raises for arguments it rejects, at construction or while stepping.
_TORCH_ERRORS = (ValueError, TypeError, ArithmeticError, LookupError, RuntimeError)


def step_phase(phase: Phase, optimizer_config: OptimizerConfig, start: float, index: int = 0,
               momentum: bool = False) -> PhaseCurve:
    """Construct the phase's real scheduler on a fresh optimizer and step it `steps` times.

    The last of those steps is the scheduler.step() that ends the phase. Its lr is not on
    the curve, but a training loop (and the exported module) makes that call, so an error
    torch raises there is an error of the design. Every phase makes it, wherever it sits,
    so a phase's validity does not depend on its position.
    """
    # Pieces of 50k steps: a list of millions of Python floats steps about a third slower.
    chunks = list(iter_phase(phase, optimizer_config, start, index, momentum))
    if len(chunks) == 1:
        return chunks[0]
    return PhaseCurve(np.concatenate([c.lr for c in chunks]),
                      np.concatenate([c.momentum for c in chunks]) if momentum else None)


def iter_phase(phase: Phase, optimizer_config: OptimizerConfig, start: float, index: int = 0,
               momentum: bool = False,
               chunk_steps: int = 50_000) -> Generator[PhaseCurve, int | None, None]:
    """`step_phase` in pieces of at most `chunk_steps` values, for a preview that fills in
    while a long phase is stepped. The pieces concatenate to `step_phase`'s result exactly;
    an error of the design raises ScheduleError from the piece where torch meets it.
    `generator.send(n)` asks for pieces of `n` steps from then on."""
    path = f"phases[{index}]"
    check_phase(phase, path)
    optimizer = make_optimizer(optimizer_config, start)
    cls = getattr(torch.optim.lr_scheduler, phase.scheduler)
    kwargs = scheduler_kwargs(phase, path)
    group = optimizer.param_groups[0]
    done = 0  # values of earlier chunks
    lrs: list[float] = []  # values of the chunk being stepped
    moms: list[float] = []
    ending = False
    try:
        scheduler = cls(optimizer, **kwargs)
        # torch warns when scheduler.step() comes before any optimizer.step(). The dummy
        # parameter has no gradient, so this step changes nothing but records the call.
        optimizer.step()
        advance = scheduler.step
        read_momentum = _momentum_reader(group) if momentum else None
        while done < phase.steps:
            count = min(chunk_steps, phase.steps - done)
            lrs, moms = [], []
            # The lr of each step is read before the scheduler.step() that follows it;
            # the very last call is the one that ends the phase (see step_phase).
            for _ in range(count - 1):
                lrs.append(group["lr"])
                if read_momentum is not None:
                    moms.append(read_momentum())
                advance()
            lrs.append(group["lr"])
            if read_momentum is not None:
                moms.append(read_momentum())
            ending = done + count == phase.steps
            advance()
            curve = np.asarray(lrs, dtype=np.float64)
            if not np.isfinite(curve).all():
                bad = done + int(np.argmin(np.isfinite(curve)))
                raise ScheduleError(path, f"the lr is not a finite number at step {bad} of "
                                          "the phase")
            piece = PhaseCurve(curve, np.asarray(moms, dtype=np.float64) if momentum else None)
            done += count
            lrs, moms = [], []
            resized = yield piece
            if resized:
                chunk_steps = max(1, int(resized))
    except ScheduleError as exc:
        if not ending or exc.field == path:
            raise
        raise ScheduleError(exc.field, f"{exc.message}; torch evaluates step {phase.steps} at "
                            f"the scheduler.step() that ends this {phase.steps}-step "
                            "phase") from None
    except _TORCH_ERRORS as exc:
        field = _blame(str(exc), kwargs, f"{path}.params", path)
        if ending:
            message = (f"torch's {phase.scheduler} failed at the scheduler.step() that ends "
                       f"the phase: {_one_line(exc)}")
        elif done + len(lrs):
            message = (f"torch's {phase.scheduler} failed after {done + len(lrs)} steps: "
                       f"{_one_line(exc)}")
        else:
            message = f"torch rejected {phase.scheduler}: {_one_line(exc)}"
        raise ScheduleError(field, message) from None


def _momentum_reader(group: dict[str, Any]) -> Callable[[], float]:
    if "betas" in group:
        return lambda: float(group["betas"][0])
    if "momentum" in group:
        return lambda: float(group["momentum"])
    return lambda: math.nan


def _blame(message: str, params: dict[str, Any], prefix: str, fallback: str) -> str:
    """The field a torch error message is about: the longest parameter name it mentions
    (ignoring case: "Nesterov momentum requires ..." is about nesterov)."""
    message = message.lower()
    for name in sorted(params, key=len, reverse=True):
        if name.lower() in message:
            return f"{prefix}.{name}"
    return fallback


def _one_line(exc: BaseException) -> str:
    """A torch message as one line (some span several), or the exception's type name."""
    return " ".join(str(exc).split()) or type(exc).__name__
