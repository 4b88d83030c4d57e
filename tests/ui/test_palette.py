"""The scheduler palette: catalog order, real-torch icons, tooltips, drag payload, append."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLineEdit

from designer.core.curves.palette_data import (
    clean_rst,
    compute_palette_data,
    palette_data,
    torch_summary,
    typical_curve,
)
from designer.core.schedule.catalog import SCHEDULERS
from designer.ui.palette import ICON_SIZE, SCHEDULER_MIME, Palette, curve_pixmap


@pytest.fixture
def palette(qtbot) -> Palette:
    widget = Palette()
    qtbot.addWidget(widget)
    widget.resize(widget.sizeHint())
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_one_item_per_scheduler_in_catalog_order(palette):
    assert palette.count() == len(SCHEDULERS) == 13
    assert [palette.item(row).text() for row in range(palette.count())] == list(SCHEDULERS)
    assert [palette.scheduler_at(row) for row in range(palette.count())] == list(SCHEDULERS)
    for row in range(palette.count()):
        item = palette.item(row)
        assert not item.icon().isNull()
        assert not item.icon().pixmap(ICON_SIZE).isNull()
        assert item.text() in item.toolTip()
        assert SCHEDULERS[item.text()].doc in item.toolTip()
        assert "torch:" in item.toolTip()
    assert palette.objectName() == "palette"
    assert palette.accessibleName() == "Scheduler palette"


def test_icons_come_from_real_torch_stepping():
    step = typical_curve("StepLR")
    assert len(step) == 120 and step[0] == 0.1
    assert step[29] == step[0] and step[30] == pytest.approx(step[0] * 0.5)
    cyclic = typical_curve("CyclicLR")
    assert cyclic[20] == pytest.approx(0.1) and cyclic[40] == pytest.approx(0.001)
    for name in SCHEDULERS:
        curve = typical_curve(name)
        assert curve.dtype == np.float64 and np.isfinite(curve).all() and curve.max() > 0


def test_bundled_thumbnails_and_docs_equal_what_the_installed_torch_gives():
    # The window draws the bundled data so it need not import torch; it must be exact.
    fresh = compute_palette_data()
    assert fresh["curves"] == palette_data()["curves"]
    assert fresh["docs"] == palette_data()["docs"]


def test_icons_are_rendered_at_the_device_pixel_ratio():
    pixmap = curve_pixmap("CosineAnnealingLR", QColor("#1f3b70"), 2.0)
    assert pixmap.devicePixelRatio() == 2.0
    assert (pixmap.width(), pixmap.height()) == (ICON_SIZE.width() * 2, ICON_SIZE.height() * 2)
    image = pixmap.toImage()
    # The cosine falls from the top-left corner: the area under it is filled, above is not.
    below = image.pixelColor(10, 2 * ICON_SIZE.height() - 10).alpha()
    above = image.pixelColor(2 * ICON_SIZE.width() - 10, 10).alpha()
    assert below > above > 0


def test_tooltips_use_the_torch_docstring_without_markup():
    assert torch_summary("StepLR") == (
        "Decays the learning rate of each parameter group by gamma every step_size epochs.")
    assert clean_rst("see :class:`~torch.optim.SGD` and ``step()`` in `SGDR`_") == (
        "see SGD and step() in SGDR")
    assert clean_rst("a `paper <https://x.org>`_\n   wrapped") == "a paper wrapped"


def test_mime_data_carries_the_scheduler_name(palette):
    item = palette.item(list(SCHEDULERS).index("OneCycleLR"))
    data = palette.mimeData([item])
    assert data.hasFormat(SCHEDULER_MIME)
    assert bytes(data.data(SCHEDULER_MIME)).decode("utf-8") == "OneCycleLR"
    assert palette.mimeTypes() == [SCHEDULER_MIME]
    assert palette.dragEnabled()


def test_double_click_and_enter_ask_to_append(palette, qtbot):
    row = list(SCHEDULERS).index("CosineAnnealingLR")
    rect = palette.visualItemRect(palette.item(row))
    with qtbot.waitSignal(palette.append_requested) as blocker:
        # A real double-click: press and release, then the second press arrives as DblClick.
        qtbot.mouseClick(palette.viewport(), Qt.LeftButton, pos=rect.center())
        qtbot.mouseDClick(palette.viewport(), Qt.LeftButton, pos=rect.center())
    assert blocker.args == ["CosineAnnealingLR"]
    palette.setCurrentRow(0)
    with qtbot.waitSignal(palette.append_requested) as blocker:
        qtbot.keyClick(palette, Qt.Key_Return)
    assert blocker.args == ["ConstantLR"]


def _edge_colours(widget) -> list[str]:
    """The colours along the middle of the widget's left, top and right edges."""
    image = widget.grab().toImage()
    ratio = image.devicePixelRatio()
    points = [(1, widget.height() // 2), (widget.width() // 2, 1), (widget.width() - 2, 30)]
    return [image.pixelColor(round(x * ratio), round(y * ratio)).name() for x, y in points]


def test_the_selection_and_a_focus_ring_show_only_while_the_palette_has_focus(qtbot):
    palette = Palette()
    other = QLineEdit()
    for widget in (palette, other):
        qtbot.addWidget(widget)
        widget.show()
    palette.resize(palette.sizeHint())
    qtbot.waitExposed(palette)
    highlight = palette.palette().color(QPalette.Highlight).name()
    palette.activateWindow()
    palette.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(palette.hasFocus)
    assert palette.currentRow() == 0 and palette.item(0).isSelected()  # what Enter appends
    assert _edge_colours(palette.viewport()) == [highlight] * 3
    rect = palette.visualItemRect(palette.item(2))
    with qtbot.waitSignal(palette.append_requested):
        qtbot.mouseClick(palette.viewport(), Qt.LeftButton, pos=rect.center())
        qtbot.mouseDClick(palette.viewport(), Qt.LeftButton, pos=rect.center())
    assert palette.selectedItems() == [palette.item(2)]
    other.activateWindow()
    other.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(lambda: not palette.hasFocus())
    assert palette.selectedItems() == []  # the last item used is not left highlighted
    assert highlight not in _edge_colours(palette.viewport())
    palette.activateWindow()
    palette.setFocus(Qt.BacktabFocusReason)
    qtbot.waitUntil(palette.hasFocus)
    assert palette.selectedItems() == [palette.item(2)]  # back where the keyboard was
