"""Compare variants: pin, overlay with legend (above the data), readout with ratios, undo,
saved with the file."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from designer.core.curves.engine import compute_curve
from designer.core.schedule import edits
from designer.core.schedule.fileformat import load_schedule_file
from designer.ui import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    win = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(win)
    win.files.warn = lambda title, text: None
    # pytest-qt closes the window before fixtures are torn down: never ask about saving.
    win.files.ask_save_changes = lambda action: QMessageBox.Discard
    return win


def test_pin_edit_compare_undo_and_save(window, tmp_path):
    window.open_path("designer/examples/step-exponential.json")
    original = window.document.schedule
    window.compare.pin_current("as loaded")
    window.document.apply(edits.set_start(window.document.schedule, 1, "restart"))
    assert window.flush_preview(60) and window.compare.wait(60)
    [pin] = window.compare.pins
    assert pin.name == "as loaded"
    assert np.array_equal(pin.lrs, compute_curve(original))  # exact, from the worker
    # The overlay draws it, with a legend entry for each curve.
    labels = [label.text for _, label in window.compare_overlay._legend.items]
    assert labels == ["current design", "as loaded"]
    # At step 20 the current design restarts at 0.1 while the pin continues at 0.0125.
    assert window.compare.readout(20, 0.1) == "as loaded 0.0125 (current ×8)"
    # Pins are saved with the file and come back.
    target = tmp_path / "pinned.json"
    assert window.files.save_as(str(target))
    assert load_schedule_file(str(target)).pinned == window.document.schedule.pinned
    # Pinning is an undoable edit.
    window.document.undo_stack.undo()  # the restart
    window.document.undo_stack.undo()  # the pin
    assert window.document.schedule == original and window.compare.pins == []


def test_compare_menu_unpins(window):
    window.open_path("designer/examples/one-cycle.json")
    window.compare.pin_current()
    window.compare.pin_current()
    assert [p.name for p in window.compare.pins] == ["Variant 1", "Variant 2"]
    titles = [action.text() for action in window.menuBar().actions()]
    assert titles.index("&Compare") == titles.index("&Help") - 1
    window.compare.unpin(0)
    assert [p.name for p in window.compare.pins] == ["Variant 2"]
    window.compare.clear()
    assert window.compare.pins == []


def test_the_legend_sample_follows_the_theme_of_the_curve(window):
    from PySide6.QtGui import QColor, QPalette

    from designer.ui import theme

    window.compare.pin_current("baseline")
    overlay = window.compare_overlay
    assert overlay.current_pen().color() == QColor(theme.CURVE_COLOR_LIGHT)
    dark = QPalette(window.palette())
    for role, color in ((QPalette.Window, "#2b2b2b"), (QPalette.WindowText, "#e0e0e0"),
                        (QPalette.Base, "#1e1e1e"), (QPalette.Text, "#e0e0e0")):
        dark.setColor(role, QColor(color))
    window.setPalette(dark)
    assert overlay.current_pen().color() == QColor(theme.CURVE_COLOR)


@pytest.mark.parametrize("size", [(1024, 700), (1280, 800)])
def test_the_legend_hides_no_curve(window, qtbot, size):
    from PySide6.QtWidgets import QApplication

    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.open_path("designer/examples/step-exponential.json")
    window.compare.pin_current("as loaded")
    window.document.apply(edits.set_start(window.document.schedule, 1, "restart"))
    assert window.flush_preview(60) and window.compare.wait(60)
    QApplication.processEvents()
    legend = window.compare_overlay._legend
    plot = window.preview.plot_widget
    view = plot.getPlotItem().getViewBox().sceneBoundingRect()
    shown = legend.mapRectToScene(legend.boundingRect())
    assert legend.isVisible() and shown.height() > 0
    # Above the data area, inside the widget: no curve passes under it.
    assert shown.bottom() <= view.top() and shown.top() >= 0
    assert plot.rect().contains(plot.mapFromScene(shown).boundingRect())
    window.compare.clear()
    QApplication.processEvents()
    assert not legend.isVisible()
    assert plot.getPlotItem().getViewBox().sceneBoundingRect().top() < view.top()
