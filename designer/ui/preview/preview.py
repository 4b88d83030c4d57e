"""The live preview: a pyqtgraph plot of the exact lr curve the engine computed.

The preview never computes curves; the main window hands it a schedule and the engine's
array (`show_curve`) or the message of a design torch rejects (`show_error`). It keeps
references to the very arrays it plots, so `curve()` and the crosshair's readout are exact.
Every curve is drawn as the staircase it is (`designer.ui.preview.staircase`): no sloped line invents
an lr between two steps, and a curve of millions of steps costs a few points per pixel.
Ctrl+wheel zooms, drag pans, double-click or Home shows the whole curve again.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from designer.core.schedule.model import Schedule
from designer.ui import theme
from designer.ui.preview.layers import GroupCurves, SimulationMarks
from designer.ui.preview.momentum_overlay import MomentumOverlay
from designer.ui.preview.plot_support import (
    LrAxis,
    PlotWidget,
    StepAxis,
    compact_number,
    export_plot,
    lr_label,
    step_axis,
)
from designer.ui.preview.staircase import StaircaseCurve
from designer.ui.preview.view_range import ViewRange

__all__ = ["EXPORT_WIDTH", "Preview", "compact_number", "lr_label", "step_axis"]

pg.setConfigOptions(antialias=True)

EXPORT_WIDTH = 1600  # pixels of an exported PNG; the height keeps the plot's aspect ratio


class Preview(QWidget):
    """The exact lr curve with phase shading, a crosshair readout and axis toggles.

    Signals
    -------
    hovered_step(int) : the step under the mouse, -1 when the mouse leaves the plot.
    x_mapping_changed(x_min, x_max, left_px, right_px) : the plot's visible step range and
        the horizontal pixels it covers in this widget's coordinates, so a view laid out
        right below (the timeline) can line its blocks up with the curve.
    colors_changed(pen, text_color) : the theme changed: the curve's pen and the text
        colour, for overlays that draw legends on the plot (Compare).
    """

    hovered_step = Signal(int)
    x_mapping_changed = Signal(float, float, float, float)
    colors_changed = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preview")
        self.setAccessibleName("Preview")
        self._schedule: Schedule | None = None
        self._steps = np.zeros(0, dtype=np.float64)
        self._lrs = np.zeros(0, dtype=np.float64)
        self._partial_total = -1  # total steps of a curve streaming in, -1 when none
        self._error = ""
        self._log_note = ""
        self._dimmed = False
        self._regions: list[pg.LinearRegionItem] = []
        self._boundaries: list[pg.InfiniteLine] = []
        self._mapping = (0.0, 0.0, 0.0, 0.0)

        self._log_button = self._tool_button(
            "Log y", "Show the learning rate on a logarithmic axis")
        self._epochs_button = self._tool_button(
            "Epochs", "Label the x axis in epochs (needs steps per epoch)")
        self._epochs_button.setEnabled(False)
        self._readout = QLabel()
        self._readout.setObjectName("previewReadout")
        self._readout.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self._readout.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self._readout.setTextInteractionFlags(Qt.TextSelectableByMouse)
        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(8, 4, 10, 0)
        toolbar.setSpacing(4)
        toolbar.addWidget(self._log_button)
        toolbar.addWidget(self._epochs_button)
        toolbar.addSpacing(12)
        toolbar.addWidget(self._readout, 1)

        self._plot = PlotWidget(axisItems={"bottom": StepAxis("bottom"),
                                                 "left": LrAxis("left")})
        self._plot.setAccessibleName("Learning-rate curve")
        item = self._plot.getPlotItem()
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
        self._curve = StaircaseCurve()  # opaque pens only: see StaircaseCurve, _set_dimmed
        item.addItem(self._curve)
        self._momentum = MomentumOverlay(item)
        self._groups = GroupCurves(item)
        self._simulation = SimulationMarks(item)
        self._vline = pg.InfiniteLine(angle=90, movable=False)
        self._hline = pg.InfiniteLine(angle=0, movable=False)
        for line in (self._vline, self._hline):
            line.setZValue(20)
            line.hide()
            item.addItem(line, ignoreBounds=True)

        self._banner = QLabel()
        self._banner.setObjectName("previewBanner")
        self._banner.setTextFormat(Qt.PlainText)
        self._banner.setWordWrap(True)
        self._banner.hide()
        self._placeholder = QLabel("No phases yet: drag a scheduler from the palette "
                                   "onto the timeline.")
        self._placeholder.setAlignment(Qt.AlignCenter)
        self._placeholder.setAttribute(Qt.WA_TransparentForMouseEvents)
        stack = QGridLayout()
        stack.setContentsMargins(0, 0, 0, 0)
        stack.addWidget(self._plot, 0, 0)
        stack.addWidget(self._placeholder, 0, 0)
        banner_row = QHBoxLayout()
        banner_row.setContentsMargins(64, 14, 20, 0)
        banner_row.addWidget(self._banner)
        stack.addLayout(banner_row, 0, 0, Qt.AlignTop)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(toolbar)
        layout.addLayout(stack, 1)

        self._log_button.toggled.connect(self._apply_log_mode)
        self._epochs_button.toggled.connect(self._apply_x_unit)
        view_box = item.getViewBox()
        view_box.sigXRangeChanged.connect(self._emit_mapping)
        view_box.sigResized.connect(self._emit_mapping)
        view_box.sigRangeChanged.connect(lambda *_: self._simulation.update_positions())
        self._view_range = ViewRange(item, self.reset_view, self)
        toolbar.insertWidget(2, self._view_range.button)
        self._plot.reset_requested.connect(self.reset_view)
        self._mouse_proxy = pg.SignalProxy(self._plot.scene().sigMouseMoved, rateLimit=60,
                                           slot=self._on_mouse_moved)
        self._mouse_proxy.setParent(self)  # its timer must die with the widget
        self._plot.mouse_left.connect(self._on_mouse_left)
        self._apply_colors()

    # ---- what the main window calls -------------------------------------------------

    def show_curve(self, schedule: Schedule, lrs: np.ndarray) -> None:
        """Plot `lrs` (one lr per step) of `schedule`, and clear any error banner.

        The view autoscales for the first curve and when the length changes; smaller edits
        keep the user's zoom.
        """
        lrs = np.asarray(lrs, dtype=np.float64)
        streamed = self._partial_total == len(lrs)
        rescale = self._schedule is None or (len(lrs) != len(self._lrs) and not streamed)
        self._partial_total = -1
        if len(lrs) != len(self._steps):
            self._steps = step_axis(len(lrs))
        self._schedule, self._lrs = schedule, lrs
        absurd = self._view_range.guard(lrs, len(lrs))
        self._curve.set_values(lrs)
        self._update_regions()
        self._update_epochs_button()
        self._placeholder.setVisible(len(lrs) == 0)
        self._error = ""
        self._apply_log_mode(self._log_button.isChecked())
        self._set_dimmed(False)
        self._update_banner()
        if not len(lrs) or (rescale and not absurd):
            self._view_range.show_all(len(lrs), False, schedule.optimizer.lr)

    def show_momentum(self, values: np.ndarray | None, label: str = "momentum") -> None:
        """Co-plot momentum/beta1 per step on the right axis (None hides it)."""
        self._momentum.show(values, label)

    def momentum(self) -> np.ndarray | None:
        return self._momentum.values

    def show_groups(self, names: tuple[str, ...], others: np.ndarray | None) -> None:
        """Plot the other param groups' curves (one row per group after the first, None
        without groups) and name all groups in a legend."""
        self._groups.show(names, others)

    def group_curves(self) -> np.ndarray | None:
        """The other groups' curves currently plotted (None without groups)."""
        return self._groups.values

    def set_metric_points(self, points: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
        """The synthetic metric's evaluations per simulated phase index (the curve
        worker's), drawn with the next curve shown."""
        self._simulation.set_metric_points(points)

    def simulation_labels(self) -> list[str]:
        """The "simulated" labels over ReduceLROnPlateau phases (one per such phase)."""
        return self._simulation.labels()

    def simulated_metrics(self) -> list[np.ndarray]:
        """The synthetic metric's evaluations plotted for each simulated phase."""
        return self._simulation.metric_values()

    def show_partial(self, schedule: Schedule, lrs: np.ndarray) -> None:
        """A curve still streaming in: its first `len(lrs)` values, with the x axis already
        spanning the whole schedule so the line grows left to right instead of rescaling."""
        total = schedule.total_steps
        first = self._schedule is None or self._partial_total != total
        self._partial_total = total
        if len(self._steps) < len(lrs):
            self._steps = step_axis(total)
        self._schedule, self._lrs = schedule, lrs
        absurd = self._view_range.guard(lrs, total)
        self._curve.set_values(lrs)
        self._update_regions()
        self._placeholder.setVisible(False)
        if first and total and not absurd:
            self._view_range.show_all(total, True, schedule.optimizer.lr)

    def reset_view(self) -> None:
        """Show the whole curve again (double-click, Home, the "Zoomed" button)."""
        schedule, streaming = self._schedule, self._partial_total >= 0
        steps = self._partial_total if streaming else len(self._lrs)
        if schedule is not None and not self._view_range.guard(self._lrs, steps):
            self._view_range.show_all(steps, streaming, schedule.optimizer.lr)
        self._view_range.set_zoomed(False)

    def is_zoomed(self) -> bool:
        """True while the user's zoom or pan hides part of the curve."""
        return self._view_range.zoomed()

    def curve(self) -> tuple[np.ndarray, np.ndarray]:
        """The (steps, lrs) float64 arrays currently plotted, the very objects shown."""
        return self._steps, self._lrs

    def show_error(self, message: str) -> None:
        """Keep the last good curve, dimmed, and show why the design is invalid."""
        self._error = message
        self._set_dimmed(True)
        self._update_banner()

    def clear_error(self) -> None:
        self._error = ""
        self._set_dimmed(False)
        self._update_banner()

    def error(self) -> str:
        """The message of the error banner, "" when the design is valid."""
        return self._error

    def banner_text(self) -> str:
        """What the banner over the plot says ("" when hidden): an error or a note."""
        return self._banner.text() if not self._banner.isHidden() else ""

    def readout_at(self, step: int) -> str:
        """The crosshair's text for `step`: step, epoch, lr, phase ("" outside the curve)."""
        if self._schedule is None or not 0 <= step < len(self._lrs):
            return ""
        per_epoch = self._epoch_length()
        parts = [f"{self._unit()} {step}"]
        if per_epoch:
            parts.append(f"epoch {step / per_epoch:.2f}")
        lr = float(self._lrs[step])
        parts.append(self._groups.readout(step, lr) or f"lr {lr:.6g}")
        momentum = self._momentum.value_at(step)
        if momentum is not None:
            parts.append(f"{self._momentum.label} {momentum:.4g}")
        metric = self._simulation.metric_at(step)
        if metric is not None:
            parts.append(f"simulated metric {metric:.4g}")
        index = self._schedule.phase_at(step)
        if index is not None:
            phase = self._schedule.phases[index]
            simulated = " (simulated)" if phase.spec.simulated else ""
            parts.append(f"phase {index + 1} {phase.scheduler}{simulated}")
        return " · ".join(parts)

    def x_mapping(self) -> tuple[float, float, float, float]:
        """(x_min, x_max, left_px, right_px): visible steps and their pixels in this widget."""
        view_box = self._plot.getPlotItem().getViewBox()
        x_min, x_max = view_box.viewRange()[0]
        scene_rect = view_box.sceneBoundingRect()
        rect = self._plot.viewportTransform().mapRect(scene_rect)
        offset = self._plot.viewport().mapTo(self, QPoint(0, 0))
        return (float(x_min), float(x_max), rect.left() + offset.x(), rect.right() + offset.x())

    def export_image(self, path: str) -> None:
        """Write the plot as PNG (about 1600 px wide) or SVG, chosen by the extension."""
        crosshair = self._vline.isVisible()
        self._set_crosshair_visible(False)
        try:
            export_plot(self._plot.getPlotItem(), path, EXPORT_WIDTH)
        finally:
            self._set_crosshair_visible(crosshair)

    # Toolbar state, for the main window's menus and for tests.

    @property
    def log_button(self) -> QToolButton:
        return self._log_button

    @property
    def epochs_button(self) -> QToolButton:
        return self._epochs_button

    @property
    def plot_widget(self) -> pg.PlotWidget:
        return self._plot

    def phase_regions(self) -> list[pg.LinearRegionItem]:
        return list(self._regions)

    # ---- Qt overrides ---------------------------------------------------------------

    def changeEvent(self, event):  # Qt's name
        if event.type() in (QEvent.PaletteChange, QEvent.StyleChange):
            self._apply_colors()
        super().changeEvent(event)

    def resizeEvent(self, event):  # Qt's name
        super().resizeEvent(event)
        self._emit_mapping()

    def showEvent(self, event):  # Qt's name
        super().showEvent(event)
        self._emit_mapping()

    # ---- internals ------------------------------------------------------------------

    def _tool_button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonTextOnly)
        button.setFocusPolicy(Qt.TabFocus)
        return button

    def _update_regions(self) -> None:
        schedule = self._schedule
        item = self._plot.getPlotItem()
        for graphics in self._regions + self._boundaries:
            item.removeItem(graphics)
        self._regions, self._boundaries = [], []
        starts = schedule.phase_starts()
        for index, (start, phase) in enumerate(zip(starts, schedule.phases)):
            region = pg.LinearRegionItem((start, start + phase.steps), movable=False)
            region.setZValue(-20)
            item.addItem(region, ignoreBounds=True)
            self._regions.append(region)
            if index:
                line = pg.InfiniteLine(start, angle=90, movable=False)
                line.setZValue(-10)
                item.addItem(line, ignoreBounds=True)
                self._boundaries.append(line)
        self._simulation.show(schedule)
        self._color_regions()

    def _unit(self) -> str:
        """What one x unit is: a scheduler step per batch ("step") or per epoch."""
        return "epoch" if self._schedule and self._schedule.interval == "epoch" else "step"

    def _epoch_length(self) -> int | None:
        """Steps per epoch when steps are batches; with per-epoch stepping a step is one."""
        if self._unit() == "step" and self._schedule and self._schedule.steps_per_epoch:
            return self._schedule.steps_per_epoch
        return None

    def _update_epochs_button(self) -> None:
        has_epochs = self._epoch_length() is not None
        self._epochs_button.setEnabled(has_epochs)
        if not has_epochs and self._epochs_button.isChecked():
            self._epochs_button.setChecked(False)  # toggled() restores the step axis
        else:
            self._apply_x_unit(self._epochs_button.isChecked())

    def _apply_x_unit(self, epochs: bool) -> None:
        axis = self._plot.getPlotItem().getAxis("bottom")
        per_epoch = self._epoch_length()
        if epochs and per_epoch:
            axis.setScale(1.0 / per_epoch)
            axis.setLabel("epoch")
        else:
            axis.setScale(1.0)
            axis.setLabel(self._unit())

    def _apply_log_mode(self, wanted: bool) -> None:
        """Put the y axis in log mode if asked and possible; say what the log axis hides.

        Non-positive lrs have no logarithm: pyqtgraph leaves those points out (a gap in
        the line). When no lr is positive there is nothing to draw, so the axis stays linear.
        """
        # Counting costs a pass over millions of steps: only when the log axis is wanted.
        positive = int(np.count_nonzero(self._lrs > 0)) if wanted else len(self._lrs)
        log = wanted and (positive > 0 or not self._lrs.size)
        if self._log_button.isChecked() != log:
            with QSignalBlocker(self._log_button):
                self._log_button.setChecked(log)
        item = self._plot.getPlotItem()
        if item.getAxis("left").logMode != log:
            with self._view_range.keeping_zoom():
                item.setLogMode(y=log)  # which autoranges both axes
            if not self._view_range.guard(self._lrs, max(self._partial_total, len(self._lrs))):
                item.getViewBox().enableAutoRange(axis="y")
        hidden = len(self._lrs) - positive
        if wanted and not log:
            self._log_note = "The lr is never positive, so it cannot be shown on a log axis."
        elif log and hidden:
            steps = "step" if hidden == 1 else "steps"
            self._log_note = (f"The lr is 0 or less at {hidden} {steps}; "
                              "the log axis leaves those out.")
        else:
            self._log_note = ""
        self._update_banner()

    def _update_banner(self) -> None:
        text, kind = (self._error, "error") if self._error else (self._log_note, "note")
        self._banner.setText(f"\u26a0  {text}" if self._error else text)
        self._banner.setProperty("kind", kind)
        self._style_banner()
        self._banner.setVisible(bool(text))

    def _set_dimmed(self, dimmed: bool) -> None:
        self._dimmed = dimmed
        self._curve.setPen(pg.mkPen(self._curve_color(), width=2))
        for graphics in self._regions + self._boundaries:
            graphics.setOpacity(0.4 if dimmed else 1.0)

    def legend_style(self) -> tuple:
        """(the curve's pen, the text colour) in the current theme."""
        return pg.mkPen(self._curve_color(), width=2), self.palette().color(QPalette.Text)

    def _curve_color(self) -> QColor:
        """The curve's pen colour; dimmed by mixing with the background, not by alpha."""
        palette = self.palette()
        color = QColor(theme.CURVE_COLOR if theme.is_dark(palette) else theme.CURVE_COLOR_LIGHT)
        if not self._dimmed:
            return color
        base = palette.color(QPalette.Base)
        mix = 0.3
        return QColor.fromRgbF(*(mix * a + (1 - mix) * b for a, b in zip(
            color.getRgbF()[:3], base.getRgbF()[:3])))

    def _on_mouse_moved(self, args) -> None:
        position = args[0]
        view_box = self._plot.getPlotItem().getViewBox()
        if not self._lrs.size or not view_box.sceneBoundingRect().contains(position):
            self._on_mouse_left()  # over an axis or a margin: no step is hovered
            return
        # Step i's lr holds over [i, i + 1): the mouse is on the tread of floor(x).
        x = view_box.mapSceneToView(position).x()
        step = int(min(max(math.floor(x), 0), len(self._lrs) - 1))
        lr = float(self._lrs[step])
        self._vline.setValue(step + 0.5)
        log = self._log_button.isChecked()
        if not log or lr > 0:
            self._hline.setValue(math.log10(lr) if log else lr)
        self._set_crosshair_visible(True, horizontal=not log or lr > 0)
        self._readout.setText(self.readout_at(step))
        self._readout.setToolTip(f"lr = {lr!r}")
        self.hovered_step.emit(step)

    def _on_mouse_left(self) -> None:
        # The rate-limited proxy may still hold a move from inside the plot, which would
        # show the readout again after this clears it: deliver it first.
        self._mouse_proxy.flush()
        if self._vline.isVisible() or self._readout.text():
            self._set_crosshair_visible(False)
            self._readout.clear()
            self._readout.setToolTip("")
            self.hovered_step.emit(-1)

    def _set_crosshair_visible(self, visible: bool, horizontal: bool = True) -> None:
        self._vline.setVisible(visible)
        self._hline.setVisible(visible and horizontal)

    def _emit_mapping(self, *_) -> None:
        mapping = self.x_mapping()
        if mapping != self._mapping:
            self._mapping = mapping
            self.x_mapping_changed.emit(*mapping)

    # ---- colours: everything follows the palette, so dark and light themes both work --

    def _apply_colors(self) -> None:
        palette = self.palette()
        text = palette.color(QPalette.Text)
        muted = QColor(text)
        muted.setAlpha(150)
        self._plot.setBackground(palette.color(QPalette.Base))
        item = self._plot.getPlotItem()
        for name in ("left", "bottom", "right"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(muted))
            axis.setTextPen(pg.mkPen(text))
        self._curve.setPen(pg.mkPen(self._curve_color(), width=2))
        self._groups.set_first_pen(pg.mkPen(self._curve_color(), width=2))
        self._groups.set_text_color(text)
        self.colors_changed.emit(pg.mkPen(self._curve_color(), width=2), text)
        self._simulation.set_color(text)
        hair = QColor(text)
        hair.setAlpha(110)
        for line in (self._vline, self._hline):
            line.setPen(pg.mkPen(hair, width=1, style=Qt.DashLine))
        self._placeholder.setStyleSheet(f"color: {muted.name(QColor.HexArgb)};")
        self._readout.setStyleSheet(f"color: {text.name()};")
        self._color_regions()
        self._style_banner()

    def _color_regions(self) -> None:
        dark = theme.is_dark(self.palette())
        for index, region in enumerate(self._regions):
            fill = theme.color_of(self._schedule, index)
            fill.setAlpha(30 if dark else 34)
            region.setBrush(fill)
            region.setHoverBrush(fill)
            for line in region.lines:
                line.setPen(pg.mkPen(None))
                line.setHoverPen(pg.mkPen(None))
        edge = QColor(self.palette().color(QPalette.Text))
        edge.setAlpha(70)
        for line in self._boundaries:
            line.setPen(pg.mkPen(edge, width=1))

    def _style_banner(self) -> None:
        if self._banner.property("kind") == "error":
            background, foreground = QColor(178, 44, 44, 235), QColor("#ffffff")
        else:
            background = QColor(self.palette().color(QPalette.ToolTipBase))
            background.setAlpha(235)
            foreground = self.palette().color(QPalette.ToolTipText)
        self._banner.setStyleSheet(
            f"QLabel#previewBanner {{ background: {background.name(QColor.HexArgb)};"
            f" color: {foreground.name()}; border-radius: 4px; padding: 6px 10px; }}")
