"""The preview's plot and what its axes count: the PlotWidget built with the step and lr axes
(`build_plot`), the toolbar's toggles for them (Log y, Epochs), and what one x unit is for a
design: a scheduler step per batch ("step") or per epoch, and how many steps make an epoch.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton, QWidget

from designer.core.schedule.model import Schedule
from designer.core.schedule.training import epoch_steps
from designer.ui.preview.plot_support import LrAxis, PlotWidget, StepAxis


def build_plot() -> PlotWidget:
    """The plot: steps across, lrs up, a faint grid, no pyqtgraph buttons or plot menu."""
    plot = PlotWidget(axisItems={"bottom": StepAxis("bottom"), "left": LrAxis("left")})
    plot.setAccessibleName("Learning-rate curve")
    item = plot.getPlotItem()
    item.hideButtons()  # pyqtgraph's tiny "A": the zoom button and the gestures reset
    item.showGrid(x=True, y=True, alpha=0.1)
    item.setMenuEnabled(False)
    item.getViewBox().setMenuEnabled(True)
    item.layout.setContentsMargins(6, 10, 14, 6)
    for name in ("left", "bottom"):
        item.getAxis(name).enableAutoSIPrefix(False)
        # Grid lines at two tick levels, not three: the finest level multiplies the
        # lines the axes repaint on every frame (70 ms vs 15 ms a frame here), which
        # stalls the window while a long curve streams in.
        item.getAxis(name).setStyle(maxTickLevel=1)
    item.setLabel("bottom", "step")
    return plot


def toggle_button(parent: QWidget, text: str, tip: str) -> QToolButton:
    """A flat, checkable text button of the preview's toolbar."""
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    button.setCheckable(True)
    button.setAutoRaise(True)
    button.setToolButtonStyle(Qt.ToolButtonTextOnly)
    button.setFocusPolicy(Qt.TabFocus)
    return button


def step_unit(schedule: Schedule | None) -> str:
    """What one x unit is: a scheduler step per batch ("step") or per epoch."""
    return "epoch" if schedule and schedule.interval == "epoch" else "step"


def epoch_length(schedule: Schedule | None) -> int | None:
    """Steps per epoch when steps are batches; with per-epoch stepping a step is one."""
    return epoch_steps(schedule) if schedule is not None else None


def show_x_unit(axis: pg.AxisItem, schedule: Schedule | None, epochs: bool) -> None:
    """Label the x axis in epochs if asked and the design knows their length, else in its
    own unit; the data stay in steps."""
    per_epoch = epoch_length(schedule)
    if epochs and per_epoch:
        axis.setScale(1.0 / per_epoch)
        axis.setLabel("epoch")
    else:
        axis.setScale(1.0)
        axis.setLabel(step_unit(schedule))
