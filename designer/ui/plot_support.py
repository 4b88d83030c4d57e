"""Support code for the preview plot: tick labels that read like configs, the x values of
a curve, a PlotWidget that reports when the mouse leaves it, and a workaround that lets
pyqtgraph's SVG exporter read what recent Qt writes. `designer.ui.preview` builds on these.
"""

from __future__ import annotations

import importlib
import os
from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter, SVGExporter
from PySide6.QtCore import Signal


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


class _StepAxis(pg.AxisItem):
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


class _LrAxis(pg.AxisItem):
    """The y axis: in log mode every tick reads like a config value (1e-5, not 10⁻⁵)."""

    def logTickStrings(self, values, scale, spacing):  # pyqtgraph's name
        return [lr_label(10 ** v * scale) for v in values]


class _PlotWidget(pg.PlotWidget):
    """A PlotWidget that says when the mouse leaves it (the crosshair hides then).

    An override rather than an event filter: Qt still sends events to filters while the
    widgets are being destroyed, when the Python side is already gone.
    """

    mouse_left = Signal()

    def leaveEvent(self, event):  # Qt's name
        super().leaveEvent(event)
        self.mouse_left.emit()



def export_plot(plot_item: pg.PlotItem, curve: pg.PlotCurveItem, path: str,
                width: int) -> None:
    """Write the plot as PNG (`width` pixels wide) or SVG, chosen by `path`'s extension;
    OSError with a one-line reason on failure."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in (".png", ".svg"):
        raise OSError(f"cannot export the plot as '{extension or path}': use .png or .svg")
    try:
        if extension == ".svg":
            # One polyline, not thousands of <line> elements: 10x smaller and faster.
            curve.setSegmentedLineMode("off")
            try:
                with _closed_svg_paths():
                    data = SVGExporter(plot_item).export(toBytes=True)
            finally:
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
