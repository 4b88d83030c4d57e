"""Colours shared by the views, so they match: the phases' hues (timeline blocks, the preview's
phase shading, the inspector) and the curve's colour (preview, palette and preset thumbnails)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

# Tableau-like hues that stay distinct on dark and light backgrounds.
_PHASE_HUES = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#e15759",
               "#9c755f", "#ff9da7", "#bab0ac")
CURVE_COLOR = "#e8eef7"
CURVE_COLOR_LIGHT = "#1f3b70"


def phase_color(number: int) -> QColor:
    """The hue of colour number `number` (a phase's `color`, see `color_of`)."""
    return QColor(_PHASE_HUES[number % len(_PHASE_HUES)])


def color_of(schedule, index: int) -> QColor:
    """The colour of phase `index` of `schedule`, the same in the timeline, the preview and
    the inspector. It is the phase's own colour number, not its position, so a block keeps
    its colour when it moves."""
    number = schedule.phases[index].color
    return phase_color(index if number is None else number)


def is_dark(palette) -> bool:
    """Whether a QPalette is a dark theme (window colour darker than its text)."""
    return palette.window().color().lightness() < palette.windowText().color().lightness()


def curve_color(palette: QPalette, dimmed: bool = False) -> QColor:
    """The lr curve's colour on `palette`; `dimmed` (an invalid design's last good curve)
    mixes it with the background rather than making it transparent, so that the curve
    stays opaque (see StaircaseCurve)."""
    color = QColor(CURVE_COLOR if is_dark(palette) else CURVE_COLOR_LIGHT)
    if not dimmed:
        return color
    base = palette.color(QPalette.Base)
    mix = 0.3
    return QColor.fromRgbF(*(mix * a + (1 - mix) * b for a, b in zip(
        color.getRgbF()[:3], base.getRgbF()[:3])))

# Logged training runs overlaid on the design: apart from the curve, the momentum red and
# the group and pin colours they share the plot with (first run: a saturated orange-red).
RUN_COLORS = ("#ff6f3c", "#00b3a4", "#c7a300", "#8f6bd6")
RUN_MARK_COLOR = "#ff2d55"  # the logged points that differ from the design


def run_color(index: int) -> str:
    """The colour of the `index`-th open run's overlay."""
    return RUN_COLORS[index % len(RUN_COLORS)]
