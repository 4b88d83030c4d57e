"""Curves are drawn as staircases: exact when zoomed in, honest min/max columns when not."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from designer.core.curves.engine import compute_curve
from designer.core.schedule.model import Phase, Schedule
from designer.ui.preview.preview import Preview
from designer.ui.preview.staircase import staircase_points

STEP = Schedule((Phase("StepLR", 20, {"step_size": 5, "gamma": 0.5}),))


def points(values, x0, x1, columns, first_step=0, log=False):
    x, y = staircase_points(np.asarray(values, dtype=np.float64), first_step, x0, x1,
                            columns, log)
    return x.tolist(), y.tolist()


def test_the_exact_staircase_holds_each_value_over_its_step():
    # Steps 1, 2, 3 are in view; their lrs hold over [1, 2), [2, 3), [3, 4).
    assert points([0.1, 0.2, 0.3, 0.4, 0.5], 1.5, 3.2, 100) == (
        [1, 2, 2, 3, 3, 4], [0.2, 0.2, 0.3, 0.3, 0.4, 0.4])
    # A run of equal values is one level line; the curve ends at the last step's end.
    assert points([0.1, 0.1, 0.05, 0.05, 0.025], -1, 10, 100) == (
        [0, 2, 2, 4, 4, 5], [0.1, 0.1, 0.05, 0.05, 0.025, 0.025])
    assert points([0.1, 0.05], 0, 2, 100, first_step=10) == ([], [])  # steps 10 and 11
    assert points([0.1, 0.05], 9, 12, 100, first_step=10) == (
        [10, 11, 11, 12], [0.1, 0.1, 0.05, 0.05])
    assert points([0.1], float("nan"), 5, 100) == ([], [])


def test_columns_span_their_steps_with_level_and_upright_lines():
    # 8 steps in 2 columns of 4: an upright stroke through each column's extremes (in the
    # order they occur) to its last value, which holds to the next column's edge.
    assert points([3, 9, 1, 4, 2, 2, 2, 2], 0, 8, 2) == (
        [0, 0, 0, 4, 4, 8], [9, 1, 4, 4, 2, 2])
    # Column edges sit on multiples of the column width, wherever the view starts; the
    # last column ends with the last step in view.
    x, _ = points(np.arange(100.0), 7, 87, 10)
    assert x[0] == 0 and all(v % 8 == 0 for v in x[:-1]) and x[-1] == 87


def test_log_columns_show_the_smallest_positive_value_and_leave_gaps():
    x, y = points([1, 0, 2, 3, 0.5, 0.1, 0.2], 0, 7, 2, log=True)
    assert x == [0, 0, 4, 4, 4, 4, 7]
    assert np.allclose(y, np.log10([1, 3, 3, 0.5, 0.1, 0.2, 0.2]))
    x, y = points([0.1, 0.0, 0.1], 0, 3, 100, log=True)  # exact: the zero step is a gap
    assert x == [0, 1, 1, 2, 2, 3]
    assert np.isnan(y[2]) and np.isnan(y[3]) and y[0] == y[5] == -1


def test_a_million_random_steps_keep_every_column_s_extremes():
    values = np.random.default_rng(14).random(1_000_000)
    x, y = staircase_points(values, 0, 0, len(values), 800)
    assert len(x) <= 4 * 801  # four points a column: drawing costs pixels, not steps
    assert x[0] == 0 and x[-1] == len(values)
    assert _assert_honest_columns(values, x, y) <= 801


@pytest.fixture
def preview(qtbot) -> Preview:
    widget = Preview()
    qtbot.addWidget(widget)
    widget.resize(900, 420)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _displayed(preview: Preview) -> tuple[np.ndarray, np.ndarray]:
    QApplication.processEvents()
    return preview._curve.getData()


def test_a_step_lr_is_drawn_level_and_upright_at_every_zoom(preview):
    lrs = compute_curve(STEP)
    preview.show_curve(STEP, lrs)
    view_box = preview.plot_widget.getPlotItem().getViewBox()
    for x_range in ((3.5, 6.5), (0, 20), (4.2, 4.8)):
        view_box.setXRange(*x_range, padding=0)
        x, y = _displayed(preview)
        assert len(x) >= 2
        assert np.all((np.diff(x) == 0) | (np.diff(y) == 0)), (x_range, x, y)
    # Zoomed in on the first drop: 0.1 up to step 5, then 0.05; nothing in between.
    view_box.setXRange(3.5, 6.5, padding=0)
    x, y = _displayed(preview)
    assert x.tolist() == [3, 5, 5, 7] and y.tolist() == [0.1, 0.1, 0.05, 0.05]
    assert preview.curve()[1] is lrs


def test_the_crosshair_reads_the_tread_under_the_mouse(preview, qtbot):
    from PySide6.QtCore import QPointF
    from PySide6.QtTest import QTest

    preview.show_curve(STEP, compute_curve(STEP))
    view_box = preview.plot_widget.getPlotItem().getViewBox()
    view_box.setXRange(3.5, 6.5, padding=0)
    QApplication.processEvents()
    # At x = 4.9 the line drawn is step 4's 0.1; rounding would have read step 5's 0.05.
    scene_pos = view_box.mapViewToScene(QPointF(4.9, 0.075))
    with qtbot.waitSignal(preview.hovered_step, timeout=2000) as hovered:
        QTest.mouseMove(preview.plot_widget.viewport(), preview.plot_widget.mapFromScene(scene_pos))
    assert hovered.args == [4] and " · lr 0.1 · " in preview.crosshair.readout.text()


def test_a_long_random_curve_is_drawn_as_honest_columns(preview):
    values = np.random.default_rng(7).random(1_000_000)
    schedule = Schedule((Phase("ConstantLR", len(values), {"factor": 1.0}),))
    preview.show_curve(schedule, values)
    x, y = _displayed(preview)
    columns = preview.plot_widget.getPlotItem().getViewBox().width()
    assert len(x) <= 4 * (columns + 1)
    assert columns / 2 <= _assert_honest_columns(values, x, y) <= columns + 1
    # Zooming recomputes from the exact values, still within the pixel budget.
    preview.plot_widget.getPlotItem().getViewBox().setXRange(200_000, 300_000, padding=0)
    x, y = _displayed(preview)
    assert len(x) <= 4 * (columns + 1) and x[0] <= 200_000 and x[-1] >= 300_000
    # The autorange still sees all the data, not just the points shown.
    assert preview._curve.dataBounds(1) == (values.min(), values.max())
    assert preview._curve.dataBounds(0) == (0, len(values))


def test_svg_export_of_a_step_lr_drops_straight_down(preview, tmp_path):
    preview.show_curve(STEP, compute_curve(STEP))
    QApplication.processEvents()
    target = tmp_path / "step.svg"
    preview.export_image(str(target))
    paths = re.findall(r'<path[^>]*d="([^"]*)"', target.read_text())
    # The curve is the path with 8 points: 4 treads joined by 3 upright drops.
    [curve] = [d for d in paths if len(re.findall(r"[ML]", d)) == 8]
    xy = [tuple(map(float, p.split(","))) for p in re.findall(r"[ML]([-\d.e]+,[-\d.e]+)", curve)]
    for (x0, y0), (x1, y1) in itertools.pairwise(xy):
        assert x0 == pytest.approx(x1) or y0 == pytest.approx(y1)
    assert sum(x0 == pytest.approx(x1) for (x0, _), (x1, _) in itertools.pairwise(xy)) == 3


def _assert_honest_columns(values: np.ndarray, x: np.ndarray, y: np.ndarray) -> int:
    """Every segment is level or upright; at each column's left edge an upright stroke
    spans exactly the smallest to the largest value of the column's steps and ends at its
    last value, which a level line holds to the next column. Returns the column count."""
    assert np.all((np.diff(x) == 0) | (np.diff(y) == 0))
    strokes = np.split(np.arange(len(x)), np.flatnonzero(np.diff(x)) + 1)
    for index, (stroke, following) in enumerate(itertools.pairwise(strokes)):
        start, end = int(x[stroke[0]]), int(x[following[0]])
        # After the first column, a stroke starts where the last column's level line
        # arrived (random values never repeat, so that point is always there).
        ys = y[stroke[1:]] if index else y[stroke]
        steps = values[start:end]
        assert ys.min() == steps.min() and ys.max() == steps.max() and ys[-1] == steps[-1]
    return len(strokes) - 1
