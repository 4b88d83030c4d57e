"""Colours shared by the timeline blocks and the preview's phase shading, so they match."""

from __future__ import annotations

from PySide6.QtGui import QColor

# Tableau-like hues that stay distinct on dark and light backgrounds.
_PHASE_HUES = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#e15759",
               "#9c755f", "#ff9da7", "#bab0ac")
CURVE_COLOR = "#e8eef7"
CURVE_COLOR_LIGHT = "#1f3b70"


def phase_color(index: int) -> QColor:
    """The colour of phase `index`, the same in the timeline and the preview."""
    return QColor(_PHASE_HUES[index % len(_PHASE_HUES)])


def is_dark(palette) -> bool:
    """Whether a QPalette is a dark theme (window colour darker than its text)."""
    return palette.window().color().lightness() < palette.windowText().color().lightness()
