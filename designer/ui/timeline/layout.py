"""Where the timeline draws each block, and what lies under a point: one value per layout.

A `BlockLayout` is computed from the schedule shown, the step-to-pixel mapping and the
widget's height, and answers every hit test (block, edge, gap, step) from the same rects
the painter draws, so what the user sees is what a click hits. Blocks narrower than
`MIN_BLOCK_PX` are widened (`timeline_geometry.widen_blocks`).
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QRectF

from designer.core.schedule.model import Schedule
from designer.ui.timeline.geometry import XMapping, slot_at, widen_blocks

PAD_Y = 6.0
BAND_TOP = 4.0  # a chained block's bands start below its accent stripe
EDGE_PX = 5.0  # how close to a block's right edge the pointer grabs the edge, not the body


class BlockLayout:
    """The blocks of `schedule` on `mapping`, `height` pixels tall."""

    def __init__(self, schedule: Schedule, mapping: XMapping, height: float) -> None:
        self.schedule = schedule
        self.mapping = mapping
        self.height = height
        self.starts = schedule.phase_starts()
        edges = widen_blocks([mapping.x_of(step)
                              for step in (*self.starts, schedule.total_steps)])
        self.rects = [QRectF(left, PAD_Y, right - left, height - 2 * PAD_Y)
                      for left, right in pairwise(edges)]

    def fits(self, schedule: Schedule, mapping: XMapping, height: float) -> bool:
        """Whether this layout is still the one for these (schedules are immutable values,
        so the same object means the same phases)."""
        return schedule is self.schedule and (mapping, height) == (self.mapping, self.height)

    def rect(self, index: int) -> QRectF:
        return QRectF(self.rects[index])

    def band_rects(self, index: int) -> list[QRectF]:
        """The bands of chained phase `index`, one per member, top to bottom (none for a
        plain phase)."""
        return band_rects(self.rects[index], len(self.schedule.phases[index].members))

    def member_at(self, index: int, y: float) -> int:
        """The member of phase `index` whose band is at height `y` (-1: a plain phase)."""
        bands = self.band_rects(index)
        for member, band in enumerate(bands):
            if y < band.bottom():
                return member
        return len(bands) - 1

    def block_at(self, x: float) -> int:
        """The phase under `x`, or -1."""
        for index, rect in enumerate(self.rects):
            if rect.left() <= x < rect.right():
                return index
        return -1

    def edge_at(self, x: float) -> int:
        """The phase whose right edge is within grabbing distance of `x`, or -1. Narrow
        blocks grab less, so the middle of the narrowest still selects the block."""
        best, best_distance = -1, EDGE_PX
        for index, rect in enumerate(self.rects):
            reach = min(EDGE_PX, *(r.width() / 4 for r in self.rects[index:index + 2]))
            distance = abs(rect.right() - x)
            if distance <= min(reach, best_distance):
                best, best_distance = index, distance
        return best

    def slot_at(self, x: float) -> int:
        """The index a phase dropped at `x` gets: the gap between blocks nearest to it."""
        return slot_at(x, [rect.center().x() for rect in self.rects])

    def step_in_block(self, index: int, x: float) -> int:
        """The step of the schedule at `x` within block `index`, read on the block as drawn
        (a widened block spreads its steps over its width; the plot's scale would put a
        point of it outside the phase)."""
        rect, steps = self.rects[index], self.schedule.phases[index].steps
        offset = (x - rect.left()) / rect.width() * steps if rect.width() else 0
        return self.starts[index] + max(0, min(steps, round(offset)))

    def end_x(self, index: int) -> float:
        """Where phase `index` ends on the unbent scale (the plot's)."""
        return self.mapping.x_of(self.starts[index] + self.schedule.phases[index].steps)


def band_rects(rect: QRectF, count: int) -> list[QRectF]:
    """`rect` below its accent stripe cut into `count` equal horizontal bands."""
    if count <= 0:
        return []
    top = rect.top() + BAND_TOP
    height = (rect.bottom() - top) / count
    return [QRectF(rect.left(), top + i * height, rect.width(), height) for i in range(count)]
