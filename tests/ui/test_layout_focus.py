"""The first five minutes: layout, focus and words, driven with real widgets and events."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from designer.core.schedule.model import CONTINUE, Phase, Schedule
from designer.ui import theme
from designer.ui.document import Document
from designer.ui.timeline.geometry import MIN_BLOCK_PX, widen_blocks
from designer.ui.timeline.layout import PAD_Y
from designer.ui.timeline.timeline import Timeline


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


# A short phase beside a long one can still be clicked --------------------------------------

def test_a_10_step_phase_beside_a_million_step_phase_is_clickable(qtbot):
    schedule = Schedule((Phase("LinearLR", 10), Phase("CosineAnnealingLR", 1_000_000),
                         Phase("ConstantLR", 10)))
    view = _timeline(qtbot, schedule)
    document = view.document
    for index in (0, 2):
        rect = view.block_rect(index)
        assert rect.width() >= MIN_BLOCK_PX  # on the plot's scale it would be 0.008 px
        document.select(1)
        QTest.mouseClick(view, Qt.LeftButton, Qt.NoModifier,
                         QPoint(round(rect.center().x()), view.height() // 2))
        assert document.selected == index
    # The long block gives up the room, the outer edges stay where the plot puts them.
    assert view.block_rect(0).left() == view.x_of(0)
    assert view.block_rect(2).right() == view.x_of(schedule.total_steps)
    # Pressing and releasing on the short block's edge, without moving, changes nothing.
    edge = QPoint(round(view.block_rect(0).right()), view.height() // 2)
    QTest.mouseClick(view, Qt.LeftButton, Qt.NoModifier, edge)
    assert document.schedule == schedule and document.undo_stack.count() == 0
    # Its menu splits it inside the phase, read on the block as drawn.
    split = next(a for a in view.context_menu_for(0, view.layout().step_in_block(
        0, view.block_rect(0).center().x())).actions() if a.text().startswith("Split"))
    assert split.isEnabled() and "5 + 5" in split.text()


def test_widened_blocks_keep_proportions_elsewhere():
    edges = [8.0, 8.0007, 400.0, 792.0]
    widened = widen_blocks(edges)
    assert widened[0] == 8.0 and abs(widened[-1] - 792.0) < 1e-9
    assert widened[1] - widened[0] == MIN_BLOCK_PX
    assert abs((widened[2] - widened[1]) - (widened[3] - widened[2])) < 0.1  # shared evenly
    assert widen_blocks([0.0, 100.0, 200.0]) == [0.0, 100.0, 200.0]
    assert widen_blocks([0.0, 1.0, 2.0, 3.0, 20.0]) == [0.0, 5.0, 10.0, 15.0, 20.0]  # no room


# The timeline's keys: one table for the handling, the dialog and the tooltips -----------

def _close_menu_soon(opened: list) -> None:
    """Record the context menu that opens next and close it (its exec() is modal)."""
    def close() -> None:
        menu = QApplication.activePopupWidget()
        opened.append([a.text() for a in menu.actions()])
        menu.close()

    QTimer.singleShot(50, close)


def test_every_key_in_the_table_does_what_it_says(qtbot):
    from designer.ui.timeline.actions import TIMELINE_KEYS

    schedule = Schedule((Phase("LinearLR", 100), Phase("CosineAnnealingLR", 100),
                         Phase("ConstantLR", 100)))
    view = _timeline(qtbot, schedule)
    document = view.document
    opened = []
    view.setFocus()
    document.select(1)
    table = {entry.does: entry for entry in TIMELINE_KEYS}
    assert table["select the previous / next phase"].key_text() == "Left / Right"
    QTest.keyClick(view, Qt.Key_End)
    assert document.selected == 2
    QTest.keyClick(view, Qt.Key_Home)
    assert document.selected == 0
    QTest.keyClick(view, Qt.Key_Right, Qt.AltModifier)
    assert [p.scheduler for p in document.schedule.phases][:2] == \
        ["CosineAnnealingLR", "LinearLR"]
    _close_menu_soon(opened)
    QTest.keyClick(view, Qt.Key_Menu)
    _close_menu_soon(opened)
    QTest.keyClick(view, Qt.Key_F10, Qt.ShiftModifier)
    assert len(opened) == 2 and "Duplicate" in opened[0]
    QTest.keyClick(view, Qt.Key_Delete)
    assert len(document.schedule.phases) == 2
    QTest.keyClick(view, Qt.Key_Left, Qt.ControlModifier)  # not in the table: nothing
    assert document.selected == 1


# Focus shows ---------------------------------------------------------------------------

def _border(view) -> list[str]:
    """The colours along the middle of the widget's left edge and its top edge."""
    image = view.grab().toImage()
    ratio = image.devicePixelRatio()
    points = [(1, view.height() // 2), (view.width() // 2, 1), (view.width() - 2, 30)]
    return [image.pixelColor(round(x * ratio), round(y * ratio)).name() for x, y in points]


def test_the_timeline_draws_a_focus_frame_in_the_highlight_colour(qtbot):
    view = _timeline(qtbot, Schedule((Phase("LinearLR", 100),)))
    other = QLineEdit()
    qtbot.addWidget(other)
    other.show()
    view.activateWindow()
    unfocused = _border(view)
    view.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(view.hasFocus)
    highlight = view.palette().color(QPalette.Highlight).name()
    assert _border(view) == [highlight] * 3
    assert highlight not in unfocused
    other.activateWindow()
    other.setFocus()
    qtbot.waitUntil(lambda: not view.hasFocus())
    assert _border(view) == unfocused


# The window's layout --------------------------------------------------------------------

def _code_lines(window) -> int:
    from PySide6.QtWidgets import QPlainTextEdit

    editor = window.findChild(QPlainTextEdit, "codeView")
    return editor.viewport().height() // editor.fontMetrics().lineSpacing()


def test_the_code_gets_a_fair_share_and_the_splitters_are_remembered(window, qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from designer.ui import MainWindow

    assert 12 <= _code_lines(window) <= 16  # at 1280x800
    handle = window.centre_splitter.handle(1)
    assert handle.toolTip()
    # Drag the handle up by 120 pixels, as a user does.
    start = QPoint(handle.width() // 2, handle.height() // 2)
    QTest.mousePress(handle, Qt.LeftButton, Qt.NoModifier, start)
    for dy in range(-20, -121, -20):
        QTest.mouseMove(handle, start + QPoint(0, dy))
    QTest.mouseRelease(handle, Qt.LeftButton, Qt.NoModifier, start + QPoint(0, -120))
    dragged = window.centre_splitter.sizes()
    assert _code_lines(window) >= 18
    window.main_splitter.setSizes([180, 770, 330])
    window.main_splitter.splitterMoved.emit(180, 1)
    # The next window (same settings) opens with the layout the user left, even without
    # a clean close.
    again = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    qtbot.addWidget(again)
    again.resize(1280, 800)
    again.show()
    qtbot.waitExposed(again)
    assert again.centre_splitter.sizes() == dragged
    assert again.main_splitter.sizes()[0] == 180


def test_tab_never_lands_on_the_plot_and_does_reach_the_timeline(window, qtbot):
    window.activateWindow()
    window.palette_list.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(window.palette_list.hasFocus)
    visited = []
    for _ in range(40):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
        visited.append(QApplication.focusWidget())
    assert window.timeline in visited
    assert window.preview.plot_widget not in visited


def test_help_lists_every_shortcut_of_the_menus_and_the_timeline(window, qtbot):
    from PySide6.QtGui import QAction

    from designer.ui.timeline.actions import TIMELINE_KEYS

    action = window.findChild(QAction, "actionShortcuts")
    assert action in window.menuBar().actions()[-1].menu().actions()  # under Help
    action.trigger()
    dialog = window.shortcuts_dialog
    qtbot.waitExposed(dialog)
    rows = dialog.rows()
    undo = next(keys for keys, does in rows if does == "Edit → Undo")
    assert undo.startswith("Ctrl+Z")  # with the platform's other bindings after it
    assert ("Ctrl+S", "File → Save") in rows
    assert ("Ctrl+Shift+N", "File → New from preset") in rows
    assert ("Left / Right", "select the previous / next phase") in rows
    assert ("Alt+Left / Alt+Right", "move the selected phase one place left / right") in rows
    assert ("Up / Down", "select the member above / below in a chained phase") in rows
    assert len([r for r in rows if r[1] in {e.does for e in TIMELINE_KEYS}]) == \
        len(TIMELINE_KEYS)
    # Every shortcut of every menu action is listed, read from the action itself.
    listed = {keys for keys, _ in rows}
    for menu_action in window.findChildren(QAction):
        for sequence in menu_action.shortcuts():
            if menu_action.associatedObjects()[1:]:  # in a menu, not only the window
                assert any(sequence.toString() in keys for keys in listed), \
                    menu_action.text()


def test_the_timeline_tooltips_say_the_keys(qtbot):
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QToolTip

    view = _timeline(qtbot, Schedule((Phase("LinearLR", 100),)))
    for x in (view.block_rect(0).center().x(), 2):  # on a block and beside it
        position = QPoint(round(x), 40)
        QApplication.sendEvent(view, QHelpEvent(QEvent.ToolTip, position,
                                                view.mapToGlobal(position)))
        assert "Alt+Left / Alt+Right" in QToolTip.text()
        assert "Del / Backspace" in QToolTip.text()


# The inspector says where a continuing phase really starts --------------------------------

def test_a_continuing_phase_shows_the_lr_it_starts_from(window, qtbot):
    from designer.core.schedule import edits

    document = window.document
    document.reset(Schedule((Phase("StepLR", 40, {"step_size": 10, "gamma": 0.5}),
                             Phase("CosineAnnealingLR", 100))))
    document.select(1)
    inspector = window.inspector
    field = inspector.start_lr_editor
    assert field.lineEdit().text() == "0.1"  # a restart starts from the base lr
    document.apply(edits.set_start(document.schedule, 1, CONTINUE))
    assert field.lineEdit().text() == "…"  # the worker has not stepped it yet
    assert window.flush_preview()
    QApplication.processEvents()
    _steps, lrs = window.preview_curve()
    assert float(lrs[39]) == 0.0125 and not field.isEnabled()
    assert field.lineEdit().text() == "0.0125"  # the StepLR phase's last lr, not 0.1
    # An edit of the phase itself keeps the value: the phases before it are unchanged.
    document.apply(edits.resize_phase(document.schedule, 1, 50))
    assert field.lineEdit().text() == "0.0125"
    # An edit before it does not: "…" until the curve is stepped again.
    document.apply(edits.resize_phase(document.schedule, 0, 20))
    document.select(1)
    assert field.lineEdit().text() == "…"
    assert window.flush_preview()
    QApplication.processEvents()
    assert field.lineEdit().text() == "0.05"  # 20 steps: one halving
    # Choosing an explicit start seeds it with that lr: the curve does not jump.
    combo = inspector.start_combo
    combo.activated.emit(combo.findData("explicit"))
    assert document.schedule.phases[1].start == 0.05


def test_a_long_name_shows_its_beginning(window):
    from dataclasses import replace

    name = "LLM pre-training: linear warmup + cosine to 10% of the peak, AdamW"
    window.document.reset(replace(window.document.schedule, name=name))
    edit = window.inspector.name_edit
    assert edit.text() == name and edit.cursorPosition() == 0


# The empty window points at the fastest start -----------------------------------------------

def test_the_empty_timeline_offers_new_from_example(window, qtbot, monkeypatch):
    from PySide6.QtCore import QByteArray, QMimeData
    from PySide6.QtGui import QDragLeaveEvent, QDragMoveEvent

    from designer.core.schedule.presets import build_preset
    from designer.ui.palette import SCHEDULER_MIME
    from designer.ui.preset_dialog import PresetDialog
    from designer.ui.timeline.empty import EMPTY_HINT

    timeline = window.timeline
    button = timeline.preset_prompt
    assert button.isVisible() and button.text() == "New from preset…"
    assert timeline.rect().contains(button.geometry())
    hint = button.hint_rect(timeline.rect().toRectF())
    assert hint.width() >= timeline.fontMetrics().horizontalAdvance(EMPTY_HINT + ", or")
    assert hint.right() < button.x()  # the hint and the button do not overlap
    mime = QMimeData()
    mime.setData(SCHEDULER_MIME, QByteArray(b"StepLR"))
    # A palette drag over the empty timeline says "Drop to add StepLR" in the button's place.
    QApplication.sendEvent(window.windowHandle(), QDragMoveEvent(
        timeline.mapTo(window, timeline.rect().center()), Qt.CopyAction, mime, Qt.LeftButton,
        Qt.NoModifier))
    assert timeline.paint_state().drop is not None and not button.isVisible()
    QApplication.sendEvent(window.windowHandle(), QDragLeaveEvent())
    assert button.isVisible()
    design = build_preset("llm-cosine")
    monkeypatch.setattr(PresetDialog, "run", classmethod(lambda cls, parent=None: design))
    qtbot.mouseClick(button, Qt.LeftButton)
    assert window.document.schedule == design
    assert not button.isVisible()
    window.document.reset(Schedule())
    assert button.isVisible()


# Drags across the window ------------------------------------------------------------------

def _drag_over(window, mime, targets, drop: bool = False) -> None:
    """A drag as the window system delivers it: entering the window, moving over `targets`
    in turn (Qt sends each widget its enter, moves and leave), then leaving or dropping."""
    from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent

    handle = window.windowHandle()

    def at(widget) -> QPoint:
        return widget.mapTo(window, widget.rect().center())

    QApplication.sendEvent(handle, QDragEnterEvent(at(targets[0]), Qt.CopyAction, mime,
                                                   Qt.LeftButton, Qt.NoModifier))
    for widget in targets:
        QApplication.sendEvent(handle, QDragMoveEvent(at(widget), Qt.CopyAction, mime,
                                                      Qt.LeftButton, Qt.NoModifier))
    if drop:
        QApplication.sendEvent(handle, QDropEvent(QPointF(at(targets[-1])), Qt.CopyAction,
                                                  mime, Qt.LeftButton, Qt.NoModifier))
    else:
        QApplication.sendEvent(handle, QDragLeaveEvent())


def test_dragging_a_scheduler_across_the_plot_prints_no_warning(window, qtlog, tmp_path):
    from PySide6.QtCore import QByteArray, QMimeData, QUrl

    from designer.core.schedule.fileformat import dump_schedule
    from designer.ui.palette import SCHEDULER_MIME

    mime = QMimeData()
    mime.setData(SCHEDULER_MIME, QByteArray(b"StepLR"))
    plot = window.preview.plot_widget
    _drag_over(window, mime, [window.palette_list, plot, window.timeline, plot,
                              window.code_view])
    _drag_over(window, mime, [plot, window.timeline], drop=True)
    assert [p.scheduler for p in window.document.schedule.phases] == ["StepLR"]
    messages = [record.message for record in qtlog.records]
    assert not [m for m in messages if "drag" in m.lower()], messages
    # A schedule file dropped on the plot still opens: the window takes it.
    path = tmp_path / "dropped.json"
    path.write_text(dump_schedule(Schedule((Phase("ExponentialLR", 10, {"gamma": 0.9}),))))
    files = QMimeData()
    files.setUrls([QUrl.fromLocalFile(str(path))])
    _drag_over(window, files, [plot], drop=True)
    assert window.document.path == str(path)
