"""Support code for the preview plot: tick labels that read like configs (and log ticks that
never overlap), the x values of a curve, a PlotWidget with the plot's mouse and keyboard
gestures, legends above the data, and a workaround that lets pyqtgraph's SVG exporter read
what recent Qt writes. `designer.ui.preview.axes` and `designer.ui.preview.preview` build on
these.
"""

from __future__ import annotations

import importlib
import itertools
import math
import os
import weakref
from contextlib import contextmanager
from typing import ClassVar

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter, SVGExporter
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QToolTip

from designer.ui.preview.staircase import StaircaseCurve

NAVIGATION_HINT = ("Ctrl+wheel zooms, drag pans, right-drag stretches; "
                   "double-click or Home shows the whole curve")


def compact_number(value: float) -> str:
    """A step count the way people say it: 500, 12k, 1.5M."""
    size = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{value / limit:g}{suffix}"
    return f"{value:g}"


@contextmanager
def _closed_svg_paths():
    """Let pyqtgraph 0.14's SVGExporter read the closed paths Qt's SVG generator writes.

    Recent Qt ends closed paths with a "Z" token (the ViewBox's clip rectangle is one),
    which the exporter's coordinate rewriting cannot parse (pyqtgraph issue #3495). While
    it runs, the tokens are taken out of each path and put back at the same places.
    """
    module = importlib.import_module("pyqtgraph.exporters.SVGExporter")
    original = module.correctCoordinates

    def correct_coordinates(node, defs, item, options):
        closed = []
        for path in node.getElementsByTagName("path"):
            tokens = path.getAttribute("d").split()
            marks = [index for index, token in enumerate(tokens) if token in ("Z", "z")]
            if marks:
                closed.append((path, marks))
                path.setAttribute("d", " ".join(t for t in tokens if t not in ("Z", "z")))
        original(node, defs, item, options)
        for path, marks in closed:
            tokens = path.getAttribute("d").split()
            for index in marks:
                tokens.insert(index, "Z")
            path.setAttribute("d", " ".join(tokens))

    module.correctCoordinates = correct_coordinates
    try:
        yield
    finally:
        module.correctCoordinates = original


def step_axis(count: int) -> np.ndarray:
    """The x values 0..count-1. float32 holds every step exactly (schedules are capped at
    10M < 2**24 steps) in half the memory of float64: 40 MB less for the largest designs."""
    return np.arange(count, dtype=np.float32)


class StepAxis(pg.AxisItem):
    """The x axis: steps as 12k / 1.5M; epochs (after setScale) as plain numbers."""

    def tickStrings(self, values, scale, spacing):  # pyqtgraph's name
        if scale != 1.0:
            return super().tickStrings(values, scale, spacing)
        return [compact_number(round(v, 6)) for v in values]


def lr_label(value: float) -> str:
    """An lr as people write it in configs: 0.01, 3e-4, 1e-6."""
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:g}"
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{float(mantissa):g}e{int(exponent)}"


# Mantissas of log ticks from coarse to fine, each set a little denser than the one before.
_LOG_MANTISSAS = ((1,), (1, 3), (1, 2, 5), (1, 1.5, 2, 3, 5, 7), (1, 2, 3, 4, 5, 6, 7, 8, 9))
_LABEL_GAP = 1.6  # label centres at least this many label heights apart


def log_ticks(low: float, high: float, pixels: float, label_height: float,
              data_low: float | None = None) -> tuple[list[float], list[float]]:
    """(labelled, minor) tick positions, in log10 units, for a log axis showing [low, high]
    over `pixels`: labels never overlap, and when the data's smallest value `data_low`
    (log10) is in view a labelled tick sits at or below it.

    The labelled set is the coarsest of decades, 1-3, 1-2-5, ... that has five ticks in
    view, or the finest whose labels still fit; when even decades crowd, every n-th decade.
    The minor ticks (marks and grid lines, no text) are the next finer set.
    """
    if not (math.isfinite(low) and math.isfinite(high) and high > low and pixels > 0):
        return [], []
    per_unit = pixels / (high - low)
    need = _LABEL_GAP * label_height

    def fits(ticks: list[float]) -> bool:
        return all((b - a) * per_unit >= need for a, b in itertools.pairwise(ticks))

    # Coarse to fine, made only as far as needed.
    candidates = itertools.chain(
        (_nice_log_ticks(low, high, m) for m in _LOG_MANTISSAS),
        (_linear_ticks(low, high, step, pixels) for step in (0.5, 0.2, 0.1, 0.05, 0.02, 0.01)))
    labelled, minor = None, []
    for ticks in candidates:
        if labelled is not None and len(labelled) >= 5:
            minor = ticks
            break
        if not fits(ticks):
            minor = ticks if labelled is not None else []
            break
        labelled = ticks
    if labelled is None:  # even decades crowd: every n-th one, the others unlabelled
        every = next(n for n in _nice_steps() if n * per_unit >= need)
        labelled = [float(d) for d in range(math.ceil(low), math.floor(high) + 1, every)]
        minor = _nice_log_ticks(low, high, (1,))
    labelled = _cover_minimum(labelled, low, high, data_low, per_unit, need)
    if len(minor) > 1 and np.diff(minor).min() * per_unit < 4:
        minor = []  # marks closer than 4 px are a grey smear
    return labelled, [t for t in minor if t not in labelled]


def _nice_log_ticks(low: float, high: float, mantissas: tuple) -> list[float]:
    return [t for decade in range(math.floor(low), math.floor(high) + 1)
            for t in (decade + math.log10(m) for m in mantissas) if low <= t <= high]


def _linear_ticks(low: float, high: float, step: float, pixels: float) -> list[float]:
    """Multiples of step × 10^decade inside each decade in view: ticks for a range too
    narrow for whole mantissas (a zoomed-in plateau)."""
    ticks = []
    for decade in range(math.floor(low), math.floor(high) + 1):
        unit = step * 10.0 ** decade
        start = max(10.0 ** low, 10.0 ** decade)
        stop = min(10.0 ** high, 10.0 ** (decade + 1))
        if (stop - start) / unit > pixels:  # more ticks than pixels: it cannot fit anyway
            return [low, low]
        ticks += [math.log10(k * unit) for k in range(math.ceil(start / unit),
                                                      math.floor(stop / unit) + 1)]
    # Rounded, so a decade's last tick and the next decade's first are one tick.
    return sorted({round(t, 9) for t in ticks if low <= t <= high})


def _nice_steps():
    for decade in range(400):
        for factor in (1, 2, 3, 5):
            yield factor * 10 ** decade


def _cover_minimum(labelled: list[float], low: float, high: float, data_low: float | None,
                   per_unit: float, need: float) -> list[float]:
    """Add a tick at the data's smallest value rounded down to one, two or three significant
    digits, if no labelled tick is at or below it; labels it would overlap go."""
    if data_low is None or not low <= data_low <= high or any(t <= data_low + 1e-9 for t in labelled):
        return labelled
    value = 10.0 ** data_low
    for digits in (1, 2, 3):
        unit = 10.0 ** (math.floor(data_low) - digits + 1)
        tick = math.log10(math.floor(value / unit * (1 + 1e-12)) * unit)
        if tick >= low:
            return [tick] + [t for t in labelled if (t - tick) * per_unit >= need]
    return labelled


class LrAxis(pg.AxisItem):
    """The y axis: in log mode every tick reads like a config value (1e-5, not 10⁻⁵), the
    labels never overlap whatever the plot's height, and one sits at or below the data."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._labelled: set[float] = set()

    def tickValues(self, minVal, maxVal, size):  # pyqtgraph's name
        if not self.logMode:
            return super().tickValues(minVal, maxVal, size)
        low, high = sorted((minVal, maxVal))
        labelled, minor = log_ticks(low, high, size, self._label_height(), self._data_low())
        self._labelled = set(labelled)
        return [(1.0, labelled), (0.1, minor)]

    def logTickStrings(self, values, scale, spacing):  # pyqtgraph's name
        return [lr_label(10 ** v * scale) if v in self._labelled else "" for v in values]

    def boundingRect(self):  # Qt's name
        # pyqtgraph drops a label that leaves this rectangle, which with a grid is exactly
        # the view's height: the tick at or below the data's minimum sits in the bottom
        # padding, so let labels overhang the ends by half their height.
        half = self._label_height() / 2 + 1
        return super().boundingRect().adjusted(0, -half, 0, half)

    def _label_height(self) -> float:
        return QFontMetricsF(self.style["tickFont"] or QFont()).height()

    def _data_low(self) -> float | None:
        """The smallest value the plot's curves hold (log10), from their cached bounds
        (the view's childrenBounds would add the pens' width)."""
        view = self.linkedView()
        lows = [item.dataBounds(1)[0] for item in getattr(view, "addedItems", ())
                if isinstance(item, StaircaseCurve) and item.isVisible()]
        lows = [low for low in lows if low is not None and math.isfinite(low)]
        return min(lows) if lows else None


class PlotWidget(pg.PlotWidget):
    """A PlotWidget with the plot's gestures: it says when the mouse leaves it (the
    crosshair hides then), zooms only with Ctrl+wheel (a plain wheel shows how instead of
    zooming by accident), and asks for the whole curve on a double-click or Home.

    Overrides rather than an event filter: Qt still sends events to filters while the
    widgets are being destroyed, when the Python side is already gone.
    """

    mouse_left = Signal()
    reset_requested = Signal()

    def leaveEvent(self, event):  # Qt's name
        super().leaveEvent(event)
        self.mouse_left.emit()

    def wheelEvent(self, event):  # Qt's name
        if event.modifiers() & Qt.ControlModifier:
            super().wheelEvent(event)
            return
        event.ignore()
        QToolTip.showText(event.globalPosition().toPoint(), NAVIGATION_HINT, self)

    def mouseDoubleClickEvent(self, event):  # Qt's name
        if event.button() == Qt.LeftButton:
            event.accept()
            self.reset_requested.emit()
        else:
            super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event):  # Qt's name
        if event.key() == Qt.Key_Home and not event.modifiers():
            event.accept()
            self.reset_requested.emit()
        else:
            super().keyPressEvent(event)


class LegendRow:
    """The legends of a plot, above its data area, right-aligned, one row each.

    pyqtgraph's legends sit inside the view, over whatever curve passes under them. Every
    legend of a PlotItem comes from its one row (`LegendRow.of(plot_item).add()`), and the
    PlotItem's top margin (as it was when the row was made) makes room for them.
    """

    _rows: ClassVar[weakref.WeakKeyDictionary] = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, plot_item: pg.PlotItem) -> LegendRow:
        if plot_item not in cls._rows:
            cls._rows[plot_item] = cls(plot_item)
        return cls._rows[plot_item]

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self._item = plot_item
        self._top = plot_item.layout.getContentsMargins()[1]
        self._legends: list[pg.LegendItem] = []
        plot_item.geometryChanged.connect(self.update)

    def add(self) -> pg.LegendItem:
        """A new, hidden legend; show it and fill it, then call `update`."""
        legend = pg.LegendItem(horSpacing=6)
        legend.setParentItem(self._item)
        legend.hide()
        self._legends.append(legend)
        return legend

    def update(self) -> None:
        """Lay the shown legends out again, each as wide as the plot allows."""
        left, _, right, bottom = self._item.layout.getContentsMargins()
        room = self._item.width() - left - right - 60  # clear of the lr axis' labels
        y = 0.0
        for legend in self._legends:
            if not legend.isVisibleTo(self._item) or not legend.items:
                continue
            columns = len(legend.items)
            legend.setColumnCount(columns)
            while columns > 1 and legend.width() > room:
                columns -= 1
                legend.setColumnCount(columns)
            legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-right, y))
            y += legend.height()
        # The legends take the top margin's place (it only keeps the top label clear).
        self._item.layout.setContentsMargins(left, max(self._top, y + 6), right, bottom)



def export_plot(plot_item: pg.PlotItem, path: str, width: int) -> None:
    """Write the plot as PNG (`width` pixels wide) or SVG, chosen by `path`'s extension, with
    each curve's points on display; OSError with a one-line reason on failure."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in (".png", ".svg"):
        raise OSError(f"cannot export the plot as '{extension or path}': use .png or .svg")
    try:
        if extension == ".svg":
            # One polyline per curve, not thousands of <line> elements: 10x smaller and faster.
            curves = [c for c in plot_item.scene().items() if isinstance(c, StaircaseCurve)]
            for curve in curves:
                curve.setSegmentedLineMode("off")
            try:
                with _closed_svg_paths():
                    data = SVGExporter(plot_item).export(toBytes=True)
            finally:
                for curve in curves:
                    curve.setSegmentedLineMode("on")
            with open(path, "wb") as file:
                file.write(data)
        else:
            exporter = ImageExporter(plot_item)
            exporter.parameters()["width"] = width
            if not exporter.export(toBytes=True).save(path, "PNG"):
                raise OSError(f"could not write the image to {path}")
    except OSError:
        raise
    except Exception as exc:  # pyqtgraph raises bare Exceptions for empty scenes
        raise OSError(f"could not export the plot to {path}: {exc}") from exc
