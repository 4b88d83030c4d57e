"""The schedule model: immutable values with pure editing operations.

A `Schedule` is an optimizer, a step interval and a sequence of `Phase`s. Values are frozen:
every operation returns a new schedule, which makes undo a matter of keeping the old value,
lets caches key on phases, and means a view can never change the model behind its back.

Parameters
----------
A phase stores only the parameters the user set (`params`); omitted ones take torch's
default, except the phase's duration parameter (`T_max`, `total_iters`, `total_steps`),
which follows the phase's `steps` for as long as it is omitted. `resolved_params` gives the
full keyword arguments the engine and the exporter pass to torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import count
from typing import Any

from designer.core.schedule.catalog import CHAINED, CHAINED_SPEC, SCHEDULERS, SchedulerSpec
from designer.core.schedule.lengths import Length, LengthError, length_for_steps, resolve_steps
from designer.core.schedule.members import (
    Member,
    regroup_params,
    resolve_params,
    suggested_params,
    with_value,
)
from designer.core.schedule.metric_source import MetricSource
from designer.core.schedule.training import TrainingSetup

MAX_TOTAL_STEPS = 10_000_000
MAX_GROUPS = 16  # param groups of one design

RESTART = "restart"
CONTINUE = "continue"
StartMode = str | float  # RESTART, CONTINUE, or an explicit start lr


class ScheduleError(ValueError):
    """A design that cannot be loaded or stepped. `field` names the offending value.

    str(error) is the one-line user message: ``phases[1].params.gamma: must be > 0``.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


@dataclass(frozen=True)
class OptimizerConfig:
    """The optimizer a schedule is designed for: a torch.optim class name, base lr, kwargs."""

    name: str = "SGD"
    lr: float = 0.1
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ParamGroup:
    """One optimizer param group of a design (backbone, head, ...): a name and its base lr,
    given either absolutely (`lr`) or as a multiple of the optimizer's lr (`lr_scale`).

    Every phase's scheduler acts on all groups at once, as torch's do; schedulers that set
    the lr absolutely (OneCycleLR's max_lr, ...) take one value per group (`per_group`).
    """

    name: str
    lr: float | None = None
    lr_scale: float | None = None

    def base_lr(self, optimizer_lr: float) -> float:
        if self.lr is not None:
            return float(self.lr)
        return float(optimizer_lr) * float(self.lr_scale if self.lr_scale is not None else 1.0)


@dataclass(frozen=True)
class Phase:
    """One block on the timeline: a torch scheduler stepped `steps` times.

    Attributes
    ----------
    scheduler : torch.optim.lr_scheduler class name (a key of `catalog.SCHEDULERS`).
    steps : number of scheduler.step() calls the phase lasts.
    params : the keyword arguments the user set; never mutate, use `with_param`. Lists
        (milestones, betas) are tuples; `lr_lambda` is the expression text; a per-group
        value (`ParamSpec.per_group`) is a float for every group or a tuple, one per group.
    start : RESTART (from the base lr), CONTINUE (from the previous phase's last lr),
        or a float, an explicit start lr.
    color : the phase's colour number on screen (the views map it to a hue), given by the
        `Schedule` that holds it. It travels with the phase through moves and edits, so
        blocks keep their colour when reordered; it is not part of the design: equality
        ignores it and the file format does not save it.
    length : None for a fixed `steps`; else the proportional length as given (a fraction
        of the total, epochs, the rest), which the `Schedule` holding the phase resolves
        into `steps` (`lengths.resolve_steps`).
    members : a chained phase's schedulers (`scheduler == CHAINED`, `members.Member`), run
        at once through torch's ChainedScheduler; such a phase has no `params` of its own
        (its `spec` is `catalog.CHAINED_SPEC`, without parameters). Empty for a plain phase.
    metric_source : a plateau phase's evaluations read from its `metric_run`, attached
        where the design is prepared for the engine (never saved); None: the synthetic
        `metric` drives it.
    """

    scheduler: str
    steps: int
    params: dict[str, Any] = field(default_factory=dict)
    start: StartMode = RESTART
    color: int | None = field(default=None, compare=False, repr=False, kw_only=True)
    length: Length | None = field(default=None, kw_only=True)
    members: tuple[Member, ...] = field(default=(), kw_only=True)
    metric_source: MetricSource | None = field(default=None, kw_only=True, repr=False)

    @property
    def spec(self) -> SchedulerSpec:
        return CHAINED_SPEC if self.scheduler == CHAINED else SCHEDULERS[self.scheduler]

    @property
    def is_chained(self) -> bool:
        return self.scheduler == CHAINED

    def member_phases(self) -> tuple[Phase, ...]:
        """Each member as a plain phase of this phase's length: what the checks, the
        engine's keyword arguments and the exporter's constructor text take."""
        return tuple(Phase(member.scheduler, self.steps, dict(member.params))
                     for member in self.members)

    def with_member(self, index: int, member: Member) -> Phase:
        members = list(self.members)
        members[index] = member
        return replace(self, members=tuple(members))

    def is_fitted(self) -> bool:
        """Whether the duration parameter follows the phase length."""
        fit = self.spec.fit_param
        return fit is not None and fit not in self.params

    def with_param(self, name: str, value: Any) -> Phase:
        """A copy with `name` set; value None removes it (back to default or fitted)."""
        return replace(self, params=with_value(self.params, name, value))

    def resolved_params(self) -> dict[str, Any]:
        """The full torch keyword arguments: defaults, the user's values, the fitted duration."""
        return resolve_params(self.spec, self.params, self.steps)

    def param_value(self, name: str) -> Any:
        """The effective value of one parameter (None when required and unset)."""
        return self.resolved_params().get(name)


@dataclass(frozen=True)
class PinnedDesign:
    """A variant kept for comparison: its name and the whole design, whose exact curve the
    window overlays on the current one. Saved with the document (format version 2)."""

    name: str
    schedule: Schedule


@dataclass(frozen=True)
class RunReference:
    """A training run overlaid on the design and saved with it (format version 4): the
    run's file or folder and its lr series (None: the source's default, the first group's).
    Only where it is: the run is read again when the design is opened."""

    path: str
    tag: str | None = None


@dataclass(frozen=True)
class Schedule:
    """A whole design. `interval` is "step" (scheduler.step() per batch) or "epoch".
    `param_groups` empty means the optimizer has one group with the optimizer's lr.
    `training` is the training setup proportional phase lengths resolve against."""

    phases: tuple[Phase, ...] = ()
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    interval: str = "step"
    steps_per_epoch: int | None = None
    name: str = ""
    pinned: tuple[PinnedDesign, ...] = ()
    param_groups: tuple[ParamGroup, ...] = ()
    runs: tuple[RunReference, ...] = ()
    training: TrainingSetup | None = None

    def __post_init__(self) -> None:
        self._give_colors()
        self._resolve_lengths()

    def _resolve_lengths(self) -> None:
        """Proportional lengths become the phases' int steps (ScheduleError naming the
        field when they cannot)."""
        lengths = [phase.length for phase in self.phases]
        if not any(lengths):
            return
        try:
            steps = resolve_steps(lengths, [phase.steps for phase in self.phases],
                                  self.training, self.interval, strict=False)
        except LengthError as exc:
            raise ScheduleError(exc.field, exc.message) from None
        phases = tuple(phase if phase.steps == count else replace(phase, steps=count)
                       for phase, count in zip(self.phases, steps))
        object.__setattr__(self, "phases", phases)  # frozen: this is still construction

    def _give_colors(self) -> None:
        # Colours are given here, where every schedule is made (loaded, imported, edited,
        # undone), rather than by each edit: a phase keeps the colour it has; a new phase,
        # or the second of two with one colour (a duplicate, a split), takes the lowest
        # colour no other phase has. A loaded design therefore reads 0, 1, 2, ... as before.
        taken: set[int] = set()
        keeps = []
        for phase in self.phases:
            keeps.append(phase.color is not None and phase.color not in taken)
            if keeps[-1]:
                taken.add(phase.color)
        if all(keeps):
            return
        free = (number for number in count() if number not in taken)
        phases = tuple(phase if keep else replace(phase, color=next(free))
                       for phase, keep in zip(self.phases, keeps))
        object.__setattr__(self, "phases", phases)  # frozen: this is still construction

    @property
    def total_steps(self) -> int:
        return sum(p.steps for p in self.phases)

    @property
    def group_count(self) -> int:
        return max(1, len(self.param_groups))

    def base_lrs(self) -> tuple[float, ...]:
        """The base lr of every param group (just the optimizer's lr without groups)."""
        if not self.param_groups:
            return (float(self.optimizer.lr),)
        return tuple(group.base_lr(self.optimizer.lr) for group in self.param_groups)

    def group_names(self) -> tuple[str, ...]:
        """The groups' names; a design without groups has one, unnamed."""
        return tuple(group.name for group in self.param_groups) or ("",)

    def has_chained(self) -> bool:
        """Whether a phase runs several schedulers at once (format version 5)."""
        return any(phase.is_chained for phase in self.phases)

    def uses_simulation(self) -> bool:
        """Whether a phase's curve is simulated (ReduceLROnPlateau with a synthetic metric)."""
        return any(phase.spec.simulated for phase in self.phases)

    def phase_starts(self) -> list[int]:
        """The global step at which each phase begins."""
        starts, at = [], 0
        for phase in self.phases:
            starts.append(at)
            at += phase.steps
        return starts

    def phase_at(self, step: int) -> int | None:
        """Index of the phase that holds global `step`, or None past the end."""
        at = 0
        for index, phase in enumerate(self.phases):
            at += phase.steps
            if step < at:
                return index
        return None

    # Pure editing operations. Each returns a new Schedule; undo commands keep the old one.

    def insert_phase(self, index: int, phase: Phase) -> Schedule:
        phases = list(self.phases)
        phases.insert(max(0, min(index, len(phases))), phase)
        return replace(self, phases=tuple(phases))

    def remove_phase(self, index: int) -> Schedule:
        phases = list(self.phases)
        del phases[index]
        return replace(self, phases=tuple(phases))

    def move_phase(self, source: int, target: int) -> Schedule:
        """Move phase `source` so that it ends up at index `target`."""
        phases = list(self.phases)
        phase = phases.pop(source)
        phases.insert(max(0, min(target, len(phases))), phase)
        return replace(self, phases=tuple(phases))

    def replace_phase(self, index: int, phase: Phase) -> Schedule:
        phases = list(self.phases)
        phases[index] = phase
        return replace(self, phases=tuple(phases))

    def resize_phase(self, index: int, steps: int) -> Schedule:
        """Phase `index` resized to `steps`, keeping the kind of length it has (a fraction
        stays a fraction, epochs stay epochs; the "rest" phase keeps what the others leave)."""
        phase, steps = self.phases[index], int(steps)
        rest = [other.steps for at, other in enumerate(self.phases) if at != index
                and other.length is not None and other.length.kind == "rest"]
        if rest:  # the rest phase keeps at least one step
            steps = max(1, min(steps, phase.steps + rest[0] - 1))
        length = length_for_steps(phase.length, steps, self.training, self.interval)
        return self.replace_phase(index, replace(phase, steps=steps, length=length))

    def set_param(self, index: int, name: str, value: Any) -> Schedule:
        return self.replace_phase(index, self.phases[index].with_param(name, value))

    def set_start(self, index: int, start: StartMode) -> Schedule:
        return self.replace_phase(index, replace(self.phases[index], start=start))

    def split_phase(self, index: int, at_step: int) -> Schedule:
        """Split phase `index` after `at_step` of its own steps into two phases.

        The second half continues from the first (start CONTINUE), so for schedulers
        whose curve depends only on the current lr the shape is kept as far as torch allows.
        """
        phase = self.phases[index]
        if not 0 < at_step < phase.steps:
            raise ValueError(f"cannot split a {phase.steps}-step phase at {at_step}")
        first = replace(phase, steps=at_step, length=self._split_length(phase, at_step, True))
        second = replace(phase, steps=phase.steps - at_step, start=CONTINUE,
                         length=self._split_length(phase, phase.steps - at_step, False))
        phases = list(self.phases)
        phases[index:index + 1] = [first, second]
        return replace(self, phases=tuple(phases))

    def _split_length(self, phase: Phase, steps: int, first: bool) -> Length | None:
        """A split part's length: proportional parts share the phase's kind; of a "rest"
        phase the first part becomes fixed steps and the second stays the rest."""
        if phase.length is not None and phase.length.kind == "rest":
            return None if first else phase.length
        return length_for_steps(phase.length, steps, self.training, self.interval)

    def with_pin(self, name: str, design: Schedule) -> Schedule:
        """Pin `design` under `name` for comparison (the pin's name is its label; a pinned
        design keeps no name or pins of its own)."""
        pin = PinnedDesign(name, replace(design, pinned=(), name="", runs=()))
        return replace(self, pinned=(*self.pinned, pin))

    def without_pin(self, index: int) -> Schedule:
        pinned = list(self.pinned)
        del pinned[index]
        return replace(self, pinned=tuple(pinned))

    def with_optimizer(self, optimizer: OptimizerConfig) -> Schedule:
        return replace(self, optimizer=optimizer)

    def with_param_groups(self, groups: tuple[ParamGroup, ...]) -> Schedule:
        """A copy with these param groups. Per-group values of the phases follow by name
        (a renamed group keeps the value at its position, an added one takes the first
        group's), and a phase whose values are then all equal holds the one value again."""
        old_names = self.group_names()
        new_names = tuple(group.name for group in groups) or ("",)
        phases = tuple(_regroup(phase, old_names, new_names) for phase in self.phases)
        return replace(self, param_groups=tuple(groups), phases=phases)

    def with_settings(self, **changes: Any) -> Schedule:
        """A copy with schedule-level fields changed (interval, steps_per_epoch, name,
        runs)."""
        return replace(self, **changes)


def _regroup(phase: Phase, old_names: tuple[str, ...], new_names: tuple[str, ...]) -> Phase:
    members = tuple(replace(member, params=regroup_params(member.spec, member.params,
                                                          old_names, new_names))
                    for member in phase.members)
    return replace(phase, params=regroup_params(phase.spec, phase.params, old_names, new_names),
                   members=members)


def chained_phase(members: tuple[Member, ...] | list[Member], steps: int,
                  start: StartMode = RESTART) -> Phase:
    """A chained phase of `steps` steps running `members` at once."""
    return Phase(CHAINED, int(steps), {}, start, members=tuple(members))


def new_member(scheduler: str) -> Member:
    """A member as "chain with …" adds it: required parameters get their suggested values."""
    return Member(scheduler, suggested_params(SCHEDULERS[scheduler]))


def new_phase(scheduler: str, steps: int) -> Phase:
    """A phase as the palette inserts it: required parameters get their suggested values."""
    spec = SCHEDULERS[scheduler]
    params = suggested_params(spec)
    if spec.simulated:
        params.update(simulation_for_length(int(steps)))
    return Phase(scheduler, int(steps), params)


def simulation_for_length(steps: int) -> dict[str, Any]:
    """The synthetic metric of a new simulated phase, scaled to its length: a loss that
    falls over the first part of the phase and flattens out, with a little noise, validated
    about 100 times; torch's defaults (patience 10) then reduce the lr in the last third."""
    return {"metric": f"0.5 + 2 * exp(-step / {max(1, steps // 8)})", "metric_noise": 0.01,
            "eval_every": max(1, steps // 100)}
