"""Every undoable change a user can make, as functions of the schedule.

Each function takes the current (immutable) `Schedule` and the edit's arguments and returns
an `Edit`: the label the Undo menu shows ("Insert CosineAnnealingLR"), the new schedule, the
merge key that makes repeated edits of one thing one undo step (typing in one field), and
the phase to select afterwards. It returns None when there is nothing to change (an index out
of range, a move onto itself). Views call these and hand the result to the document
(`Document.apply` in the window), so every label and merge rule is written once and tested
without Qt.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, replace
from typing import Any

from designer.core.schedule.catalog import OPTIMIZERS
from designer.core.schedule.kinds import check_value
from designer.core.schedule.lengths import REST, Length, length_for_steps
from designer.core.schedule.model import (
    CONTINUE,
    MAX_GROUPS,
    RESTART,
    OptimizerConfig,
    ParamGroup,
    RunReference,
    Schedule,
    ScheduleError,
    StartMode,
    new_phase,
)
from designer.core.schedule.training import TrainingSetup, count_steps


@dataclass(frozen=True)
class Edit:
    """One undoable change: `schedule` replaces the current one under `label`.

    Attributes
    ----------
    label : what Undo and Redo say ("Resize StepLR").
    schedule : the schedule after the edit.
    merge_key : edits in a row with the same key (not None) are one undo step.
    select : the phase selected after the edit (None: the selection stays).
    """

    label: str
    schedule: Schedule
    merge_key: Hashable | None = None
    select: int | None = None


# Phases ------------------------------------------------------------------------------------

def nice_steps(steps: float) -> int:
    """Round to a number a person would pick: 1, 2, 5 times a power of ten, at least 1."""
    steps = max(1.0, float(steps))
    magnitude = 10 ** (len(str(int(steps))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if factor == 2.5 and magnitude < 10:
            continue
        if steps <= factor * magnitude * 1.25:
            return max(1, round(factor * magnitude))
    return int(10 * magnitude)


def default_steps(schedule: Schedule) -> int:
    """Length of a newly inserted phase: a quarter of the design, or a typical run."""
    if schedule.total_steps:
        return nice_steps(schedule.total_steps / 4)
    return 100 if schedule.interval == "epoch" else 1000


def insert_scheduler(schedule: Schedule, scheduler: str, index: int | None = None,
                     steps: int | None = None) -> Edit:
    """A new phase of `scheduler` at `index` (appended when None), selected. The palette's
    double-click, a drop on the timeline and the tests all insert through here."""
    count = len(schedule.phases)
    index = count if index is None else max(0, min(index, count))
    phase = new_phase(scheduler, steps or default_steps(schedule))
    return Edit(f"Insert {scheduler}", schedule.insert_phase(index, phase), select=index)


def delete_phase(schedule: Schedule, index: int) -> Edit | None:
    if not 0 <= index < len(schedule.phases):
        return None
    remaining = len(schedule.phases) - 1
    return Edit(f"Delete {schedule.phases[index].scheduler}", schedule.remove_phase(index),
                select=min(index, remaining - 1))


def duplicate_phase(schedule: Schedule, index: int) -> Edit | None:
    if not 0 <= index < len(schedule.phases):
        return None
    phase = schedule.phases[index]
    if phase.length is not None and phase.length.kind == REST:
        phase = replace(phase, length=None)  # one phase is the rest: the copy is fixed
    return Edit(f"Duplicate {phase.scheduler}", schedule.insert_phase(index + 1, phase),
                select=index + 1)


def move_phase(schedule: Schedule, source: int, target: int) -> Edit | None:
    """Phase `source` moved so that it lands at index `target`."""
    if source == target:
        return None
    return Edit(f"Move {schedule.phases[source].scheduler}",
                schedule.move_phase(source, target), select=target)


def resize_phase(schedule: Schedule, index: int, steps: int, merge: bool = False) -> Edit:
    """Phase `index` made `steps` long (at least 1). With `merge`, resizes of the phase in a
    row are one undo step (typing its length); a drag's one resize does not merge."""
    return Edit(f"Resize {schedule.phases[index].scheduler}",
                schedule.resize_phase(index, max(1, int(steps))),
                merge_key=("steps", index) if merge else None, select=index)


def split_phase(schedule: Schedule, index: int, at_step: int) -> Edit | None:
    """Phase `index` cut in two `at_step` steps into it; the second half selected."""
    phase = schedule.phases[index]
    if not 0 < at_step < phase.steps:
        return None
    return Edit(f"Split {phase.scheduler}", schedule.split_phase(index, at_step),
                select=index + 1)


def set_start(schedule: Schedule, index: int, start: StartMode) -> Edit:
    """Where phase `index` starts: RESTART, CONTINUE or an lr (typing an lr merges)."""
    label = {RESTART: "Restart", CONTINUE: "Continue"}.get(start, "Set start lr of")
    return Edit(f"{label} {schedule.phases[index].scheduler}", schedule.set_start(index, start),
                merge_key=None if isinstance(start, str) else ("start", index))


def set_param(schedule: Schedule, index: int, name: str, value: Any,
              merge: bool = True) -> Edit:
    """Phase `index`'s parameter `name` set to a checked `value`; None leaves it out, which
    for the fitted parameter means "follow the phase length" ("Fit"). With `merge`, edits of
    the parameter in a row are one undo step (typing; not a combo box or a check box)."""
    phase = schedule.phases[index]
    verb = "Fit" if value is None and name == phase.spec.fit_param else "Set"
    return Edit(f"{verb} {phase.scheduler} {name}", schedule.set_param(index, name, value),
                merge_key=("param", index, name) if merge else None)


# The design's settings -------------------------------------------------------------------

def change_optimizer(schedule: Schedule, name: str) -> Edit | None:
    """The optimizer class `name`, keeping the base lr and what the new optimizer also takes
    (weight_decay, betas, ...) while it is still valid for it."""
    old = schedule.optimizer
    if name == old.name or name not in OPTIMIZERS:
        return None
    params = {}
    for param in OPTIMIZERS[name].params:
        if param.name in old.params:
            try:
                params[param.name] = check_value(param, old.params[param.name], param.name)
            except ScheduleError:
                pass  # outside the new class's bounds: its default applies
    return Edit(f"Change optimizer to {name}",
                schedule.with_optimizer(OptimizerConfig(name, old.lr, params)))


def set_optimizer_lr(schedule: Schedule, lr: float) -> Edit:
    return Edit("Set optimizer lr", schedule.with_optimizer(replace(schedule.optimizer, lr=lr)),
                merge_key=("optimizer", "lr"))


def set_optimizer_param(schedule: Schedule, name: str, value: Any,
                        merge: bool = True) -> Edit | None:
    """The optimizer's keyword `name` set to a checked `value` (None: torch's default)."""
    optimizer = schedule.optimizer
    spec = OPTIMIZERS[optimizer.name]
    if spec.param(name) is None:
        return None
    changed = {**optimizer.params, name: value}
    # Catalog order, so the saved file lists parameters the same way every time.
    params = {p.name: changed[p.name] for p in spec.params
              if p.name in changed and changed[p.name] is not None}
    return Edit(f"Set {optimizer.name} {name}",
                schedule.with_optimizer(replace(optimizer, params=params)),
                merge_key=("optimizer", name) if merge else None)


def set_interval(schedule: Schedule, interval: str) -> Edit:
    """The scheduler's interval; proportional lengths are counted again in the new unit."""
    return Edit(f"Set interval to {interval}", schedule.with_settings(interval=interval))


def set_steps_per_epoch(schedule: Schedule, steps_per_epoch: int | None) -> Edit:
    """Batches per epoch; 0 or None for none."""
    return Edit("Set steps per epoch", schedule.with_settings(
        steps_per_epoch=steps_per_epoch or None), merge_key=("settings", "steps_per_epoch"))


def set_training(schedule: Schedule, setup: TrainingSetup | None, merge: bool = True) -> Edit:
    """A new training setup, re-sizing every proportional phase in this one edit (fixed
    phases keep their steps). Without a setup (None) proportional phases keep their current
    steps as fixed lengths. Typing in the setup's fields in a row is one undo step."""
    if setup is None:
        phases = tuple(replace(phase, length=None) for phase in schedule.phases)
        changed = replace(schedule, phases=phases, training=None)
    else:
        changed = schedule.with_settings(training=setup)
    return Edit("Set training setup", changed,
                merge_key=("settings", "training") if merge else None)


def set_length_kind(schedule: Schedule, index: int, kind: str | None) -> Edit | None:
    """Phase `index`'s length made fixed steps (None), a fraction of the total, epochs or
    the rest, at its current steps. None without a setup to count from, for a second
    "rest", or when nothing changes."""
    if not 0 <= index < len(schedule.phases):
        return None
    phase = schedule.phases[index]
    current = phase.length.kind if phase.length is not None else None
    if kind == current or (kind is not None and schedule.training is None):
        return None
    if kind == REST and any(p.length is not None and p.length.kind == REST
                            for p in schedule.phases):
        return None
    length = None if kind is None else length_for_steps(
        Length(kind, 1.0), phase.steps, schedule.training, schedule.interval)
    changed = schedule.replace_phase(index, replace(phase, length=length))
    return Edit(f"Set length of {phase.scheduler}", changed, select=index)


def stretch_to(schedule: Schedule, total: int) -> Edit | None:
    """Edit → Stretch to `total` steps: the setup's epochs become what makes `total`
    optimizer steps (fractional epochs, as Trainer's `num_train_epochs` allows), so every
    fraction is kept and fixed phases keep their length. None without a setup or with
    `interval == "epoch"` (whose total is whole epochs)."""
    setup = schedule.training
    if setup is None or schedule.interval != "step" or total < 1:
        return None
    per_epoch = count_steps(setup).steps_per_epoch
    epochs = total / per_epoch
    while count_steps(replace(setup, epochs=epochs)).total_steps > total:
        epochs = math.nextafter(epochs, 0.0)  # a float a hair over total / per_epoch
    changed = schedule.with_settings(training=replace(setup, epochs=epochs))
    return Edit(f"Stretch to {total:,} steps", changed)


def rename_schedule(schedule: Schedule, name: str) -> Edit:
    return Edit("Rename schedule", schedule.with_settings(name=name),
                merge_key=("settings", "name"))


def apply_fix(fixed: Schedule, label: str) -> Edit:
    """A design advice's one-click fix: the schedule the advice computed, under its label."""
    return Edit(label, fixed)


# Compare pins ----------------------------------------------------------------------------

def pin(schedule: Schedule, name: str) -> Edit:
    """The design as it is now pinned under `name`, to compare later versions against."""
    return Edit(f"Pin {name}", schedule.with_pin(name, schedule))


def unpin(schedule: Schedule, index: int) -> Edit:
    return Edit(f"Unpin {schedule.pinned[index].name}", schedule.without_pin(index))


def unpin_all(schedule: Schedule) -> Edit | None:
    if not schedule.pinned:
        return None
    return Edit("Unpin all", replace(schedule, pinned=()))


# Param groups. The editor checks names and lrs first; these functions take valid values.
# `Schedule.with_param_groups` carries the phases' per-group values along (by name, a renamed
# group keeping its position).

FIRST_GROUPS = (ParamGroup("backbone", lr_scale=1.0), ParamGroup("head", lr_scale=10.0))


def add_param_group(schedule: Schedule) -> Edit | None:
    """Add a group. The first add splits the optimizer's one group into two, backbone at the
    base lr and head at ten times it: a single named group is rarely what people mean."""
    groups = schedule.param_groups
    if not groups:
        return Edit("Add param groups", schedule.with_param_groups(FIRST_GROUPS))
    if len(groups) >= MAX_GROUPS:
        return None
    taken = {group.name for group in groups}
    number = len(groups) + 1
    while f"group{number}" in taken:
        number += 1
    group = ParamGroup(f"group{number}", lr_scale=1.0)
    return Edit(f"Add param group {group.name}", schedule.with_param_groups((*groups, group)))


def remove_param_group(schedule: Schedule, index: int) -> Edit | None:
    groups = list(schedule.param_groups)
    if not 0 <= index < len(groups):
        return None
    removed = groups.pop(index)
    return Edit(f"Remove param group {removed.name}", schedule.with_param_groups(tuple(groups)))


def move_param_group(schedule: Schedule, index: int, target: int) -> Edit | None:
    """Group `index` moved to position `target` (its per-group values move with it)."""
    groups = list(schedule.param_groups)
    if index == target or not (0 <= index < len(groups) and 0 <= target < len(groups)):
        return None
    group = groups.pop(index)
    groups.insert(target, group)
    direction = "up" if target < index else "down"
    return Edit(f"Move param group {group.name} {direction}",
                schedule.with_param_groups(tuple(groups)))


def rename_param_group(schedule: Schedule, index: int, name: str) -> Edit:
    """Group `index` renamed; renames of one group in a row (typing) are one undo step."""
    groups = list(schedule.param_groups)
    groups[index] = replace(groups[index], name=name)
    return Edit("Rename param group", schedule.with_param_groups(tuple(groups)),
                merge_key=("param group", index, "name"))


def set_param_group_lr(schedule: Schedule, index: int, value: float) -> Edit:
    """Group `index`'s lr, or its lr_scale when it has one (typing merges)."""
    groups = list(schedule.param_groups)
    group = groups[index]
    groups[index] = (replace(group, lr=value) if group.lr is not None
                     else replace(group, lr_scale=value))
    return Edit(f"Set {group.name} lr", schedule.with_param_groups(tuple(groups)),
                merge_key=("param group", index, "lr"))


def set_param_group_scaled(schedule: Schedule, index: int, scaled: bool) -> Edit | None:
    """Group `index`'s lr as a multiple of the optimizer's lr (`scaled`) or as an absolute
    lr, keeping the lr it trains at."""
    groups = list(schedule.param_groups)
    group = groups[index]
    if (group.lr_scale is not None) == scaled:
        return None
    optimizer_lr = float(schedule.optimizer.lr)
    lr = group.base_lr(optimizer_lr)
    # 12 significant digits, so that 0.01 / 0.1 reads 0.1 and not 0.09999999999999999.
    if scaled:
        groups[index] = ParamGroup(group.name, lr_scale=float(f"{lr / optimizer_lr:.12g}"))
        label = f"Scale {group.name} lr with the optimizer lr"
    else:
        groups[index] = ParamGroup(group.name, lr=float(f"{lr:.12g}"))
        label = f"Give {group.name} an absolute lr"
    return Edit(label, schedule.with_param_groups(tuple(groups)))


def add_run(schedule: Schedule, path: str, tag: str | None = None) -> Edit | None:
    """A training run overlaid on the design and saved with it (by path and tag); None
    when it is already."""
    reference = RunReference(path, tag)
    if reference in schedule.runs:
        return None
    name = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return Edit(f"Open run {name}", schedule.with_settings(runs=(*schedule.runs, reference)))


def remove_run(schedule: Schedule, index: int) -> Edit:
    runs = list(schedule.runs)
    removed = runs.pop(index)
    name = removed.path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return Edit(f"Remove run {name}", schedule.with_settings(runs=tuple(runs)))


def remove_all_runs(schedule: Schedule) -> Edit | None:
    if not schedule.runs:
        return None
    return Edit("Remove all runs", schedule.with_settings(runs=()))


def fit_to_run(schedule: Schedule, diagnosis: dict | None) -> Edit | None:
    """The design changed so that a training run it was checked against matches, where the
    run's diagnosis (`check-run --json`'s "diagnosis") maps onto the design: "interval"
    (the design's interval or steps per epoch) and "scale" (the first group's base lr x the
    factor). None for the diagnoses that are the training loop's to fix."""
    kind = (diagnosis or {}).get("kind")
    if kind == "interval":
        batches = int(diagnosis["steps_per_epoch"])
        if schedule.interval == "step":
            return Edit(f"Step per epoch of {batches:,} batches, as the run",
                        schedule.with_settings(interval="epoch", steps_per_epoch=batches))
        if schedule.steps_per_epoch != batches:
            return Edit(f"Set steps per epoch to {batches:,}, as the run",
                        schedule.with_settings(steps_per_epoch=batches))
        return Edit("Step every batch, as the run", schedule.with_settings(interval="step"))
    if kind == "scale":
        factor = float(diagnosis["factor"])
        label = f"Scale the base lr by {factor:.6g}, as the run"
        groups = schedule.param_groups
        if groups and groups[0].lr is not None:
            scaled = replace(groups[0], lr=float(f"{groups[0].lr * factor:.12g}"))
            return Edit(label, schedule.with_param_groups((scaled, *groups[1:])))
        lr = float(f"{schedule.optimizer.lr * factor:.12g}")
        return Edit(label, schedule.with_optimizer(replace(schedule.optimizer, lr=lr)))
    return None
