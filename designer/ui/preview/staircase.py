"""Curves drawn as what they are: staircases, each step's value held over [step, step + 1).

A scheduler sets the lr once per step, so no lr exists between two steps. Joining the values
with sloped lines, as a line plot does, invents some: StepLR's drop from 0.1 to 0.05 would pass
0.075 at step 4.5, and a restart would look like a ramp. `staircase_points` computes what to
draw for the steps in view: the exact staircase when it has at most four points per pixel
column, otherwise per column an upright stroke through the smallest and largest value of its
steps, then its last value held to the next column. Each column then spans exactly the values
its steps take, columns join at their shared edge, every line is level or upright, and no
value is invented (never a mean).

`StaircaseCurve` is the plot item every curve of the preview uses (the lr, the other param
groups, momentum, the compare pins). pyqtgraph's own stepMode cannot serve: its clipping and
downsampling treat the step edges as points (`PlotDataItem._getDisplayDataset`), so a clipped
or downsampled step curve comes out shifted or sloped. The item keeps the exact values and
recomputes its few display points whenever the visible range or the plot's width changes, so
drawing costs at most four points per pixel column whatever the number of steps.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

__all__ = ["StaircaseCurve", "staircase_points"]

_EMPTY = np.zeros(0, dtype=np.float64)


def staircase_points(values: np.ndarray, first_step: int, view_x0: float, view_x1: float,
                     pixel_columns: int, log: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) points that draw `values` (values[i] held over [first_step + i, + 1)) as a
    staircase between x = view_x0 and view_x1, `pixel_columns` pixels wide.

    When the visible steps need at most four points per column (two steps), the points are
    the exact staircase; otherwise the steps are grouped into columns of k steps (edges on
    multiples of k, so panning moves no edge) with four points each: at the column's left
    edge its smallest and largest values (in the order they occur) and its last value, which
    then holds to its right edge. Consecutive points share x or y at every zoom. With `log`,
    y is log10 of the values, a column's smallest value is its smallest positive one, and
    non-positive values become NaN (a gap). Runs of equal y are merged into one segment;
    every point's y is a value of `values` (or its log).
    """
    values = np.asarray(values)
    a, b = _visible_steps(len(values), first_step, view_x0, view_x1)
    if b <= a:
        return _EMPTY, _EMPTY
    columns = max(1, int(pixel_columns))
    if b - a <= 2 * columns:
        x = np.repeat(np.arange(a, b + 1, dtype=np.float64), 2)[1:-1]
        y = np.repeat(values[a:b].astype(np.float64, copy=False), 2)
    else:
        x, y = _column_extremes(values, a, b, -(-(b - a) // columns), log)
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.log10(np.where(y > 0, y, np.nan))
    x, y = _merge_flat_runs(x, y)
    return x + first_step, y


def _visible_steps(count: int, first_step: int, x0: float, x1: float) -> tuple[int, int]:
    """The indices [a, b) of the steps whose treads intersect [x0, x1]."""
    low, high = x0 - first_step, x1 - first_step
    if not (high > 0 and low < count):  # also false for NaN
        return 0, 0
    return math.floor(max(low, 0.0)), math.ceil(min(high, float(count)))


def _column_extremes(values: np.ndarray, a: int, b: int, k: int,
                     log: bool) -> tuple[np.ndarray, np.ndarray]:
    a -= a % k
    starts = np.arange(a, b, k)
    ends = np.minimum(starts + k, b)
    block = values[a:b]
    low = _arg_per_column(block, k, np.argmin) + starts
    high = _arg_per_column(block, k, np.argmax) + starts
    if log and np.any(values[low] <= 0):  # a log axis shows the smallest positive value
        positive = np.where(block > 0, block, np.inf)
        low = _arg_per_column(positive, k, np.argmin) + starts
    early, late = np.minimum(low, high), np.maximum(low, high)
    # The column's first value needs no point: it lies between its extremes, which the
    # upright stroke from the previous column's last value passes through anyway.
    x = np.stack([starts, starts, starts, ends], axis=1).astype(np.float64)
    y = values[np.stack([early, late, ends - 1, ends - 1], axis=1)].astype(np.float64)
    return x.ravel(), y.ravel()


def _arg_per_column(block: np.ndarray, k: int, arg) -> np.ndarray:
    """`arg` (np.argmin or np.argmax) of each k-long column of `block`, the last one
    possibly shorter; a reshaped view costs no copy."""
    full = len(block) // k
    result = arg(block[:full * k].reshape(full, k), axis=1)
    if full * k < len(block):
        result = np.append(result, arg(block[full * k:]))
    return result


def _merge_flat_runs(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop the inner points of horizontal runs: the same drawing, fewer segments, and a
    dashed pen's pattern runs along a plateau instead of restarting at every step."""
    if len(y) < 3:
        return x, y
    keep = np.ones(len(y), dtype=bool)
    keep[1:-1] = (y[1:-1] != y[:-2]) | (y[1:-1] != y[2:])
    return x[keep], y[keep]


class StaircaseCurve(pg.PlotCurveItem):
    """One value per step, drawn as a staircase recomputed for the view (`staircase_points`).

    `values` and `first_step` are the exact data (`set_values`); `getData()` gives the few
    points on display, which is what a PNG or SVG export draws. The view's autorange sees
    the whole data's bounds, not just the visible points.
    """

    def __init__(self, pen=None) -> None:
        super().__init__(pen=pg.mkPen(pen) if pen is not None else pg.mkPen("#1f3b70"))
        # Qt strokes a wide antialiased path as one polygon, which takes seconds for a dense
        # zigzag (a CyclicLR of millions of steps at four points per pixel); separate
        # segments take milliseconds. Joints overlap, so pens must stay opaque.
        self.setSegmentedLineMode("on")
        # A staircase is level and upright lines, which antialiasing only blurs; and a
        # dense curve's columns overdraw full-height lines, which antialiased took 80 ms a
        # frame for 10M CyclicLR steps, 10 ms without. Exports still antialias.
        self.opts["antialias"] = False
        self.opts["connect"] = "finite"  # a NaN (a non-positive value on a log axis) is a gap
        self.values: np.ndarray = _EMPTY
        self.first_step = 0
        self._log = False
        self._version = 0  # counts set_values calls, so the display key changes with the data
        self._shown: tuple | None = None  # what the display points were computed for
        self._bounds: dict[bool, tuple] = {}  # y bounds of all values, per log mode

    def set_values(self, values: np.ndarray, first_step: int = 0) -> None:
        """Show `values` (values[i] is the value of step first_step + i); the array is kept,
        not copied."""
        self.values, self.first_step = np.asarray(values), int(first_step)
        self._version += 1
        self._bounds = {}
        self._refresh()
        self.informViewBoundsChanged()

    def setLogMode(self, x_log: bool, y_log: bool) -> None:  # pyqtgraph's name
        """PlotItem.setLogMode calls this on every item that has it (x is never log here)."""
        if bool(y_log) != self._log:
            self._log = bool(y_log)
            self._refresh()
            self.informViewBoundsChanged()

    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # pyqtgraph's name
        """The bounds of all the data (not only of the points on display), for autorange
        and boundingRect; `frac` and `orthoRange` are not supported (we never ask)."""
        if not len(self.values):
            return (None, None)
        if ax == 0:
            return (float(self.first_step), float(self.first_step + len(self.values)))
        if self._log not in self._bounds:
            self._bounds[self._log] = self._value_bounds()
        return self._bounds[self._log]

    def viewRangeChanged(self):  # pyqtgraph's name: the view's range changed (at once)
        super().viewRangeChanged()
        self._refresh()

    def viewTransformChanged(self):  # pyqtgraph's name: range or size (before painting)
        super().viewTransformChanged()
        self._refresh()

    def _refresh(self) -> None:
        view = self.getViewBox()
        if view is None or not hasattr(view, "viewRange"):
            return
        (x0, x1), width = view.viewRange()[0], int(view.width())
        key = (self._version, x0, x1, width, self._log)
        if key == self._shown:
            return
        self._shown = key
        x, y = staircase_points(self.values, self.first_step, x0, x1, width, self._log)
        if len(x) and x[0] <= self.first_step and x[-1] >= self.first_step + len(self.values):
            # The points span every step, so their extremes are the data's: no extra pass
            # over millions of values while a curve streams in.
            self._bounds.setdefault(self._log, _nan_bounds(y))
        super().setData(x=x, y=y)

    def _value_bounds(self) -> tuple:
        values = self.values
        if self._log:
            positive = values[values > 0]
            if not len(positive):
                return (None, None)
            return (math.log10(np.min(positive)), math.log10(np.max(positive)))
        return _nan_bounds(values)


def _nan_bounds(y: np.ndarray) -> tuple:
    """(min, max) of y ignoring NaN, (None, None) when nothing is left."""
    low, high = float(np.fmin.reduce(y)), float(np.fmax.reduce(y))
    return (None, None) if math.isnan(low) else (low, high)
