"""Chained phases in the timeline and the inspector, driven with real widgets and events: the
stacked block and its bands, a band click selecting a member, Shift+drop and the context menu
making and unmaking chains, the inspector's member rows editing exactly what the preview
shows, and undo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from test_main_window import assert_exact
from test_timeline import drag, menu_action
from ui_keys import paste_text, replace_text

from designer.core.schedule.fileformat import dump_schedule
from designer.core.schedule.model import (
    CONTINUE,
    Member,
    OptimizerConfig,
    Phase,
    Schedule,
    chained_phase,
)
from designer.ui.document import Document
from designer.ui.inspector.inspector import Inspector
from designer.ui.palette import SCHEDULER_MIME
from designer.ui.timeline.timeline import Timeline


def design() -> Schedule:
    """Warmup, then a cosine and a StepLR chained for 8000 steps, then an exponential."""
    return Schedule((
        Phase("LinearLR", 1000, {"start_factor": 0.01, "end_factor": 1.0}),
        chained_phase([Member("CosineAnnealingLR", {"eta_min": 1e-5}),
                       Member("StepLR", {"step_size": 2000, "gamma": 0.7})], 8000, CONTINUE),
        Phase("ExponentialLR", 1000, {"gamma": 0.999}, CONTINUE),
    ), OptimizerConfig("AdamW", 0.001))


@pytest.fixture
def document() -> Document:
    return Document(design())


@pytest.fixture
def timeline(qtbot, document) -> Timeline:
    view = Timeline(document)
    qtbot.addWidget(view)
    view.resize(900, 80)
    view.show()
    qtbot.waitExposed(view)
    return view


def band_center(view: Timeline, index: int, member: int) -> QPoint:
    return view.layout().band_rects(index)[member].center().toPoint()


def test_a_chained_block_paints_one_labelled_band_per_member(timeline, document,
                                                             painted_texts):
    painted = painted_texts
    bands = timeline.layout().band_rects(1)
    assert len(bands) == 2 and timeline.layout().band_rects(0) == []
    block = timeline.block_rect(1)
    assert bands[0].top() > block.top() and bands[1].bottom() == block.bottom()
    document.select(1, 1)
    image = timeline.grab().toImage()
    for text in ("Cosine", "T_max=8000 η_min=1e-5", "Step", "every 2000 ×0.7"):
        assert text in painted, painted
    # The selected member's band is marked: its fill differs from the other band's.
    x = round(bands[0].center().x())
    first, second = (image.pixelColor(x, round(band.bottom()) - 3) for band in bands)
    assert first != second
    document.select(1, 0)
    image = timeline.grab().toImage()
    assert image.pixelColor(x, round(bands[0].bottom()) - 3) == second


def test_clicking_a_band_selects_its_member(timeline, document):
    QTest.mouseClick(timeline, Qt.LeftButton, Qt.NoModifier, band_center(timeline, 1, 1))
    assert (document.selected, document.selected_member) == (1, 1)
    QTest.mouseClick(timeline, Qt.LeftButton, Qt.NoModifier, band_center(timeline, 1, 0))
    assert (document.selected, document.selected_member) == (1, 0)
    QTest.mouseClick(timeline, Qt.LeftButton, Qt.NoModifier,
                     timeline.block_rect(0).center().toPoint())
    assert (document.selected, document.selected_member) == (0, -1)
    assert document.undo_stack.count() == 0


def test_resizing_a_chained_block_resizes_the_phase_and_fitted_members_follow(timeline,
                                                                              document):
    edge = timeline.block_rect(1).right() - 1
    drag(timeline, edge, edge - 150)
    phase = document.schedule.phases[1]
    assert phase.is_chained and phase.steps < 8000 and document.undo_stack.count() == 1
    cosine, step = phase.member_phases()
    assert cosine.resolved_params()["T_max"] == phase.steps == cosine.steps
    assert step.resolved_params()["step_size"] == 2000
    document.undo_stack.undo()
    assert document.schedule == design()


MIMES: list[QMimeData] = []  # alive as long as the events that point at them


def send_drag(view: Timeline, kind, x: float, name: str, modifiers) -> bool:
    """A palette drag's move or drop of `name` at `x`, with `modifiers` held; whether the
    view accepted it."""
    mime = QMimeData()
    mime.setData(SCHEDULER_MIME, QByteArray(name.encode("utf-8")))
    MIMES.append(mime)
    point = QPoint(round(x), view.height() // 2)
    event = kind(QPointF(point) if kind is QDropEvent else point, Qt.CopyAction, mime,
                 Qt.LeftButton, modifiers)
    QApplication.sendEvent(view, event)
    return event.isAccepted()


def test_a_shift_drop_onto_a_block_chains_and_undo_restores(timeline, document):
    x = timeline.block_rect(0).center().x()
    assert send_drag(timeline, QDragEnterEvent, x, "ExponentialLR", Qt.ShiftModifier)
    assert send_drag(timeline, QDragMoveEvent, x, "ExponentialLR", Qt.ShiftModifier)
    assert timeline.paint_state().chain_drop == (0, "ExponentialLR")
    assert timeline.paint_state().drop is None
    timeline.grab()  # the highlight paints
    send_drag(timeline, QDropEvent, x, "ExponentialLR", Qt.ShiftModifier)
    phase = document.schedule.phases[0]
    assert [m.scheduler for m in phase.members] == ["LinearLR", "ExponentialLR"]
    assert phase.members[0].params == {"start_factor": 0.01, "end_factor": 1.0}
    assert (document.selected, document.selected_member) == (0, 1)
    assert len(document.schedule.phases) == 3 and document.undo_stack.count() == 1
    assert timeline.paint_state().chain_drop is None
    # Onto a chained block, Shift appends a member; ReduceLROnPlateau cannot be chained and
    # falls back to an ordinary insertion between blocks.
    x = timeline.block_rect(1).center().x()
    for kind in (QDragEnterEvent, QDragMoveEvent, QDropEvent):
        send_drag(timeline, kind, x, "ConstantLR", Qt.ShiftModifier)
    assert [m.scheduler for m in document.schedule.phases[1].members][-1] == "ConstantLR"
    assert send_drag(timeline, QDragEnterEvent, x, "ReduceLROnPlateau", Qt.ShiftModifier)
    assert timeline.paint_state().chain_drop is None and timeline.paint_state().drop
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.schedule == design()


def test_context_menu_chains_moves_and_removes_members(timeline, document):
    menu = timeline.context_menu_for(2, 9500)
    submenu = menu_action(menu, "Chain with").menu()
    assert "ReduceLROnPlateau" not in [a.text() for a in submenu.actions()]
    menu_action(submenu, "StepLR").trigger()
    phase = document.schedule.phases[2]
    assert [m.scheduler for m in phase.members] == ["ExponentialLR", "StepLR"]
    assert document.selected_member == 1
    menu = timeline.context_menu_for(2, 9500)
    assert not menu_action(menu, "Move Step down").isEnabled()
    assert menu_action(menu, "Move Step up").shortcut().toString() == "Alt+Up"  # the key
    menu_action(menu, "Move Step up").trigger()
    assert [m.scheduler for m in document.schedule.phases[2].members] == ["StepLR",
                                                                           "ExponentialLR"]
    assert document.selected_member == 0
    menu_action(timeline.context_menu_for(2, 9500), "Remove Step from chain").trigger()
    assert [m.scheduler for m in document.schedule.phases[2].members] == ["ExponentialLR"]
    # The last member's removal unchains: the phase is that member's plain phase again.
    menu_action(timeline.context_menu_for(2, 9500), "Remove Exp from chain").trigger()
    assert document.schedule.phases[2] == design().phases[2]
    assert document.undo_stack.count() == 4
    for _ in range(4):
        document.undo_stack.undo()
    assert document.schedule == design()


@pytest.fixture
def inspector(qtbot, document) -> Inspector:
    view = Inspector(document)
    qtbot.addWidget(view)
    view.resize(360, 900)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_the_inspector_lists_members_and_edits_the_selected_one(qtbot, inspector, document):
    document.select(1, 1)
    members = inspector.members
    assert [members.list.item(i).text() for i in range(members.list.count())] == [
        "1. Cosine T_max=8000 η_min=1e-5", "2. Step every 2000 ×0.7"]
    assert members.list.currentRow() == 1 and members.field.isVisible()
    assert members.scheduler_combo.currentText() == "StepLR"
    assert inspector.editor("T_max") is None
    replace_text(qtbot, inspector.editor("gamma"), "0.5")
    assert document.schedule.phases[1].members[1].params["gamma"] == 0.5
    members.list.setCurrentRow(0)  # as a click on the list does
    assert document.selected_member == 0 and inspector.editor("T_max") is not None
    assert inspector.editor("T_max").is_auto()  # fitted: follows the phase length
    document.select(0)
    assert not members.field.isVisible() and inspector.editor("start_factor") is not None


def test_member_buttons_add_remove_move_and_change_scheduler(inspector, document):
    document.select(1, 0)
    members = inspector.members
    assert not members.up_button.isEnabled() and members.down_button.isEnabled()
    members.down_button.click()
    assert [m.scheduler for m in document.schedule.phases[1].members] == ["StepLR",
                                                                           "CosineAnnealingLR"]
    assert document.selected_member == 1
    menu_action(members.add_button.menu(), "ConstantLR").trigger()
    assert document.schedule.phases[1].members[-1].scheduler == "ConstantLR"
    assert document.selected_member == 2 and inspector.editor("factor") is not None
    members.scheduler_combo.activated.emit(members.scheduler_combo.findText("LinearLR"))
    assert document.schedule.phases[1].members[2].scheduler == "LinearLR"
    members.remove_button.click()
    assert len(document.schedule.phases[1].members) == 2
    assert document.undo_stack.count() == 4
    for _ in range(4):
        document.undo_stack.undo()
    assert document.schedule == design()


def test_a_member_problem_is_named_by_its_path(qtbot, inspector, document):
    """Shortening a phase below its OneCycleLR member's total_steps is refused, and the
    message names the member's field as the file does."""
    phase = chained_phase([Member("ExponentialLR", {"gamma": 0.99}),
                           Member("OneCycleLR", {"max_lr": 0.01, "total_steps": 500})], 500)
    document.edit("chain", Schedule((Phase("LinearLR", 100), phase)), select=1)
    paste_text(qtbot, inspector.steps_editor, "600")
    message = Inspector.message_for(inspector.steps_editor)
    assert message.startswith("phases[1].members[1].params.total_steps"), message
    assert document.schedule.phases[1].steps == 500


def test_an_inspector_member_edit_previews_exactly_and_undo_restores(qtbot, window, tmp_path):
    path = tmp_path / "chained.json"
    path.write_text(dump_schedule(design()))
    assert window.open_path(str(path))
    assert_exact(window)
    window.document.select(1, 1)
    QApplication.processEvents()
    replace_text(qtbot, window.inspector.editor("gamma"), "0.25")
    assert window.document.schedule.phases[1].members[1].params["gamma"] == 0.25
    assert_exact(window)
    window.document.undo_stack.undo()
    assert window.document.schedule == design()
    assert_exact(window)


def test_chaining_in_the_window_asks_the_curve_service_once_per_edit(window, monkeypatch):
    from test_timeline import requests_of_a_design

    requested = requests_of_a_design(window, monkeypatch)
    timeline, document = window.timeline, window.document
    x = timeline.block_rect(1).center().x()
    for kind in (QDragEnterEvent, QDragMoveEvent, QDropEvent):
        send_drag(timeline, kind, x, "StepLR", Qt.ShiftModifier)
    assert document.schedule.phases[1].is_chained
    assert requested == [document.schedule]
    menu_action(window.inspector.members.add_button.menu(), "ConstantLR").trigger()
    window.inspector.members.remove_button.click()
    assert requested[1:] == [document.undo_stack.command(1).after, document.schedule]
    assert document.undo_stack.count() == 3
    assert_exact(window)


def band_fills(view: Timeline, index: int) -> list[str]:
    """The colour near the bottom of each band of chained block `index`, as painted."""
    image = view.grab().toImage()
    bands = view.layout().band_rects(index)
    return [image.pixelColor(round(band.center().x()), round(band.bottom()) - 3).name()
            for band in bands]


def test_up_and_down_move_between_members_and_the_inspector_follows(window, qtbot):
    window.document.reset(design())
    timeline, document, inspector = window.timeline, window.document, window.inspector
    window.activateWindow()
    timeline.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(timeline.hasFocus)
    QTest.keyClick(timeline, Qt.Key_Right)  # the chained phase: its first member
    assert (document.selected, document.selected_member) == (1, 0)
    first = band_fills(timeline, 1)
    QTest.keyClick(timeline, Qt.Key_Down)
    assert (document.selected, document.selected_member) == (1, 1)
    assert inspector.members.list.currentRow() == 1
    assert inspector.members.scheduler_combo.currentText() == "StepLR"
    assert inspector.editor("gamma") is not None and inspector.editor("T_max") is None
    assert band_fills(timeline, 1) == first[::-1]  # the mark moved to the second band
    QTest.keyClick(timeline, Qt.Key_Down)  # the last member: it stays
    assert document.selected_member == 1 and timeline.hasFocus()
    QTest.keyClick(timeline, Qt.Key_Up)
    assert (document.selected, document.selected_member) == (1, 0)
    assert inspector.members.scheduler_combo.currentText() == "CosineAnnealingLR"
    assert inspector.editor("T_max") is not None and band_fills(timeline, 1) == first
    QTest.keyClick(timeline, Qt.Key_Up)  # the first: it stays, the phase stays selected
    assert (document.selected, document.selected_member) == (1, 0)
    assert document.undo_stack.count() == 0  # selecting is no edit
    # Alt+Down moves the member itself, as the band's menu does; one undo step.
    QTest.keyClick(timeline, Qt.Key_Down, Qt.AltModifier)
    assert [m.scheduler for m in document.schedule.phases[1].members] == ["StepLR",
                                                                           "CosineAnnealingLR"]
    assert document.selected_member == 1 and document.undo_stack.count() == 1
    QTest.keyClick(timeline, Qt.Key_Down, Qt.AltModifier)  # already last: nothing
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.schedule == design()
    QTest.keyClick(timeline, Qt.Key_Left)  # a plain phase: Up and Down leave it selected
    for key in (Qt.Key_Down, Qt.Key_Up):
        QTest.keyClick(timeline, key)
        assert (document.selected, document.selected_member) == (0, -1)
