"""Layers the preview draws over its main curve: the other param groups' curves, and the
marks that say a phase's curve is a simulation.

With param groups, the main curve is the first group's lr; `GroupCurves` draws every other
group's exact curve (the same torch run, from the worker) in its own colour, with a legend
naming the groups. A ReduceLROnPlateau phase reacts to a validation metric, which the design
only simulates; `SimulationMarks` hatches that phase's region, labels it, and draws the
synthetic metric's evaluations (dotted, on a scale of their own), so nobody mistakes the
simulated curve for a promise and everyone sees why the lr dropped where it did.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from designer.core.schedule.model import Schedule
from designer.ui.preview.plot_support import LegendRow
from designer.ui.preview.staircase import StaircaseCurve

# Colours of groups 2, 3, ... (group 1 is the main curve); apart from the momentum red.
GROUP_COLORS = ("#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7")
SIMULATION_LABEL = "simulated metric"


def group_color(index: int) -> str:
    """The colour of group `index` >= 1 (index 0 is the preview's main curve)."""
    return GROUP_COLORS[(index - 1) % len(GROUP_COLORS)]


class GroupCurves:
    """The curves of param groups 2.. on the preview's plot, and the legend of all groups."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self._item = plot_item
        self._curves: list[StaircaseCurve] = []
        self._legends = LegendRow.of(plot_item)
        self._legend = self._legends.add()
        self._first = StaircaseCurve(pg.mkPen("#1f3b70", width=2))  # legend sample
        self.names: tuple[str, ...] = ()
        self.values: np.ndarray | None = None

    def set_first_pen(self, pen) -> None:
        self._first.setPen(pen)

    def set_text_color(self, color: QColor) -> None:
        self._legend.setLabelTextColor(color)
        self._legend.setLabelTextSize("9pt")
        self.show(self.names, self.values)  # relabel with the new colour

    def show(self, names: tuple[str, ...], others: np.ndarray | None) -> None:
        """Draw `others` (groups 2.., one row each) and name every group in the legend;
        with one group (others None) the layer is empty."""
        self.names, self.values = names, others
        count = 0 if others is None else len(others)
        while len(self._curves) > count:
            self._item.removeItem(self._curves.pop())
        while len(self._curves) < count:
            self._curves.append(StaircaseCurve())
            self._item.addItem(self._curves[-1])
        self._legend.clear()
        for index, curve in enumerate(self._curves, start=1):
            curve.setPen(pg.mkPen(group_color(index), width=2))
            curve.set_values(others[index - 1])
        shown = len(names) >= 2 and others is not None
        if shown:
            self._legend.addItem(self._first, names[0])
            for name, curve in zip(names[1:], self._curves):
                self._legend.addItem(curve, name)
        self._legend.setVisible(shown)
        self._legends.update()

    def readout(self, step: int, first_lr: float) -> str | None:
        """"lr backbone 1e-04 · head 0.001" at `step`, or None without groups."""
        if self.values is None or len(self.names) < 2 or not 0 <= step < self.values.shape[1]:
            return None
        values = [first_lr, *(float(row[step]) for row in self.values)]
        return "lr " + " · ".join(f"{name} {value:.6g}" for name, value in
                                  zip(self.names, values))


class SimulationMarks:
    """Hatching, a label and the synthetic metric over the regions of simulated phases."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self._item = plot_item
        self._regions: list[pg.LinearRegionItem] = []
        self._labels: list[pg.TextItem] = []
        self._color = QColor("#888888")
        # (first step, end step, evaluation steps, values) per simulated phase, global steps.
        self._metrics: list[tuple[int, int, np.ndarray, np.ndarray]] = []
        # Phase index -> (steps within the phase, values), as the curve worker computed them.
        self._points: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        # The metric on its own y scale (pyqtgraph's two-ViewBox pattern), no axis drawn:
        # its shape, not its units, explains the curve.
        self.view = pg.ViewBox(enableMenu=False)
        self.view.setMouseEnabled(x=False, y=False)
        plot_item.scene().addItem(self.view)
        self.view.setXLink(plot_item.getViewBox())
        self._metric = pg.PlotDataItem(connect="finite")
        self.view.addItem(self._metric)
        plot_item.getViewBox().sigResized.connect(self._sync_geometry)

    def set_color(self, color: QColor) -> None:
        self._color = QColor(color)
        self._paint()

    def set_metric_points(self, points: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
        """The evaluations to draw for the next `show` (the window never evaluates them)."""
        self._points = points

    def show(self, schedule: Schedule | None) -> None:
        for graphics in self._regions:
            self._item.removeItem(graphics)
        for label in self._labels:
            self._item.removeItem(label)
        self._regions, self._labels, self._metrics = [], [], []
        phases = zip(schedule.phase_starts(), schedule.phases) if schedule else ()
        for index, (start, phase) in enumerate(phases):
            if not phase.spec.simulated:
                continue
            region = pg.LinearRegionItem((start, start + phase.steps), movable=False)
            region.setZValue(-15)
            self._item.addItem(region, ignoreBounds=True)
            self._regions.append(region)
            # At the region's top right: the group legend sits at the plot's top left.
            source = phase.metric_source
            label = pg.TextItem(SIMULATION_LABEL if source is None
                                else f"logged metric ({source.label})", anchor=(1, 0))
            label.setToolTip("ReduceLROnPlateau steps with a validation metric; this curve "
                             + ("is a simulation with the phase's synthetic metric (dotted; "
                                "metric, metric_noise, eval_every in the inspector)."
                                if source is None else
                                "steps with the values the run logged (dotted): where it "
                                "evaluated, or with the latest on Lightning's clock "
                                "(metric_run, metric_tag, metric_steps in the inspector)."))
            self._item.addItem(label, ignoreBounds=True)
            self._labels.append(label)
            self._place(label, start + phase.steps)
            points = self._points.get(index)
            if points is not None:
                self._metrics.append((start, start + phase.steps, points[0] + start,
                                      points[1]))
        self._show_metric()
        self._paint()

    def labels(self) -> list[str]:
        """The label texts shown (tests)."""
        return [label.textItem.toPlainText() for label in self._labels]

    def metric_at(self, step: int) -> float | None:
        """The simulated metric's latest evaluation at or before `step`, inside the
        simulated phase that holds `step`; None elsewhere and before its first one."""
        for first, end, steps, values in self._metrics:
            if first <= step < end:
                index = int(np.searchsorted(steps, step, side="right")) - 1
                return float(values[index]) if index >= 0 else None
        return None

    def metric_values(self) -> list[np.ndarray]:
        """Each simulated phase's plotted evaluations (tests)."""
        return [values for *_, values in self._metrics]

    def update_positions(self) -> None:
        """Keep each label at the top of its region when the view moves."""
        for label, region in zip(self._labels, self._regions):
            self._place(label, region.getRegion()[1])

    def _show_metric(self) -> None:
        if not self._metrics:
            self._metric.setData([], [])
            return
        # One item for all phases, NaN between them so their lines do not join.
        gap = np.array([np.nan])
        xs = np.concatenate([np.concatenate([steps, gap]) for _, _, steps, _ in self._metrics])
        ys = np.concatenate([np.concatenate([values, gap])
                             for *_, values in self._metrics])
        self._metric.setData(xs, ys)
        finite = ys[np.isfinite(ys)]
        if len(finite):
            low, high = float(finite.min()), float(finite.max())
            pad = max(1e-12, 0.08 * (high - low), 1e-6 * abs(high))
            self.view.setYRange(low - pad, high + pad, padding=0)
        self._sync_geometry()

    def _sync_geometry(self) -> None:
        main = self._item.getViewBox()
        self.view.setGeometry(main.sceneBoundingRect())
        self.view.linkedViewChanged(main, self.view.XAxis)

    def _place(self, label: pg.TextItem, start: float) -> None:
        view = self._item.getViewBox()
        top = view.viewRange()[1][1]
        label.setPos(start, top)

    def _paint(self) -> None:
        hatch = QColor(self._color)
        hatch.setAlpha(45)
        brush = QBrush(hatch, Qt.BDiagPattern)
        for region in self._regions:
            region.setBrush(brush)
            region.setHoverBrush(brush)
            for line in region.lines:
                line.setPen(pg.mkPen(None))
                line.setHoverPen(pg.mkPen(None))
        text = QColor(self._color)
        text.setAlpha(200)
        for label in self._labels:
            label.setColor(text)
        metric = QColor(self._color)
        metric.setAlpha(150)
        self._metric.setPen(pg.mkPen(metric, width=1.2, style=Qt.DotLine))
