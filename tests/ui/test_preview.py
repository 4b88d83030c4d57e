"""The preview plot: exact arrays, phase shading, toggles, readout, x mapping, export, log
ticks, zoom gestures."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from designer.core.curves.engine import compute_curve
from designer.core.schedule.fileformat import load_schedule_file
from designer.core.schedule.model import Phase, Schedule
from designer.ui.preview.plot_support import log_ticks
from designer.ui.preview.preview import Preview, compact_number, lr_label

EXAMPLES = Path(__file__).resolve().parents[2] / "designer" / "examples"


@pytest.fixture(scope="module")
def wsd() -> tuple[Schedule, np.ndarray]:
    schedule = load_schedule_file(EXAMPLES / "warmup-stable-decay.json")
    return schedule, compute_curve(schedule)


@pytest.fixture
def preview(qtbot) -> Preview:
    widget = Preview()
    qtbot.addWidget(widget)
    widget.resize(900, 420)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _view_box(preview: Preview) -> pg.ViewBox:
    return preview.plot_widget.getPlotItem().getViewBox()


def test_curve_returns_the_very_arrays_plotted(preview, wsd):
    schedule, lrs = wsd
    preview.show_curve(schedule, lrs)
    steps, shown = preview.curve()
    assert shown is lrs and shown.dtype == np.float64
    # Steps are float32: exact for every step of a schedule (capped at 10M < 2**24).
    assert np.array_equal(steps, np.arange(len(lrs))) and steps.dtype == np.float32
    # The curve item draws from the very array (a staircase of it, see test_staircase).
    data_item = preview.plot_widget.getPlotItem().listDataItems()[0]
    assert data_item.values is lrs and data_item.first_step == 0


def test_one_shaded_region_per_phase_in_the_phase_colours(preview, wsd):
    schedule, lrs = wsd
    preview.show_curve(schedule, lrs)
    regions = preview.phase_regions()
    assert len(regions) == len(schedule.phases) == 3
    assert [r.getRegion() for r in regions] == [(0, 1000), (1000, 8000), (8000, 10000)]
    assert not any(r.movable for r in regions)
    shorter = schedule.remove_phase(1)
    preview.show_curve(shorter, compute_curve(shorter))
    items = preview.plot_widget.getPlotItem().items
    assert sum(isinstance(i, pg.LinearRegionItem) for i in items) == 2


def test_log_y_toggle_and_non_positive_values(preview, qtbot):
    schedule = Schedule((Phase("LinearLR", 10, {"start_factor": 1.0, "end_factor": 0.0}),))
    lrs = np.linspace(0.1, 0.0, 10)  # ends at exactly 0
    preview.show_curve(schedule, lrs)
    qtbot.mouseClick(preview.log_button, Qt.LeftButton)
    axis = preview.plot_widget.getPlotItem().getAxis("left")
    assert preview.log_button.isChecked() and axis.logMode
    assert "0 or less at 1 step" in preview.banner_text()
    assert preview.curve()[1] is lrs  # the data stay exact; only the view maps them

    never_positive = np.zeros(10)
    preview.show_curve(schedule, never_positive)
    assert not preview.log_button.isChecked() and not axis.logMode
    assert "never positive" in preview.banner_text()
    qtbot.mouseClick(preview.log_button, Qt.LeftButton)  # refused again, stays linear
    assert not preview.log_button.isChecked() and not axis.logMode

    preview.show_curve(schedule, np.full(10, 0.1))
    qtbot.mouseClick(preview.log_button, Qt.LeftButton)
    assert axis.logMode and preview.banner_text() == ""
    qtbot.mouseClick(preview.log_button, Qt.LeftButton)
    assert not axis.logMode


def test_epochs_toggle_needs_steps_per_epoch(preview, qtbot, wsd):
    schedule, lrs = wsd
    no_epochs = schedule.with_settings(steps_per_epoch=None)
    preview.show_curve(no_epochs, lrs)
    assert not preview.epochs_button.isEnabled()
    preview.show_curve(schedule, lrs)
    assert preview.epochs_button.isEnabled()
    qtbot.mouseClick(preview.epochs_button, Qt.LeftButton)
    axis = preview.plot_widget.getPlotItem().getAxis("bottom")
    assert axis.scale == pytest.approx(1 / 1000) and axis.labelText == "epoch"
    assert preview.curve()[0][-1] == len(lrs) - 1  # data stay in steps
    preview.show_curve(no_epochs, lrs)
    assert not preview.epochs_button.isEnabled() and not preview.epochs_button.isChecked()
    assert axis.scale == 1.0 and axis.labelText == "step"


def test_readout_names_step_epoch_lr_and_phase(preview, wsd):
    schedule, lrs = wsd
    preview.show_curve(schedule, lrs)
    assert preview.readout_at(1500) == "step 1500 · epoch 1.50 · lr 0.001 · phase 2 ConstantLR"
    text = preview.readout_at(9000)
    assert text.startswith("step 9000 · epoch 9.00 · lr ") and text.endswith("phase 3 LinearLR")
    assert float(text.split("lr ")[1].split(" ")[0]) == pytest.approx(lrs[9000], rel=1e-5)
    preview.show_curve(schedule.with_settings(steps_per_epoch=None), lrs)
    assert preview.readout_at(0) == f"step 0 · lr {lrs[0]:.6g} · phase 1 LinearLR"
    assert preview.readout_at(len(lrs)) == "" and preview.readout_at(-1) == ""


def test_per_epoch_stepping_counts_epochs(preview, wsd):
    schedule, lrs = wsd
    per_epoch = schedule.with_settings(interval="epoch")  # steps_per_epoch: batches per epoch
    preview.show_curve(per_epoch, lrs)
    assert preview.readout_at(1500) == "epoch 1500 · lr 0.001 · phase 2 ConstantLR"
    assert not preview.epochs_button.isEnabled()
    assert preview.plot_widget.getPlotItem().getAxis("bottom").labelText == "epoch"


def test_crosshair_follows_the_mouse(preview, qtbot, wsd):
    schedule, lrs = wsd
    preview.show_curve(schedule, lrs)
    qtbot.wait(20)
    view_box = _view_box(preview)
    scene_pos = view_box.mapViewToScene(QPointF(4200, float(lrs[4200])))
    target = preview.plot_widget.mapFromScene(scene_pos)
    with qtbot.waitSignal(preview.hovered_step, timeout=2000) as blocker:
        QTest.mouseMove(preview.plot_widget.viewport(), target)
    assert abs(blocker.args[0] - 4200) <= 20
    assert preview.crosshair.readout.text() == preview.readout_at(blocker.args[0])
    assert preview.crosshair.readout.toolTip() == f"lr = {float(lrs[blocker.args[0]])!r}"
    # Mid-tread of the hovered step: its lr holds over [step, step + 1).
    assert preview.crosshair.vertical.isVisible() and preview.crosshair.vertical.value() == blocker.args[0] + 0.5
    with qtbot.waitSignal(preview.hovered_step) as left:
        QApplication.sendEvent(preview.plot_widget, QEvent(QEvent.Leave))
    assert left.args == [-1] and not preview.crosshair.vertical.isVisible()


def test_small_edits_keep_the_zoom_and_new_lengths_rescale(preview, qtbot, wsd):
    schedule, lrs = wsd
    preview.show_curve(schedule, lrs)
    view_box = _view_box(preview)
    view_box.setXRange(2000, 3000, padding=0)
    preview.show_curve(schedule, lrs * 0.5)
    assert view_box.viewRange()[0] == pytest.approx([2000, 3000])
    longer = schedule.resize_phase(1, 17000)
    preview.show_curve(longer, compute_curve(longer))
    qtbot.waitUntil(lambda: view_box.viewRange()[0][1] >= 20000 - 1)
    assert view_box.viewRange()[0][0] <= 0


def test_x_mapping_follows_the_view(preview, qtbot, wsd):
    schedule, lrs = wsd
    preview.show_curve(schedule, lrs)
    qtbot.wait(20)
    with qtbot.waitSignal(preview.x_mapping_changed, timeout=2000) as blocker:
        _view_box(preview).setXRange(1000, 5000, padding=0)
    x_min, x_max, left, right = blocker.args
    assert (x_min, x_max) == pytest.approx((1000, 5000))
    assert 0 < left < right <= preview.width()
    assert preview.x_mapping() == tuple(blocker.args)
    with qtbot.waitSignal(preview.x_mapping_changed, timeout=2000) as blocker:
        preview.resize(700, 420)
    assert blocker.args[3] <= 700 and blocker.args[3] - blocker.args[2] < right - left


def test_error_banner_keeps_the_last_good_curve(preview, wsd):
    schedule, lrs = wsd
    preview.show_curve(schedule, lrs)
    bright = preview._curve.opts["pen"].color()
    preview.show_error("phases[1].params.gamma: must be > 0")
    assert "phases[1].params.gamma: must be > 0" in preview.banner_text()
    assert preview.error() == "phases[1].params.gamma: must be > 0"
    assert preview.curve()[1] is lrs
    dimmed = preview._curve.opts["pen"].color()
    base = preview.palette().base().color()
    assert abs(dimmed.lightness() - base.lightness()) < abs(bright.lightness() - base.lightness())
    preview.clear_error()
    assert preview.banner_text() == "" and preview._curve.opts["pen"].color() == bright
    preview.show_error("bad")
    preview.show_curve(schedule, lrs)  # a valid design again
    assert preview.error() == "" and preview.banner_text() == ""


def test_an_error_wins_over_the_log_note_on_top_of_the_plot_and_dims_the_phases(preview, wsd):
    schedule, lrs = wsd
    with_zero = lrs.copy()
    with_zero[0] = 0.0
    preview.log_button.setChecked(True)
    preview.show_curve(schedule, with_zero)
    assert preview.banner_text() == "The lr is 0 or less at 1 step; the log axis leaves those out."
    preview.show_error("phases[1].params.gamma: must be > 0")
    assert preview.banner_text() == "\u26a0  phases[1].params.gamma: must be > 0"
    assert [r.opacity() for r in preview.phase_regions()] == [0.4, 0.4, 0.4]
    # The banner is stacked over the plot, not hidden behind it.
    banner = next(w for w in preview.findChildren(QLabel) if w.objectName() == "previewBanner")
    assert preview.childAt(banner.geometry().center()) is banner
    preview.clear_error()
    assert preview.banner_text().startswith("The lr is 0 or less")
    assert [r.opacity() for r in preview.phase_regions()] == [1.0, 1.0, 1.0]


def test_export_png_and_svg(preview, tmp_path, wsd):
    schedule, lrs = wsd
    preview.show_curve(schedule, lrs)
    png, svg = tmp_path / "curve.png", tmp_path / "curve.svg"
    preview.export_image(str(png))
    preview.export_image(str(svg))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000
    assert b"<svg" in svg.read_bytes()[:2000]
    with pytest.raises(OSError, match="png or .svg"):
        preview.export_image(str(tmp_path / "curve.bmpx"))
    with pytest.raises(OSError):
        preview.export_image(str(tmp_path / "missing-dir" / "curve.png"))


def test_axis_labels():
    assert [compact_number(v) for v in (0, 500, 1000, 1500, 48000, 1.5e6)] == [
        "0", "500", "1k", "1.5k", "48k", "1.5M"]
    assert [lr_label(v) for v in (0.1, 0.001, 1e-4, 3e-4, 2.5e-6, 0)] == [
        "0.1", "0.001", "1e-4", "3e-4", "2.5e-6", "0"]


# ---- the staircase's axis, the readout and the zoom --------------------------------------

STEP = Schedule((Phase("StepLR", 20, {"step_size": 5, "gamma": 0.5}),))  # 0.1 ... 0.0125


def _tick_labels(preview: Preview) -> list[tuple[QRectF, str]]:
    """The y axis' tick labels as it would paint them now: (rectangle, text)."""
    QApplication.processEvents()
    axis = preview.plot_widget.getPlotItem().getAxis("left")
    image = QImage(10, 10, QImage.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _, text in texts if text]


@pytest.mark.parametrize("height", [420, 200, 130])
def test_log_ticks_cover_the_plateau_and_never_overlap(preview, qtbot, height):
    lrs = compute_curve(STEP)
    preview.resize(900, height)
    preview.show_curve(STEP, lrs)
    qtbot.mouseClick(preview.log_button, Qt.LeftButton)
    labels = _tick_labels(preview)
    values = sorted(float(text) for _, text in labels)
    assert len(values) >= 2
    assert values[0] <= 0.0125  # the plateau has a tick at or below it
    view_low = 10 ** _view_box(preview).viewRange()[1][0]
    assert values[0] >= view_low
    rects = [rect for rect, _ in labels]
    for index, rect in enumerate(rects):
        assert not any(rect.intersects(other) for other in rects[index + 1:]), labels


def test_the_readout_clears_when_the_mouse_leaves(preview, qtbot, wsd):
    schedule, lrs = wsd
    preview.show_curve(schedule, lrs)
    qtbot.waitUntil(lambda: _view_box(preview).viewRange()[0][1] >= len(lrs))  # autoranged
    viewport = preview.plot_widget.viewport()
    scene_pos = _view_box(preview).mapViewToScene(QPointF(4200, float(lrs[4200]) / 2))
    with qtbot.waitSignal(preview.hovered_step, timeout=2000):
        QTest.mouseMove(viewport, preview.plot_widget.mapFromScene(scene_pos))
    assert preview.crosshair.readout.text()
    # Out of the plot onto the toolbar: Qt sends the plot a real Leave event.
    with qtbot.waitSignal(preview.hovered_step, timeout=2000) as left:
        QTest.mouseMove(preview.log_button)
    qtbot.wait(50)  # past the mouse proxy's rate limit: no late move brings it back
    assert left.args == [-1] and preview.crosshair.readout.text() == ""
    assert not preview.crosshair.vertical.isVisible()
    # Over the y axis (inside the plot widget, outside the data) nothing is hovered either.
    with qtbot.waitSignal(preview.hovered_step, timeout=2000):
        QTest.mouseMove(viewport, preview.plot_widget.mapFromScene(scene_pos))
    item = preview.plot_widget.getPlotItem()
    axis = item.mapRectToScene(item.getAxis("left").geometry()).center()
    qtbot.wait(20)  # pyqtgraph's scene drops a move within 10 ms of the last one
    with qtbot.waitSignal(preview.hovered_step, timeout=2000) as left:
        QTest.mouseMove(viewport, preview.plot_widget.mapFromScene(axis))
    assert left.args == [-1] and preview.crosshair.readout.text() == ""


def _wheel(preview: Preview, modifiers) -> None:
    viewport = preview.plot_widget.viewport()
    centre = QPointF(viewport.rect().center())
    event = QWheelEvent(centre, QPointF(viewport.mapToGlobal(centre.toPoint())), QPoint(),
                        QPoint(0, 240), Qt.NoButton, modifiers, Qt.NoScrollPhase, False)
    QApplication.sendEvent(viewport, event)
    QApplication.processEvents()


def test_ctrl_wheel_zooms_and_double_click_or_home_show_everything(preview, qtbot, wsd):
    schedule, lrs = wsd
    preview.show_curve(schedule, lrs)
    qtbot.wait(20)
    view_box = _view_box(preview)
    whole = view_box.viewRange()[0]

    def shows_everything() -> bool:
        x_min, x_max = view_box.viewRange()[0]
        return x_min <= 0 and x_max >= len(lrs) and not preview.is_zoomed()

    _wheel(preview, Qt.NoModifier)  # a plain wheel does not zoom by accident
    assert view_box.viewRange()[0] == whole and not preview.is_zoomed()
    _wheel(preview, Qt.ControlModifier)
    zoomed = view_box.viewRange()[0]
    assert zoomed[1] - zoomed[0] < 0.9 * (whole[1] - whole[0])
    assert preview.is_zoomed() and preview._view_range.button.isVisible()
    preview.show_curve(schedule, lrs * 0.5)  # an edit keeps the zoom
    assert preview.is_zoomed() and view_box.viewRange()[0] == pytest.approx(zoomed)

    QTest.mouseDClick(preview.plot_widget.viewport(), Qt.LeftButton)
    qtbot.waitUntil(shows_everything)
    assert not preview._view_range.button.isVisible()

    _wheel(preview, Qt.ControlModifier)
    assert preview.is_zoomed()
    preview.plot_widget.setFocus()
    QTest.keyClick(preview.plot_widget, Qt.Key_Home)
    qtbot.waitUntil(shows_everything)

    _wheel(preview, Qt.ControlModifier)
    qtbot.mouseClick(preview._view_range.button, Qt.LeftButton)
    qtbot.waitUntil(shows_everything)


def test_the_log_axis_keeps_the_zoom(preview, qtbot, wsd):
    schedule, lrs = wsd
    preview.show_curve(schedule, lrs)
    qtbot.wait(20)
    _wheel(preview, Qt.ControlModifier)
    zoomed = _view_box(preview).viewRange()[0]
    qtbot.mouseClick(preview.log_button, Qt.LeftButton)
    assert preview.is_zoomed() and _view_box(preview).viewRange()[0] == pytest.approx(zoomed)


@pytest.mark.parametrize(("low", "high", "pixels", "data_low"), [
    (0.0117, 0.107, 40, 0.0125),  # a short plot: two labels, one under the plateau
    (0.0117, 0.107, 800, 0.0125),  # a tall one: 1, 1.5, 2, 3, 5, 7 per decade
    (1e-300, 1e300, 300, 1e-290),  # 600 decades: every 50th labelled
    (0.0995, 0.1005, 300, 0.0996),  # zoomed in on a plateau: 0.0996, 0.0997, ...
])
def test_log_ticks_fit_any_range(low, high, pixels, data_low):
    labelled, minor = log_ticks(math.log10(low), math.log10(high), pixels, 15,
                                math.log10(data_low))
    gaps = np.diff(labelled) * pixels / (math.log10(high) - math.log10(low))
    assert len(labelled) >= 2 and np.all(gaps >= 1.6 * 15)
    assert labelled[0] <= math.log10(data_low) + 1e-9
    assert not set(labelled) & set(minor)
