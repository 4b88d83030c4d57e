"""Design advice: what a user would otherwise learn the hard way, tied to the phase concerned.

`design_advice(schedule, curve)` looks at a design and, when it has one, its exact curve, and
returns `Advice` items. Some come with a one-click `fix` (a new schedule), such as
"continue instead" for a restart that jumps the lr back up after a decayed phase.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from designer.core.schedule.catalog import OPTIMIZERS, count_text
from designer.core.schedule.model import CONTINUE, RESTART, Phase, Schedule

JUMP_RATIO = 1.5  # a restart that raises the lr by more than this is worth a word


@dataclass(frozen=True)
class Advice:
    """One piece of advice. `phase` is the index it concerns (None: the whole design);
    `fix` is the schedule after the suggested change, `fix_label` names it."""

    phase: int | None
    message: str
    fix: Schedule | None = None
    fix_label: str = ""


def file_warnings(schedule: Schedule) -> list[str]:
    """What `validate` and `export` say about a valid file that is still not what its
    author meant (the window shows the same as advice): one sentence each."""
    if not schedule.phases:
        return [_EMPTY]
    return [_FIRST_CONTINUES] if schedule.phases[0].start == CONTINUE else []


_EMPTY = ("the design has no phases: its exported code schedules nothing (TOTAL_STEPS = 0) "
          "and its CSV has no rows")
_FIRST_CONTINUES = ('phases[0].start: "continue" on the first phase has no previous phase '
                    'to continue from: it starts from the base lr, as "restart" does')


def design_advice(schedule: Schedule, curve: np.ndarray | None = None) -> list[Advice]:
    advice: list[Advice] = []
    if schedule.phases and schedule.phases[0].start == CONTINUE:
        advice.append(Advice(0, f"Phase 1 ({schedule.phases[0].scheduler}) continues, but "
                                "no phase comes before it: it starts from the base lr, as "
                                "restart does.", schedule.set_start(0, RESTART),
                             "Use restart"))
    starts = schedule.phase_starts()
    optimizer = OPTIMIZERS[schedule.optimizer.name]
    multi = len(schedule.phases) > 1
    for index, phase in enumerate(schedule.phases):
        name = f"Phase {index + 1} ({phase.scheduler})"
        spec = phase.spec
        if (curve is not None and index > 0 and phase.start == RESTART and not spec.absolute
                and len(curve) >= starts[index] + 1):
            before, after = float(curve[starts[index] - 1]), float(curve[starts[index]])
            if before > 0 and after > JUMP_RATIO * before:
                advice.append(Advice(
                    index,
                    f"{name} restarts from the base lr: the lr jumps from {before:.3g} to "
                    f"{after:.3g} ({after / before:.3g}×) after the previous phase decayed.",
                    schedule.set_start(index, CONTINUE), "Continue instead"))
        if phase.scheduler == "CosineAnnealingLR" and not phase.is_fitted():
            t_max = phase.param_value("T_max")
            if t_max < phase.steps:
                advice.append(Advice(
                    index,
                    f"{name} lasts {count_text(phase.steps, schedule.interval)} but T_max is "
                    f"{t_max:,}: past T_max the cosine climbs back up towards the start lr.",
                    schedule.set_param(index, "T_max", None), "Fit T_max to the phase"))
        if spec.absolute and multi:
            advice.append(Advice(
                index,
                f"{name}'s torch constructor overwrites the lr, initial_lr and momentum of the "
                f"optimizer's param group, which corrupts neighbouring phases under plain "
                f"SequentialLR. The preview and the exported code build each phase's "
                f"scheduler when the phase begins, which avoids it."))
        if spec.absolute and phase.start not in (RESTART, CONTINUE):
            advice.append(Advice(
                index, f"{name} sets the lr from its own parameters; the explicit start lr "
                       f"has no effect.", schedule.set_start(index, RESTART), "Use restart"))
        if spec.cycles_momentum and phase.param_value("cycle_momentum"):
            advice += _momentum_advice(schedule, index, name, optimizer.has_momentum)
        parts = ([(f"{name}, member {number + 1} ({part.scheduler})", part)
                  for number, part in enumerate(phase.member_phases())] or [(name, phase)])
        for part_name, part in parts:
            advice += _unreached_advice(schedule, index, part_name, part)
        if spec.simulated and phase.metric_source is None:  # a logged run's is what it was
            advice += _plateau_advice(schedule, index, name, curve, starts[index])
    return advice


def _unreached_advice(schedule: Schedule, index: int, name: str, part: Phase) -> list[Advice]:
    """Parameters that never act within the phase's length, of a phase or of a chained
    phase's member (`part`, a plain phase of the chained phase's length)."""
    advice = []
    if part.scheduler == "MultiStepLR":
        late = [m for m in part.param_value("milestones") or () if m >= part.steps]
        if late:
            advice.append(Advice(
                index, f"{name}: milestone{'s' if len(late) > 1 else ''} "
                       f"{', '.join(map(str, late))} lie past the phase's "
                       f"{count_text(part.steps, schedule.interval)} and never apply."))
    if part.scheduler == "StepLR" and part.param_value("step_size") >= part.steps:
        advice.append(Advice(
            index, f"{name}: step_size {part.param_value('step_size'):,} is not shorter "
                   f"than the phase, so the lr never decays in it."))
    return advice


def _plateau_advice(schedule: Schedule, index: int, name: str, curve: np.ndarray | None,
                    start: int) -> list[Advice]:
    """A simulated ReduceLROnPlateau phase too short to ever reduce, or that never did."""
    phase = schedule.phases[index]
    evaluations = phase.steps // phase.param_value("eval_every")
    patience = phase.param_value("patience")
    if evaluations <= patience:
        every = count_text(phase.param_value("eval_every"), schedule.interval)
        return [Advice(index, f"{name} evaluates the metric {evaluations:,} times "
                              f"(every {every}), never more than its patience of {patience}: "
                              "it cannot reduce the lr.")]
    if curve is not None and len(curve) >= start + phase.steps:
        piece = curve[start:start + phase.steps]
        if len(piece) and float(piece.min()) == float(piece[0]):
            return [Advice(index, f"{name}: the simulated metric never stalls for more than "
                                  f"{patience} evaluations, so the lr is never reduced. A "
                                  f"flatter metric or some metric_noise shows when it would be.")]
    return []


def _momentum_advice(schedule: Schedule, index: int, name: str,
                     has_momentum: bool) -> list[Advice]:
    optimizer = schedule.optimizer
    off = schedule.set_param(index, "cycle_momentum", False)
    if not has_momentum:
        return [Advice(index, f"{name} cycles momentum, but {optimizer.name} has neither "
                              f"momentum nor betas: torch refuses it.", off,
                       "Turn cycle_momentum off")]
    if optimizer.name in ("SGD", "RMSprop") and not optimizer.params.get("momentum"):
        return [Advice(index, f"{name} cycles momentum, but your {optimizer.name} has "
                              f"momentum 0: the scheduler will switch momentum on anyway.",
                       off, "Turn cycle_momentum off")]
    return []
