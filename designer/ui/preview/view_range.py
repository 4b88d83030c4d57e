"""Which steps and lrs the preview's plot shows.

The whole design, unless the user zooms (Ctrl+wheel, right-drag) or pans (drag): then the
"Zoomed" button shows in the preview's toolbar, and it, a double-click or Home brings the
whole design back. A curve still streaming in is shown over the whole schedule's steps, so it
grows left to right instead of rescaling. Lrs near the float maximum overflow pyqtgraph's
autorange, so for those a finite range is set instead.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton, QWidget

from designer.ui.preview.plot_support import NAVIGATION_HINT


class ViewRange:
    """The plot's view range and whether the user has zoomed it.

    `button` is the toolbar's "Zoomed" button (shown only while zoomed); clicking it calls
    `reset`, which the preview also calls for a double-click or Home.
    """

    def __init__(self, plot_item: pg.PlotItem, reset, parent: QWidget) -> None:
        self._view = plot_item.getViewBox()
        self.button = QToolButton(parent)
        self.button.setText("Zoomed \u2014 double-click or Home to reset")
        self.button.setToolTip(f"Show the whole curve. {NAVIGATION_HINT}.")
        self.button.setAutoRaise(True)
        self.button.setFocusPolicy(Qt.TabFocus)
        self.button.hide()
        self.button.clicked.connect(reset)
        self._view.sigRangeChangedManually.connect(lambda *_: self.set_zoomed(True))
        # The view's own menu has "View All", which autoranges without asking us.
        self._view.sigStateChanged.connect(
            lambda *_: all(self._view.autoRangeEnabled()) and self.set_zoomed(False))

    def zoomed(self) -> bool:
        return not self.button.isHidden()

    def set_zoomed(self, zoomed: bool) -> None:
        self.button.setVisible(zoomed)

    def show_all(self, steps: int, streaming: bool, empty_lr: float) -> None:
        """The whole design in view: `steps` is the schedule's length; a curve `streaming`
        in keeps the x range of all its steps while y autoranges; an empty design gets a
        plausible frame (1000 steps up to `empty_lr`), not 0.1 of a step."""
        self.set_zoomed(False)
        if not steps:
            self._view.setLimits(xMin=None, xMax=None)
            self._view.setRange(xRange=(0, 1000), yRange=(0, empty_lr))
            return
        margin = max(1.0, 0.05 * steps)
        self._view.setLimits(xMin=-margin, xMax=steps + margin)
        if streaming:
            self._view.setXRange(0, steps, padding=0.02)
            self._view.enableAutoRange(axis="y")
        else:
            self._view.enableAutoRange()

    def guard(self, lrs: np.ndarray, steps: int) -> bool:
        """A valid file may hold lrs near the float maximum, where pyqtgraph's autorange
        overflows to infinity and raises at paint time. Call before plotting such data:
        autorange goes off and a finite range is set instead. True when it did so."""
        if not len(lrs):
            return False
        low, high = float(np.min(lrs)), float(np.max(lrs))
        if max(abs(low), abs(high)) <= 1e300:
            return False
        self._view.disableAutoRange()  # both axes, while the old data is still plottable
        self._view.setRange(xRange=(0, max(1, steps)), yRange=(min(0.0, low), high),
                            padding=0)  # (lo + hi) must not overflow
        return True

    @contextmanager
    def keeping_zoom(self):
        """Keep the user's steps in view across a change that autoranges (the log axis)."""
        x_range, zoomed = self._view.viewRange()[0], self.zoomed()
        yield
        if zoomed:
            self._view.setXRange(*x_range, padding=0)
            self.set_zoomed(True)
