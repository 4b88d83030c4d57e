"""The phases on the preview's plot: each phase's steps shaded in its timeline colour, and a
thin line where one phase ends and the next begins.

`PhaseRegions` owns these items: it draws them again for each design (`show`), fades them
with the curve while the design is invalid (`set_dimmed`) and colours them from the palette
(`set_colors`), so the shading matches the timeline's blocks in dark and light themes.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette

from designer.core.schedule.model import Schedule
from designer.ui import theme


class PhaseRegions:
    """The shaded phase regions and the boundaries between phases of one plot."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self._item = plot_item
        self._schedule: Schedule | None = None
        self.regions: list[pg.LinearRegionItem] = []
        self._boundaries: list[pg.InfiniteLine] = []

    def show(self, schedule: Schedule, palette: QPalette) -> None:
        """Replace the regions with `schedule`'s phases, coloured for `palette`."""
        self._schedule = schedule
        for graphics in self.regions + self._boundaries:
            self._item.removeItem(graphics)
        self.regions, self._boundaries = [], []
        for index, (start, phase) in enumerate(zip(schedule.phase_starts(), schedule.phases)):
            region = pg.LinearRegionItem((start, start + phase.steps), movable=False)
            region.setZValue(-20)
            self._item.addItem(region, ignoreBounds=True)
            self.regions.append(region)
            if index:
                line = pg.InfiniteLine(start, angle=90, movable=False)
                line.setZValue(-10)
                self._item.addItem(line, ignoreBounds=True)
                self._boundaries.append(line)
        self.set_colors(palette)

    def set_dimmed(self, dimmed: bool) -> None:
        for graphics in self.regions + self._boundaries:
            graphics.setOpacity(0.4 if dimmed else 1.0)

    def set_colors(self, palette: QPalette) -> None:
        """Each phase in its timeline colour, faint; the boundaries in the text colour."""
        dark = theme.is_dark(palette)
        for index, region in enumerate(self.regions):
            fill = theme.color_of(self._schedule, index)
            fill.setAlpha(30 if dark else 34)
            region.setBrush(fill)
            region.setHoverBrush(fill)
            for line in region.lines:
                line.setPen(pg.mkPen(None))
                line.setHoverPen(pg.mkPen(None))
        edge = QColor(palette.color(QPalette.Text))
        edge.setAlpha(70)
        for line in self._boundaries:
            line.setPen(pg.mkPen(edge, width=1))
