"""The curve engine: steps real torch schedulers and records the learning rate.

The curve has one value per step: `optimizer.param_groups[0]["lr"]` just before that step's
`optimizer.step()`. Each phase is its own real torch scheduler, constructed on a fresh
optimizer whose lr is the phase's start lr and stepped once per step (the per-phase
semantics; see README "What the curve is"). A phase's values therefore depend only on the
phase, the optimizer settings and its start lr, which is what makes per-phase caching valid.

A design with several param groups steps one optimizer with one group per design group;
every phase start is then a tuple of start lrs, one per group, and the curves of the groups
after the first come in `PhaseCurve.others`.

ReduceLROnPlateau phases are simulations: after every `eval_every`-th step the engine calls
`scheduler.step(metric)` with the phase's synthetic metric (`designer.core.curves.simulation`),
exactly as the exported module's demo loop does; a phase that carries a logged run's
evaluations (`Phase.metric_source`) is stepped with those, where `MetricSource.stepped` says
(after the steps the run evaluated, or held on Lightning's clock).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterator
from types import MethodType
from typing import Any

import numpy as np
import torch

from designer.core.curves.phase_curve import PhaseCurve, chain_phases, concatenate
from designer.core.curves.simulation import metric_evaluations
from designer.core.schedule.catalog import OPTIMIZERS
from designer.core.schedule.checks import check_design
from designer.core.schedule.kinds import kind_of
from designer.core.schedule.model import OptimizerConfig, Phase, Schedule, ScheduleError


def compute_curve(schedule: Schedule) -> np.ndarray:
    """The exact lr per step of the whole schedule, as float64."""
    return compute_curves(schedule).lr


def compute_curves(schedule: Schedule, momentum: bool = False,
                   phase_curve: Callable[..., PhaseCurve] | None = None) -> PhaseCurve:
    """The lr curve (and optionally the momentum curve) of the whole schedule.

    `phase_curve(phase, optimizer, start, index, momentum)` steps one phase whole (the
    per-phase cache passes its memoizing version); by default phases are stepped in pieces.
    """
    pieces = None
    if phase_curve is not None:
        pieces = lambda *args: iter((phase_curve(*args),))
    parts = list(iter_curves(schedule, momentum, pieces))
    if not parts:
        base = schedule.base_lrs()
        others = np.zeros((len(base) - 1, 0)) if len(base) > 1 else None
        return PhaseCurve(np.zeros(0), np.zeros(0) if momentum else None, others)
    return concatenate(parts, momentum)


def iter_curves(schedule: Schedule, momentum: bool = False,
                phase_pieces: Callable[..., Iterator[PhaseCurve]] | None = None,
                ) -> Iterator[PhaseCurve]:
    """The whole schedule's curve as consecutive pieces (at most 50k steps each, unless
    `phase_pieces` steps otherwise), so a caller can check, stream or summarize a design of
    millions of steps and many groups without holding it. The start lrs chain from phase
    to phase as `phase_curve.chain_phases` chains them.

    The design is trusted to be checked (`checks.check_design`, which the loader, the
    editors and the worker apply where it enters); what torch raises becomes a ScheduleError
    naming the field."""
    phase_pieces = phase_pieces or iter_phase
    yield from chain_phases(schedule, lambda index, phase, start: phase_pieces(
        phase, schedule.optimizer, start, index, momentum))


def check_schedule(schedule: Schedule) -> None:
    """The design's checks (`checks.check_design`), then every phase stepped as
    compute_curves does, keeping nothing: ScheduleError names the field of whatever the
    checks or torch refuse (`validate`, and exports before they hand anything out)."""
    check_design(schedule)
    for _ in iter_curves(schedule):
        pass


def check_pins(schedule: Schedule) -> None:
    """`check_schedule` for every pinned variant: a pin is part of the file, and the window
    steps it like the design. ScheduleError names the field as the file has it,
    `compare[1].design.phases[0].params.gamma`."""
    for index, pin in enumerate(schedule.pinned):
        try:
            check_schedule(pin.schedule)
        except ScheduleError as exc:
            field = f"compare[{index}].design.{exc.field}".rstrip(".")
            raise ScheduleError(field, exc.message) from None


def scheduler_kwargs(phase: Phase, path: str = "phase") -> dict[str, Any]:
    """The keyword arguments for the torch constructor, each as its kind hands it to torch
    (expressions made callable; the simulation's own settings left out)."""
    kwargs = {}
    for name, value in phase.resolved_params().items():
        spec = phase.spec.param(name)
        if not spec.simulation:
            kwargs[name] = kind_of(spec).to_torch(spec, value, f"{path}.params.{name}")
    return kwargs


def make_optimizer(config: OptimizerConfig,
                   lr: float | tuple[float, ...]) -> torch.optim.Optimizer:
    """A real torch optimizer with the design's settings: one dummy parameter, or one
    param group of one dummy parameter per lr when given a tuple of several lrs.

    The lrs are written into the param groups after construction, as the exported PhasedLR
    does when a phase begins: a phase may continue from a slightly negative lr (a decay to
    zero rounds to -1.7e-17), which a training loop carries on with, but which torch's
    optimizer constructors refuse."""
    spec = OPTIMIZERS[config.name]
    cls = getattr(torch.optim, spec.name)
    lrs = [float(v) for v in (lr if isinstance(lr, tuple) else (lr,))]
    allowed = [max(v, 0.0) for v in lrs]
    if len(lrs) == 1:
        params: list[Any] = [torch.zeros(1, requires_grad=True)]
    else:
        params = [{"params": [torch.zeros(1, requires_grad=True)], "lr": group_lr}
                  for group_lr in allowed]
    try:
        # SparseAdam's constructor refuses an lr of 0 too (a frozen first group, a phase
        # that continues from a decay to 0); the constructor's lr is overwritten below.
        optimizer = cls(params, lr=allowed[0] or spec.default_lr, **config.params)
    except _TORCH_ERRORS as exc:
        raise ScheduleError(_blame(str(exc), config.params, "optimizer.params", "optimizer"),
                            f"torch rejected {spec.name}: {_one_line(exc)}") from None
    for group, group_lr in zip(optimizer.param_groups, lrs):
        group["lr"] = group_lr
    return optimizer


# What torch raises for arguments it rejects, at construction or while stepping.
_TORCH_ERRORS = (ValueError, TypeError, ArithmeticError, LookupError, RuntimeError)


def step_phase(phase: Phase, optimizer_config: OptimizerConfig,
               start: float | tuple[float, ...], index: int = 0,
               momentum: bool = False) -> PhaseCurve:
    """Construct the phase's real scheduler on a fresh optimizer and step it `steps` times.

    The last of those steps is the scheduler.step() that ends the phase. Its lr is not on
    the curve, but a training loop (and the exported module) makes that call, so an error
    torch raises there is an error of the design. Every phase makes it, wherever it sits,
    so a phase's validity does not depend on its position.
    """
    # Pieces of 50k steps: a list of millions of Python floats steps about a third slower.
    return concatenate(list(iter_phase(phase, optimizer_config, start, index, momentum)),
                       momentum)


def iter_phase(phase: Phase, optimizer_config: OptimizerConfig,
               start: float | tuple[float, ...], index: int = 0,
               momentum: bool = False,
               chunk_steps: int = 50_000) -> Generator[PhaseCurve, int | None, None]:
    """`step_phase` in pieces of at most `chunk_steps` values, for a preview that fills in
    while a long phase is stepped. The pieces concatenate to `step_phase`'s result exactly;
    an error of the design raises ScheduleError from the piece where torch meets it.
    `generator.send(n)` asks for pieces of `n` steps from then on."""
    path = f"phases[{index}]"
    optimizer = make_optimizer(optimizer_config,
                               start if isinstance(start, tuple) else (float(start),))
    kwargs = scheduler_kwargs(phase, path)
    piece = _PieceRecorder(optimizer, momentum)
    done = 0  # values of earlier pieces
    try:
        advance = _start_scheduler(phase, optimizer, kwargs, path)
        while done < phase.steps:
            count = min(chunk_steps, phase.steps - done)
            piece.step(count, advance, ends_phase=done + count == phase.steps)
            curve = piece.take(done, path)
            done += count
            resized = yield curve
            if resized:
                chunk_steps = max(1, int(resized))
    except ScheduleError as exc:
        if not piece.ending or exc.field == path:
            raise
        raise ScheduleError(exc.field, f"{exc.message}; torch evaluates step {phase.steps} at "
                            f"the scheduler.step() that ends this {phase.steps}-step "
                            "phase") from None
    except _TORCH_ERRORS as exc:
        raise _torch_failure(exc, phase, kwargs, path, piece.ending,
                             done + len(piece.lrs)) from None


def _start_scheduler(phase: Phase, optimizer: torch.optim.Optimizer, kwargs: dict[str, Any],
                     path: str) -> Callable[[], None]:
    """Construct the phase's torch scheduler on `optimizer`; returns the call that advances
    it by one step (scheduler.step(), or a plateau phase's simulated evaluation)."""
    # The dummy parameters never have a gradient, so optimizer.step() would change nothing;
    # it is only called so that torch sees it before scheduler.step() (torch warns otherwise).
    # torch's own step() imports torch._dynamo on first use (about 70 MB), hence a no-op.
    optimizer.step = MethodType(_no_step, optimizer)
    scheduler = build_scheduler(phase, optimizer, path, kwargs)
    optimizer.step()
    if phase.spec.simulated:
        return _plateau_driver(phase, scheduler, path)
    return scheduler.step


def build_scheduler(phase: Phase, optimizer: torch.optim.Optimizer, path: str,
                    kwargs: dict[str, Any] | None = None) -> Any:
    """The phase's torch scheduler constructed on `optimizer` (a chained phase's: torch's
    ChainedScheduler over its members). `kwargs`: the phase's `scheduler_kwargs`."""
    if phase.is_chained:
        return _chained_scheduler(phase, optimizer, path)
    if kwargs is None:
        kwargs = scheduler_kwargs(phase, path)
    return getattr(torch.optim.lr_scheduler, phase.scheduler)(optimizer, **kwargs)


def _chained_scheduler(phase: Phase, optimizer: torch.optim.Optimizer,
                       path: str) -> torch.optim.lr_scheduler.ChainedScheduler:
    """A chained phase's scheduler as user code builds it: each member's torch scheduler
    constructed on the optimizer in order (each constructor applies its own initial factor
    to the lr the ones before it left), then torch's ChainedScheduler over them. What torch
    rejects while constructing a member names the member's field."""
    schedulers = []
    for number, member in enumerate(phase.member_phases()):
        at = f"{path}.members[{number}]"
        kwargs = scheduler_kwargs(member, at)
        try:
            schedulers.append(getattr(torch.optim.lr_scheduler, member.scheduler)(
                optimizer, **kwargs))
        except _TORCH_ERRORS as exc:
            raise _torch_failure(exc, member, kwargs, at, False, 0) from None
    return torch.optim.lr_scheduler.ChainedScheduler(schedulers, optimizer=optimizer)


class _PieceRecorder:
    """The values of the piece being stepped, each read just before the scheduler.step()
    that follows its step: the first group's lr, its momentum when asked for, the other
    groups' lrs."""

    def __init__(self, optimizer: torch.optim.Optimizer, momentum: bool) -> None:
        self.group = optimizer.param_groups[0]
        self.other_groups = optimizer.param_groups[1:]
        self.read_momentum = _momentum_reader(self.group) if momentum else None
        self.ending = False  # true from the scheduler.step() that ends the phase
        self._clear()

    def _clear(self) -> None:
        self.lrs: list[float] = []
        self.moms: list[float] = []
        self.others: list[list[float]] = [[] for _ in self.other_groups]

    def step(self, count: int, advance: Callable[[], None], ends_phase: bool) -> None:
        """Record `count` steps, each followed by its scheduler.step(); with `ends_phase`
        the last of those calls is the one that ends the phase (see step_phase)."""
        lrs, moms, group, read_momentum = self.lrs, self.moms, self.group, self.read_momentum
        others = tuple(zip(self.others, self.other_groups))
        for number in range(count):
            lrs.append(group["lr"])
            if read_momentum is not None:
                moms.append(read_momentum())
            for values, other in others:
                values.append(other["lr"])
            if number == count - 1:
                self.ending = ends_phase
            advance()

    def take(self, done: int, path: str) -> PhaseCurve:
        """The recorded piece (whose first step is step `done` of the phase) as arrays,
        checked finite; the recorder starts the next piece empty."""
        curve = np.asarray(self.lrs, dtype=np.float64)
        other_curves = np.asarray(self.others, dtype=np.float64) if self.others else None
        _check_finite(curve if other_curves is None else np.vstack([curve, other_curves]),
                      done, path)
        moms = (np.asarray(self.moms, dtype=np.float64) if self.read_momentum is not None
                else None)
        self._clear()
        return PhaseCurve(curve, moms, other_curves)


def _torch_failure(exc: BaseException, phase: Phase, kwargs: dict[str, Any], path: str,
                   ending: bool, steps: int) -> ScheduleError:
    """What torch raised while constructing or stepping the phase, as a ScheduleError that
    names the parameter it is about and when it happened."""
    field = _blame(str(exc), kwargs, f"{path}.params", path)
    if ending:
        message = (f"torch's {phase.scheduler} failed at the scheduler.step() that ends "
                   f"the phase: {_one_line(exc)}")
    elif steps:
        message = f"torch's {phase.scheduler} failed after {steps} steps: {_one_line(exc)}"
    else:
        message = f"torch rejected {phase.scheduler}: {_one_line(exc)}"
    return ScheduleError(field, message)


def _no_step(self: torch.optim.Optimizer, closure: Any = None) -> None:
    """optimizer.step() for parameters that have no gradient: nothing to do."""


def _check_finite(curves: np.ndarray, done: int, path: str) -> None:
    finite = np.isfinite(curves)
    if not finite.all():
        bad = done + int(np.argmin(finite.reshape(-1, curves.shape[-1]).all(axis=0)))
        raise ScheduleError(path, f"the lr is not a finite number at step {bad} of the phase")


def _plateau_driver(phase: Phase, scheduler: Any, path: str) -> Callable[[], None]:
    """The per-step call that drives a ReduceLROnPlateau phase: after every
    `eval_every`-th step, scheduler.step(metric) with the next synthetic evaluation; for a
    phase driven by a logged run, where its `MetricSource.stepped` says, with its values."""
    if phase.metric_source is not None:
        return _logged_driver(phase.metric_source.stepped(phase.steps), scheduler)
    evaluations = metric_evaluations(phase, path)
    every = int(phase.param_value("eval_every"))
    step = 0

    def advance() -> None:
        nonlocal step
        step += 1
        if step % every == 0:
            scheduler.step(next(evaluations)[1])

    return advance


def _logged_driver(evaluations: Iterator[tuple[int, float]],
                   scheduler: Any) -> Callable[[], None]:
    """scheduler.step(value) after each phase step of `evaluations` (a logged run's
    `MetricSource.stepped`; several after one step are stepped in their order)."""
    upcoming = next(evaluations, None)
    step = 0

    def advance() -> None:
        nonlocal step, upcoming
        while upcoming is not None and upcoming[0] == step:
            scheduler.step(upcoming[1])
            upcoming = next(evaluations, None)
        step += 1

    return advance


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


def sequential_lr_curves(schedule: Schedule) -> np.ndarray:
    """torch's own SequentialLR over the schedule's phases, as the snippet builds it: the lr
    of every param group per step, shape (groups, steps). The curve worker computes it for
    the window's overlay of an imported snippet's own curve."""
    import warnings

    optimizer = make_optimizer(schedule.optimizer, schedule.base_lrs())
    lrs = []
    with warnings.catch_warnings():
        # The dummy optimizer steps without gradients; SequentialLR's constructor steps a
        # chained first phase before any optimizer.step().
        warnings.simplefilter("ignore")
        schedulers = [build_scheduler(phase, optimizer, f"phases[{i}]")
                      for i, phase in enumerate(schedule.phases)]
        combined = torch.optim.lr_scheduler.SequentialLR(optimizer, schedulers,
                                                         schedule.phase_starts()[1:])
        for _ in range(schedule.total_steps):
            lrs.append([group["lr"] for group in optimizer.param_groups])
            optimizer.step()
            combined.step()
    return np.asarray(lrs, dtype=np.float64).reshape(-1, len(optimizer.param_groups)).T
