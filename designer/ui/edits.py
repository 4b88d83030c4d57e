"""User edits as named, undoable document changes, shared by every view.

The palette's double-click, a drop on the timeline and a test all insert a phase through
`insert_scheduler`, so they are one code path. Each function computes the new immutable
schedule and pushes one command with a human label ("Insert CosineAnnealingLR").
"""

from __future__ import annotations

from dataclasses import replace

from designer.core.schedule.model import (
    CONTINUE,
    MAX_GROUPS,
    RESTART,
    ParamGroup,
    Schedule,
    new_phase,
)
from designer.ui.document import Document

SCHEDULER_MIME = "application/x-lr-designer-scheduler"


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


def insert_scheduler(document: Document, scheduler: str, index: int | None = None,
                     steps: int | None = None) -> None:
    """Insert a new phase of `scheduler` at `index` (append when None) and select it."""
    schedule = document.schedule
    index = len(schedule.phases) if index is None else max(0, min(index, len(schedule.phases)))
    phase = new_phase(scheduler, steps or default_steps(schedule))
    document.edit(f"Insert {scheduler}", schedule.insert_phase(index, phase), select=index)


def delete_phase(document: Document, index: int) -> None:
    schedule = document.schedule
    if not 0 <= index < len(schedule.phases):
        return
    name = schedule.phases[index].scheduler
    remaining = len(schedule.phases) - 1
    document.edit(f"Delete {name}", schedule.remove_phase(index),
                  select=min(index, remaining - 1))


def duplicate_phase(document: Document, index: int) -> None:
    schedule = document.schedule
    phase = schedule.phases[index]
    document.edit(f"Duplicate {phase.scheduler}", schedule.insert_phase(index + 1, phase),
                  select=index + 1)


def move_phase(document: Document, source: int, target: int) -> None:
    """Move phase `source` so that it lands at index `target` (one undo step)."""
    schedule = document.schedule
    if source == target:
        return
    name = schedule.phases[source].scheduler
    document.edit(f"Move {name}", schedule.move_phase(source, target), select=target)


def resize_phase(document: Document, index: int, steps: int) -> None:
    schedule = document.schedule
    name = schedule.phases[index].scheduler
    document.edit(f"Resize {name}", schedule.resize_phase(index, max(1, int(steps))),
                  select=index)


def split_phase(document: Document, index: int, at_step: int) -> None:
    schedule = document.schedule
    phase = schedule.phases[index]
    if not 0 < at_step < phase.steps:
        return
    document.edit(f"Split {phase.scheduler}", schedule.split_phase(index, at_step),
                  select=index + 1)


def set_start(document: Document, index: int, start: str | float) -> None:
    schedule = document.schedule
    phase = schedule.phases[index]
    label = {RESTART: "Restart", CONTINUE: "Continue"}.get(start, "Set start lr of")
    document.edit(f"{label} {phase.scheduler}", schedule.set_start(index, start),
                  merge_key=("start", index) if not isinstance(start, str) else None)


# Param groups. The editor checks names and lrs with `fileformat.check_group` first; these
# functions take valid values. `Schedule.with_param_groups` carries the phases' per-group
# values along (by name, a renamed group keeping its position).

FIRST_GROUPS = (ParamGroup("backbone", lr_scale=1.0), ParamGroup("head", lr_scale=10.0))


def add_param_group(document: Document) -> None:
    """Add a group. The first add splits the optimizer's one group into two, backbone at the
    base lr and head at ten times it: a single named group is rarely what people mean."""
    schedule = document.schedule
    groups = schedule.param_groups
    if not groups:
        document.edit("Add param groups", schedule.with_param_groups(FIRST_GROUPS))
        return
    if len(groups) >= MAX_GROUPS:
        return
    taken = {group.name for group in groups}
    number = len(groups) + 1
    while f"group{number}" in taken:
        number += 1
    group = ParamGroup(f"group{number}", lr_scale=1.0)
    document.edit(f"Add param group {group.name}",
                  schedule.with_param_groups((*groups, group)))


def remove_param_group(document: Document, index: int) -> None:
    schedule = document.schedule
    groups = list(schedule.param_groups)
    if not 0 <= index < len(groups):
        return
    removed = groups.pop(index)
    document.edit(f"Remove param group {removed.name}",
                  schedule.with_param_groups(tuple(groups)))


def move_param_group(document: Document, index: int, target: int) -> None:
    """Move group `index` to position `target` (its per-group values move with it)."""
    schedule = document.schedule
    groups = list(schedule.param_groups)
    if index == target or not (0 <= index < len(groups) and 0 <= target < len(groups)):
        return
    group = groups.pop(index)
    groups.insert(target, group)
    direction = "up" if target < index else "down"
    document.edit(f"Move param group {group.name} {direction}",
                  schedule.with_param_groups(tuple(groups)))


def rename_param_group(document: Document, index: int, name: str) -> None:
    """Rename group `index`; consecutive renames of one group (typing) are one undo step."""
    schedule = document.schedule
    groups = list(schedule.param_groups)
    groups[index] = replace(groups[index], name=name)
    document.edit("Rename param group", schedule.with_param_groups(tuple(groups)),
                  merge_key=("param group", index, "name"))


def set_param_group_lr(document: Document, index: int, value: float) -> None:
    """Set group `index`'s lr, or its lr_scale when it has one (typing merges)."""
    schedule = document.schedule
    groups = list(schedule.param_groups)
    group = groups[index]
    groups[index] = replace(group, lr=value) if group.lr is not None else \
        replace(group, lr_scale=value)
    document.edit(f"Set {group.name} lr", schedule.with_param_groups(tuple(groups)),
                  merge_key=("param group", index, "lr"))


def set_param_group_scaled(document: Document, index: int, scaled: bool) -> None:
    """Give group `index` its lr as a multiple of the optimizer's lr (`scaled`) or as an
    absolute lr, keeping the lr it trains at."""
    schedule = document.schedule
    groups = list(schedule.param_groups)
    group = groups[index]
    if (group.lr_scale is not None) == scaled:
        return
    optimizer_lr = float(schedule.optimizer.lr)
    lr = group.base_lr(optimizer_lr)
    # 12 significant digits, so that 0.01 / 0.1 reads 0.1 and not 0.09999999999999999.
    if scaled:
        groups[index] = ParamGroup(group.name, lr_scale=float(f"{lr / optimizer_lr:.12g}"))
        label = f"Scale {group.name} lr with the optimizer lr"
    else:
        groups[index] = ParamGroup(group.name, lr=float(f"{lr:.12g}"))
        label = f"Give {group.name} an absolute lr"
    document.edit(label, schedule.with_param_groups(tuple(groups)))
