"""The first five minutes: layout, focus and words, driven with real widgets and events."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from designer.core.model import CONTINUE, Phase, Schedule
from designer.ui import theme
from designer.ui.document import Document
from designer.ui.timeline import PAD_Y, Timeline


def _pixel(widget, x: float, y: float) -> QColor:
    image = widget.grab().toImage()
    ratio = image.devicePixelRatio()
    return image.pixelColor(round(x * ratio), round(y * ratio))


def _timeline(qtbot, schedule: Schedule, width: int = 800) -> Timeline:
    view = Timeline(Document(schedule))
    qtbot.addWidget(view)
    view.resize(width, 80)
    view.show()
    qtbot.waitExposed(view)
    return view


def _accent(view: Timeline, index: int) -> QColor:
    """The colour of the strip along the top of block `index` (its phase's hue), below the
    selection ring."""
    return _pixel(view, view.block_rect(index).center().x(), PAD_Y + 2)


# Colours follow the phase, not the position ---------------------------------------------

def test_a_moved_phase_keeps_its_colour_in_the_timeline_and_the_preview(qtbot):
    schedule = Schedule((Phase("LinearLR", 1000), Phase("CosineAnnealingLR", 1000),
                         Phase("StepLR", 1000, {"step_size": 100})))
    view = _timeline(qtbot, schedule)
    before = {p.scheduler: _accent(view, i) for i, p in enumerate(schedule.phases)}
    assert len({c.name() for c in before.values()}) == 3
    view.setFocus()
    view.document.select(0)
    QTest.keyClick(view, Qt.Key_Right, Qt.AltModifier)  # a move edit, one undo step
    moved = view.document.schedule
    assert [p.scheduler for p in moved.phases] == ["CosineAnnealingLR", "LinearLR", "StepLR"]
    after = {p.scheduler: _accent(view, i) for i, p in enumerate(moved.phases)}
    assert after == before
    # The preview shades each phase with the same colour, read from the same phase.
    assert [theme.color_of(moved, i).name() for i in range(3)] == \
        [before[p.scheduler].name() for p in moved.phases]
    view.document.undo_stack.undo()
    assert {p.scheduler: _accent(view, i) for i, p in
            enumerate(view.document.schedule.phases)} == before
