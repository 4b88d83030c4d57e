"""The timeline's rules, without Qt: step/pixel mapping, resize snapping, block text.

Kept apart from the widget so what a user feels (where a dragged edge lands, what a block
says about its phase) is plain functions of the schedule and the pixel scale.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from designer.core.schedule.catalog import chained_text, count_text, members_text
from designer.core.schedule.kinds import short_count, short_number, short_text
from designer.core.schedule.lengths import EPOCHS
from designer.core.schedule.model import CONTINUE, RESTART, Phase, Schedule
from designer.core.schedule.training import epoch_steps

GRID_PX = 8.0  # a snap grid finer than this many pixels is finer than a hand can aim
EPOCH_PX = 6.0  # epoch boundaries attract a dragged edge from this close, when this wide
MIN_BLOCK_PX = 14.0  # a block narrower than this could not be clicked, let alone dragged


@dataclass(frozen=True)
class XMapping:
    """Affine map from a step value to a widget-local x pixel (the preview plot's axis)."""

    x_min: float
    x_max: float
    left: float
    right: float

    @property
    def px_per_step(self) -> float:
        span = self.x_max - self.x_min
        return (self.right - self.left) / span if span else 0.0

    def x_of(self, step: float) -> float:
        return self.left + (step - self.x_min) * self.px_per_step

    def step_at(self, x: float) -> float:
        scale = self.px_per_step
        return self.x_min + (x - self.left) / scale if scale else self.x_min


def fit_mapping(total_steps: int, width: float, margin: float) -> XMapping:
    """The whole schedule across the width, `margin` pixels clear of each side."""
    return XMapping(0.0, float(max(total_steps, 1)), margin, max(margin + 1.0, width - margin))


def widen_blocks(edges: Sequence[float], min_px: float = MIN_BLOCK_PX) -> list[float]:
    """Block edges (x pixels, one more than blocks, left to right) with every block at least
    `min_px` wide where the span allows: narrower blocks grow, wider ones give up width in
    proportion to what they have beyond `min_px`, and the outer edges stay where they are.

    The timeline's scale bends for a 10-step phase beside a 1M-step one, so the short phase
    can be clicked; the plot above keeps its true axis.
    """
    widths = [right - left for left, right in pairwise(edges)]
    if not widths:
        return list(edges)
    floor = min(min_px, (edges[-1] - edges[0]) / len(widths))
    deficit = sum(max(0.0, floor - width) for width in widths)
    if deficit <= 0:
        return list(edges)
    # The widths sum to at least len(widths) * floor, so the spare covers the deficit.
    spare = sum(max(0.0, width - floor) for width in widths)
    shrink = deficit / spare
    widened = [float(edges[0])]
    for width in widths:
        widened.append(widened[-1] + (floor if width < floor else
                                      width - (width - floor) * shrink))
    return widened


def nice_grid(px_per_step: float, max_px: float = GRID_PX) -> int:
    """The largest 1, 2 or 5 x 10^k step increment narrower than `max_px` (at least 1)."""
    if px_per_step <= 0:
        return 1
    limit = max_px / px_per_step
    best, power = 1, 1
    while True:
        for factor in (1, 2, 5):
            if factor * power >= limit:
                return best
            best = factor * power
        power *= 10


def snap_steps(start: int, raw_end: float, px_per_step: float,
               steps_per_epoch: int | None = None) -> int:
    """The length of a phase beginning at `start` whose right edge was dragged to `raw_end`.

    Lengths snap to a round grid that suits the zoom; epoch boundaries (global ones, so
    the phase ends where an epoch does) win when they are within `EPOCH_PX` of the cursor.
    """
    grid = nice_grid(px_per_step)
    length = round((raw_end - start) / grid) * grid
    if steps_per_epoch and steps_per_epoch * px_per_step >= EPOCH_PX:
        boundary = round(raw_end / steps_per_epoch) * steps_per_epoch
        if boundary > start and abs(boundary - raw_end) * px_per_step <= EPOCH_PX:
            length = boundary - start
    return max(1, int(length))


def slot_at(x: float, centers: Sequence[float]) -> int:
    """The gap (0 = before the first block) nearest to `x`, given the blocks' centres."""
    return sum(1 for center in centers if center < x)


def move_target(source: int, slot: int) -> int:
    """The index `Schedule.move_phase` needs for dropping block `source` into gap `slot`."""
    return slot - 1 if slot > source else slot


# ---------------------------------------------------------------- block text

def phase_summary(phase: Phase) -> str:
    """The key parameters of a block, compactly, as the catalog's `label_params` word them
    (`T_max=48k`, `every 30 ×0.1`, `0.01→1`) and each parameter's kind writes its value."""
    if phase.is_chained:
        return members_text([member.scheduler for member in phase.members])
    spec, parts = phase.spec, []
    for part in spec.label_parts():
        params = [spec.param(name) for name in part.names]
        values = [phase.param_value(name) for name in part.names]
        if part.optional and all(v == p.default for p, v in zip(params, values)):
            continue
        parts.append(part.text.format(**{p.name: short_text(p, v)
                                         for p, v in zip(params, values)}))
    return " ".join(parts)


def phase_label(phase: Phase) -> str:
    """One-line label: `Cosine T_max=48k`; a chained phase's `Chained: Linear + Cosine`."""
    if phase.is_chained:
        return chained_text([member.scheduler for member in phase.members])
    summary = phase_summary(phase)
    return f"{phase.spec.short} {summary}" if summary else phase.spec.short


def length_text(schedule: Schedule, phase: Phase) -> str:
    """A block's length in the schedule's unit, after its kind when proportional (`3% ·
    3k steps`, `rest · 97k steps`), with epochs when a batch count is known."""
    unit = "epochs" if schedule.interval == "epoch" else "steps"
    text = f"{short_count(phase.steps)} {unit}" if phase.steps != 1 else f"1 {unit[:-1]}"
    if phase.length is not None:
        text = f"{phase.length.label()} \N{MIDDLE DOT} {text}"
    per_epoch = epoch_steps(schedule)
    if per_epoch and (phase.length is None or phase.length.kind != EPOCHS):
        text += f" \N{MIDDLE DOT} {phase.steps / per_epoch:.3g} ep"
    return text


def start_description(phase: Phase, index: int) -> str:
    if phase.start == RESTART:
        return "restarts from the optimizer's base lr"
    if phase.start == CONTINUE:
        if index == 0:
            return "continues from the base lr (it is the first phase)"
        return "continues from the previous phase's last lr"
    return f"starts at lr {short_number(float(phase.start))}"


def phase_tooltip(schedule: Schedule, index: int) -> str:
    """Rich-text description of block `index`: scheduler, span, every parameter, start."""
    phase = schedule.phases[index]
    spec = phase.spec
    start = schedule.phase_starts()[index]
    unit = "epoch" if schedule.interval == "epoch" else "step"
    lines = [f"<b>{spec.name}</b> &nbsp;<span>phase {index + 1} of {len(schedule.phases)}</span>",
             f"{phase.steps:,} {unit}s ({unit}s {start:,}\N{EN DASH}{start + phase.steps - 1:,})"]
    spe = epoch_steps(schedule)
    if spe:
        lines[-1] += f", epochs {start / spe:.4g}\N{EN DASH}{(start + phase.steps) / spe:.4g}"
    for number, member in enumerate(phase.member_phases()):
        label = html.escape(phase_label(member), quote=False)
        lines.append(f"&nbsp;&nbsp;{number + 1}. {label}")
    resolved = phase.resolved_params()
    for param in spec.params:
        value = resolved.get(param.name)
        note = ""
        if param.name == spec.fit_param and phase.is_fitted():
            note = "(follows the phase length)"
        elif param.name not in phase.params:
            note = "(default)"
        shown = short_text(param, value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            shown = f"{value:,}" if isinstance(value, int) else f"{value:g}"
        lines.append(f"&nbsp;&nbsp;{param.name} = {html.escape(str(shown), quote=False)}"
                     + (f" <i>{note}</i>" if note else ""))
    lines.append(f"Start: {html.escape(start_description(phase, index), quote=False)}")
    return "<br>".join(lines)


def accessible_description(schedule: Schedule) -> str:
    """What a screen reader says about the timeline: its phases in a line."""
    if not schedule.phases:
        return "Empty: drag a scheduler here from the palette, or choose New from preset"
    labels = [f"{phase_label(p)}, {count_text(p.steps, schedule.interval)}"
              for p in schedule.phases]
    return f"{len(labels)} phase{'s' if len(labels) != 1 else ''}: " + "; ".join(labels)
