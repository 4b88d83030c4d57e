"""The preview's crosshair: dashed lines through the step under the mouse and the lr it
holds, the toolbar's readout of that step (`readout_text`: step, epoch, lr, the other groups'
lrs, momentum, the simulated metric, what other views add (an overlaid run's logged lr),
phase), and `hovered(step)` for the views that follow
the mouse (the timeline highlights the step's phase).

Mouse moves arrive rate-limited (60 a second), so a fast sweep over a long curve does not
queue up readouts. Step i's lr holds over [i, i + 1), so the vertical line sits mid-tread.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QSizePolicy

from designer.core.schedule.model import Schedule
from designer.ui.preview.axes import epoch_length, step_unit
from designer.ui.preview.layers import GroupCurves, SimulationMarks
from designer.ui.preview.momentum_overlay import MomentumOverlay

if TYPE_CHECKING:
    from designer.ui.preview.preview import Preview


def readout_text(schedule: Schedule | None, lrs: np.ndarray, step: int, *,
                 groups: GroupCurves, momentum: MomentumOverlay,
                 simulation: SimulationMarks, extra: list[str] = ()) -> str:
    """What the readout says of `step` of `schedule`'s curve `lrs`, with what the layers
    plot there and the `extra` parts other views give ("" outside the curve)."""
    if schedule is None or not 0 <= step < len(lrs):
        return ""
    per_epoch = epoch_length(schedule)
    parts = [f"{step_unit(schedule)} {step}"]
    if per_epoch:
        parts.append(f"epoch {step / per_epoch:.2f}")
    lr = float(lrs[step])
    parts.append(groups.readout(step, lr) or f"lr {lr:.6g}")
    value = momentum.value_at(step)
    if value is not None:
        parts.append(f"{momentum.label} {value:.4g}")
    metric = simulation.metric_at(step)
    index = schedule.phase_at(step)
    logged = index is not None and schedule.phases[index].metric_source is not None
    if metric is not None:
        parts.append(f"{'logged' if logged else 'simulated'} metric {metric:.4g}")
    parts.extend(extra)
    if index is not None:
        phase = schedule.phases[index]
        simulated = " (simulated)" if phase.spec.simulated else ""
        parts.append(f"phase {index + 1} {phase.scheduler}{simulated}")
    return " · ".join(parts)


class Crosshair(QObject):
    """The crosshair over `preview`'s plot and its readout label (`readout`, which the
    preview puts in its toolbar). Signal `hovered(step)`, -1 when no step is hovered."""

    hovered = Signal(int)

    def __init__(self, preview: Preview) -> None:
        super().__init__(preview)
        self._preview = preview
        plot = preview.plot_widget
        self.readout = QLabel()
        self.readout.setObjectName("previewReadout")
        self.readout.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.readout.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.readout.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.vertical = pg.InfiniteLine(angle=90, movable=False)
        self.horizontal = pg.InfiniteLine(angle=0, movable=False)
        for line in (self.vertical, self.horizontal):
            line.setZValue(20)
            line.hide()
            plot.getPlotItem().addItem(line, ignoreBounds=True)
        self._mouse_proxy = pg.SignalProxy(plot.scene().sigMouseMoved, rateLimit=60,
                                           slot=self._on_mouse_moved)
        self._mouse_proxy.setParent(self)  # its timer must die with the preview
        plot.mouse_left.connect(self._on_mouse_left)

    def is_visible(self) -> bool:
        return self.vertical.isVisible()

    def set_visible(self, visible: bool, horizontal: bool = True) -> None:
        self.vertical.setVisible(visible)
        self.horizontal.setVisible(visible and horizontal)

    def set_color(self, text: QColor) -> None:
        """Lines a little fainter than the text; the readout in the text colour."""
        hair = QColor(text)
        hair.setAlpha(110)
        for line in (self.vertical, self.horizontal):
            line.setPen(pg.mkPen(hair, width=1, style=Qt.DashLine))
        self.readout.setStyleSheet(f"color: {text.name()};")

    def _on_mouse_moved(self, args) -> None:
        position, preview = args[0], self._preview
        lrs = preview.curve()[1]
        view_box = preview.plot_widget.getPlotItem().getViewBox()
        if not lrs.size or not view_box.sceneBoundingRect().contains(position):
            self._on_mouse_left()  # over an axis or a margin: no step is hovered
            return
        # Step i's lr holds over [i, i + 1): the mouse is on the tread of floor(x).
        x = view_box.mapSceneToView(position).x()
        step = int(min(max(math.floor(x), 0), len(lrs) - 1))
        lr = float(lrs[step])
        self.vertical.setValue(step + 0.5)
        log = preview.log_button.isChecked()
        if not log or lr > 0:
            self.horizontal.setValue(math.log10(lr) if log else lr)
        self.set_visible(True, horizontal=not log or lr > 0)
        self.readout.setText(preview.readout_at(step))
        self.readout.setToolTip(f"lr = {lr!r}")
        self.hovered.emit(step)

    def _on_mouse_left(self) -> None:
        # The rate-limited proxy may still hold a move from inside the plot, which would
        # show the readout again after this clears it: deliver it first.
        self._mouse_proxy.flush()
        if self.vertical.isVisible() or self.readout.text():
            self.set_visible(False)
            self.readout.clear()
            self.readout.setToolTip("")
            self.hovered.emit(-1)
