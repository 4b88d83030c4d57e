"""The live preview: a pyqtgraph plot of the exact lr curve the engine computed.

The preview never computes curves; the main window hands it a schedule and the engine's
array (`show_curve`) or the message of a design torch rejects (`show_error`). It keeps
references to the very arrays it plots, so `curve()` and the crosshair's readout are exact.
Every curve is drawn as the staircase it is (`designer.ui.preview.staircase`): no sloped line
invents an lr between two steps, and a curve of millions of steps costs a few points per pixel.
Ctrl+wheel zooms, drag pans, double-click or Home shows the whole curve again.

`Preview` puts the parts together and owns the curve, the log axis and the colours; the plot
and its axes come from `axes`, the phase shading from `regions`, the crosshair and readout
from `crosshair`, the error or note over the plot from `banner`, the zoom from `view_range`,
and the overlays from `layers`, `momentum_overlay` and `compare`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QPalette, QPen
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from designer.core.schedule.model import Schedule
from designer.ui import theme
from designer.ui.preview.axes import build_plot, epoch_length, show_x_unit, toggle_button
from designer.ui.preview.banner import Banner, log_note
from designer.ui.preview.crosshair import Crosshair, readout_text
from designer.ui.preview.layers import GroupCurves, SimulationMarks
from designer.ui.preview.momentum_overlay import MomentumOverlay
from designer.ui.preview.plot_support import compact_number, export_plot, lr_label, step_axis
from designer.ui.preview.regions import PhaseRegions
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
        self._dimmed = False
        self._mapping = (0.0, 0.0, 0.0, 0.0)
        self._log_button = toggle_button(
            self, "Log y", "Show the learning rate on a logarithmic axis")
        self._epochs_button = toggle_button(
            self, "Epochs", "Label the x axis in epochs (needs steps per epoch)")
        self._epochs_button.setEnabled(False)
        self._plot = build_plot()
        self._build_layers()
        self._banner = Banner(self)
        self._placeholder = QLabel("No phases yet: drag a scheduler from the palette "
                                   "onto the timeline.")
        self._placeholder.setAlignment(Qt.AlignCenter)
        self._placeholder.setAttribute(Qt.WA_TransparentForMouseEvents)
        toolbar = self._build_layout()
        self._view_range = ViewRange(self._plot.getPlotItem(), self.reset_view, self)
        toolbar.insertWidget(2, self._view_range.button)
        self._connect()
        self._apply_colors()

    def _build_layers(self) -> None:
        """What the plot draws: phase regions, the curve, the overlays, the crosshair."""
        item = self._plot.getPlotItem()
        self._regions = PhaseRegions(item)
        self._curve = StaircaseCurve()  # opaque pens only: see StaircaseCurve, theme.curve_color
        item.addItem(self._curve)
        self._momentum = MomentumOverlay(item)
        self._groups = GroupCurves(item)
        self._simulation = SimulationMarks(item)
        self._readout_sources: list[Callable[[int], list[str]]] = []
        self._crosshair = Crosshair(self)

    def _build_layout(self) -> QHBoxLayout:
        """The toolbar over the plot, the banner and placeholder on it; returns the toolbar."""
        toolbar = QHBoxLayout()
        toolbar.setContentsMargins(8, 4, 10, 0)
        toolbar.setSpacing(4)
        toolbar.addWidget(self._log_button)
        toolbar.addWidget(self._epochs_button)
        toolbar.addSpacing(12)
        toolbar.addWidget(self._crosshair.readout, 1)
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
        return toolbar

    def _connect(self) -> None:
        self._log_button.toggled.connect(self._apply_log_mode)
        self._epochs_button.toggled.connect(self._apply_x_unit)
        view_box = self._plot.getPlotItem().getViewBox()
        view_box.sigXRangeChanged.connect(self._emit_mapping)
        view_box.sigResized.connect(self._emit_mapping)
        view_box.sigRangeChanged.connect(lambda *_: self._simulation.update_positions())
        self._plot.reset_requested.connect(self.reset_view)
        self._crosshair.hovered.connect(self.hovered_step)

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
        self._show_phases(schedule)
        self._update_epochs_button()
        self._placeholder.setVisible(len(lrs) == 0)
        self._banner.error = ""
        self._apply_log_mode(self._log_button.isChecked())
        self._set_dimmed(False)
        self._banner.update_text()
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
        self._show_phases(schedule)
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
        self._set_dimmed(True)
        self._banner.set_error(message)

    def clear_error(self) -> None:
        self._set_dimmed(False)
        self._banner.set_error("")

    def error(self) -> str:
        """The message of the error banner, "" when the design is valid."""
        return self._banner.error

    def banner_text(self) -> str:
        """What the banner over the plot says ("" when hidden): an error or a note."""
        return self._banner.shown_text()

    def readout_at(self, step: int) -> str:
        """The crosshair's text for `step`: step, epoch, lr, what the readout sources add,
        phase ("" outside the curve)."""
        extra = [part for source in self._readout_sources for part in source(step)]
        return readout_text(self._schedule, self._lrs, step, groups=self._groups,
                            momentum=self._momentum, simulation=self._simulation, extra=extra)

    def add_readout_source(self, source: Callable[[int], list[str]]) -> None:
        """`source(step)` gives parts the crosshair's readout shows of `step` (a view drawn
        over the plot, as the run overlay, says what it draws there)."""
        self._readout_sources.append(source)

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
        crosshair = self._crosshair.is_visible()
        self._crosshair.set_visible(False)
        try:
            export_plot(self._plot.getPlotItem(), path, EXPORT_WIDTH)
        finally:
            self._crosshair.set_visible(crosshair)

    def legend_style(self) -> tuple:
        """(the curve's pen, the text colour) in the current theme."""
        return self._curve_pen(), self.palette().color(QPalette.Text)

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

    @property
    def crosshair(self) -> Crosshair:
        return self._crosshair

    def phase_regions(self) -> list[pg.LinearRegionItem]:
        return list(self._regions.regions)

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

    def _show_phases(self, schedule: Schedule) -> None:
        """Shade each phase, and mark the simulated ones."""
        self._regions.show(schedule, self.palette())
        self._simulation.show(schedule)

    def _update_epochs_button(self) -> None:
        has_epochs = epoch_length(self._schedule) is not None
        self._epochs_button.setEnabled(has_epochs)
        if not has_epochs and self._epochs_button.isChecked():
            self._epochs_button.setChecked(False)  # toggled() restores the step axis
        else:
            self._apply_x_unit(self._epochs_button.isChecked())

    def _apply_x_unit(self, epochs: bool) -> None:
        show_x_unit(self._plot.getPlotItem().getAxis("bottom"), self._schedule, epochs)

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
        self._banner.set_note(log_note(wanted, log, len(self._lrs) - positive))

    def _set_dimmed(self, dimmed: bool) -> None:
        self._dimmed = dimmed
        self._curve.setPen(self._curve_pen())
        self._regions.set_dimmed(dimmed)

    def _curve_pen(self) -> QPen:
        return pg.mkPen(theme.curve_color(self.palette(), self._dimmed), width=2)

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
        self._curve.setPen(self._curve_pen())
        self._groups.set_first_pen(self._curve_pen())
        self._groups.set_text_color(text)
        self.colors_changed.emit(self._curve_pen(), text)
        self._simulation.set_color(text)
        self._crosshair.set_color(text)
        self._placeholder.setStyleSheet(f"color: {muted.name(QColor.HexArgb)};")
        self._regions.set_colors(palette)
        self._banner.restyle()
