"""Momentum (or beta1) on a second y axis of the preview, sharing its x axis.

OneCycleLR and CyclicLR cycle momentum inversely to the lr; the worker records it from the
same torch run, and this overlay draws it against the right-hand axis whenever the design
cycles it (pyqtgraph's two-ViewBox pattern: a second ViewBox x-linked to the plot's).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from designer.ui.preview.staircase import StaircaseCurve

MOMENTUM_COLOR = "#e15759"


class MomentumOverlay:
    def __init__(self, plot_item: pg.PlotItem) -> None:
        self._item = plot_item
        self.view = pg.ViewBox(enableMenu=False)
        self.view.setMouseEnabled(x=False, y=False)
        plot_item.scene().addItem(self.view)
        axis = plot_item.getAxis("right")
        axis.linkToView(self.view)
        axis.enableAutoSIPrefix(False)
        axis.setGrid(False)  # the lr axis already draws the grid
        self.view.setXLink(plot_item.getViewBox())
        self.curve = StaircaseCurve(pg.mkPen(MOMENTUM_COLOR, width=1.5, style=Qt.DashLine))
        self.view.addItem(self.curve)
        plot_item.getViewBox().sigResized.connect(self._sync_geometry)
        self.values: np.ndarray | None = None
        self.label = ""
        plot_item.hideAxis("right")

    def show(self, values: np.ndarray | None, label: str) -> None:
        """Draw `values` per step against the right axis, or hide the overlay (None)."""
        self.values, self.label = values, label
        if values is None or not len(values):
            self.curve.set_values(np.zeros(0))
            self._item.hideAxis("right")
            return
        self.curve.set_values(values)
        self._item.showAxis("right")
        self._item.setLabel("right", label, color=MOMENTUM_COLOR)
        low, high = float(np.min(values)), float(np.max(values))
        pad = max(1e-3, 0.08 * (high - low))
        self.view.setYRange(low - pad, high + pad, padding=0)
        self._sync_geometry()

    def value_at(self, step: int) -> float | None:
        if self.values is None or not 0 <= step < len(self.values):
            return None
        return float(self.values[step])

    def _sync_geometry(self) -> None:
        main = self._item.getViewBox()
        self.view.setGeometry(main.sceneBoundingRect())
        self.view.linkedViewChanged(main, self.view.XAxis)
