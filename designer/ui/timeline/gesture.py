"""A move or resize in progress on the timeline, and the schedule it would give.

`drag.BlockDrag` turns mouse events into `Gesture.follow` calls, and the view shows (and
emits) the tentative schedule; the one edit is made on release. Kept apart from the widget
so the rules of a drag read as plain code: where a dragged edge lands (snapping unless Shift is held) and
which gap a dragged block falls into.
"""

from __future__ import annotations

from dataclasses import dataclass

from designer.core.schedule.model import Schedule
from designer.core.schedule.training import epoch_steps
from designer.ui.timeline.geometry import XMapping, move_target, snap_steps
from designer.ui.timeline.layout import BlockLayout


@dataclass
class Gesture:
    """One move or resize in progress. `mapping` is frozen at the press so the preview
    re-ranging its axis during the drag cannot feed back into the length being dragged."""

    kind: str  # "move" | "resize"
    index: int
    grab_offset: float  # pointer x minus the grabbed block's left (move) or right (resize) edge
    mapping: XMapping
    x: float = 0.0
    slot: int = -1
    tentative: Schedule | None = None
    emitted: bool = False

    def follow(self, schedule: Schedule, x: float, free: bool, layout: BlockLayout) -> bool:
        """Move the pointer to `x` (`layout` places the gaps a moved block can fall into);
        True when that gives another tentative schedule (worth a torch re-run)."""
        self.x = x
        if self.kind == "resize":
            start = schedule.phase_starts()[self.index]
            raw_end = self.mapping.step_at(x - self.grab_offset)
            if free:
                steps = max(1, round(raw_end - start))
            else:
                steps = snap_steps(start, raw_end, self.mapping.px_per_step,
                                   epoch_steps(schedule))
            tentative = schedule.resize_phase(self.index, steps)
        else:
            self.slot = layout.slot_at(x)
            tentative = schedule.move_phase(self.index, move_target(self.index, self.slot))
        if tentative == self.tentative:
            return False
        self.tentative, self.emitted = tentative, True
        return True

    def edit_target(self) -> int | None:
        """Where a released move puts the block (None when it was not over a gap)."""
        return move_target(self.index, self.slot) if self.slot >= 0 else None
