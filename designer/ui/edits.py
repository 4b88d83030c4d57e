"""User edits as named, undoable document changes, shared by every view.

The palette's double-click, a drop on the timeline and a test all insert a phase through
`insert_scheduler`, so they are one code path. Each function computes the new immutable
schedule and pushes one command with a human label ("Insert CosineAnnealingLR").
"""

from __future__ import annotations

from designer.core.model import CONTINUE, RESTART, Schedule, new_phase
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
