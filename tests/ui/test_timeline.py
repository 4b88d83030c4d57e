"""The timeline driven like a user drives it: real mouse, key and drag-and-drop events."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, QEvent, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QHelpEvent, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QToolTip

from designer.core.schedule.catalog import SCHEDULERS
from designer.core.schedule.kinds import short_text
from designer.core.schedule.model import (
    CONTINUE,
    RESTART,
    ParamGroup,
    Phase,
    Schedule,
    new_phase,
)
from designer.ui.document import Document
from designer.ui.palette import SCHEDULER_MIME
from designer.ui.timeline.geometry import (
    XMapping,
    nice_grid,
    phase_label,
    phase_tooltip,
    snap_steps,
)
from designer.ui.timeline.timeline import Timeline

WARMUP, COSINE, STEP = "LinearLR", "CosineAnnealingLR", "StepLR"


def three_phases(**settings) -> Schedule:
    return Schedule((
        Phase(WARMUP, 1000, {"start_factor": 0.01, "end_factor": 1.0}),
        Phase(COSINE, 6000, {"eta_min": 1e-5}, CONTINUE),
        Phase(STEP, 3000, {"step_size": 1000, "gamma": 0.5}),
    ), **settings)


@pytest.fixture
def document() -> Document:
    return Document(three_phases())


@pytest.fixture
def timeline(qtbot, document) -> Timeline:
    view = Timeline(document)
    qtbot.addWidget(view)
    view.resize(800, 80)
    view.show()
    qtbot.waitExposed(view)
    return view


def point(x: float, view: Timeline) -> QPoint:
    return QPoint(round(x), view.height() // 2)


def move(view: Timeline, x: float, modifiers=Qt.NoModifier) -> None:
    # QTest.mouseMove carries no buttons, so a drag's moves are sent by hand.
    local = QPointF(point(x, view))
    event = QMouseEvent(QEvent.MouseMove, local, view.mapToGlobal(local), Qt.LeftButton,
                        Qt.LeftButton, modifiers)
    QApplication.sendEvent(view, event)


def drag(view: Timeline, start: float, end: float, modifiers=Qt.NoModifier,
         release: bool = True) -> None:
    QTest.mousePress(view, Qt.LeftButton, modifiers, point(start, view))
    for i in range(1, 7):
        move(view, start + (end - start) * i / 6, modifiers)
    if release:
        QTest.mouseRelease(view, Qt.LeftButton, modifiers, point(end, view))


def names(document: Document) -> list[str]:
    return [p.scheduler for p in document.schedule.phases]


def test_identity_and_size(timeline):
    assert timeline.objectName() == "timeline"
    assert timeline.accessibleName() == "Timeline"
    assert timeline.focusPolicy() == Qt.StrongFocus
    assert timeline.acceptDrops()
    assert timeline.minimumHeight() >= 60 and timeline.sizeHint().height() == 80


def test_blocks_fill_the_width_in_proportion_to_steps(timeline):
    rects = [timeline.block_rect(i) for i in range(3)]
    assert rects[0].left() == pytest.approx(8) and rects[2].right() == pytest.approx(792)
    assert rects[1].width() == pytest.approx(6 * rects[0].width())
    assert rects[0].right() == pytest.approx(rects[1].left())


def test_click_selects_and_empty_space_deselects(timeline, document):
    QTest.mouseClick(timeline, Qt.LeftButton, Qt.NoModifier,
                     point(timeline.block_rect(2).center().x(), timeline))
    assert document.selected == 2
    QTest.mouseClick(timeline, Qt.LeftButton, Qt.NoModifier, point(3, timeline))
    assert document.selected == -1


def test_delete_key_removes_selected_phase_and_undo_restores(timeline, document):
    document.select(1)
    timeline.setFocus()
    QTest.keyClick(timeline, Qt.Key_Delete)
    assert names(document) == [WARMUP, STEP]
    document.undo_stack.undo()
    assert names(document) == [WARMUP, COSINE, STEP]
    document.select(0)
    QTest.keyClick(timeline, Qt.Key_Backspace)
    assert names(document) == [COSINE, STEP]


def test_dragging_a_block_reorders_in_one_undo_step(timeline, document):
    changing = []
    finished = []
    timeline.gesture_changing.connect(changing.append)
    timeline.gesture_finished.connect(lambda: finished.append(True))
    drag(timeline, timeline.block_rect(0).center().x(), timeline.block_rect(2).center().x() + 30)
    assert names(document) == [COSINE, STEP, WARMUP]
    assert document.selected == 2
    assert document.undo_stack.count() == 1
    assert changing and changing[-1] == document.schedule
    assert finished == [True]
    document.undo_stack.undo()
    assert names(document) == [WARMUP, COSINE, STEP]


def test_small_jiggle_is_a_click_not_a_move(timeline, document):
    x = timeline.block_rect(1).center().x()
    drag(timeline, x, x + 2)
    assert names(document) == [WARMUP, COSINE, STEP]
    assert document.undo_stack.count() == 0 and document.selected == 1


def test_move_shows_a_ghost_and_previews_the_tentative_order(timeline, document):
    changing = []
    timeline.gesture_changing.connect(changing.append)
    drag(timeline, timeline.block_rect(2).center().x(), 20, release=False)
    state = timeline.paint_state()
    assert state.gesture is not None and state.gesture.kind == "move" and state.gesture.slot == 0
    assert [p.scheduler for p in changing[-1].phases] == [STEP, WARMUP, COSINE]
    assert document.undo_stack.count() == 0  # nothing is edited until the release
    timeline.grab()  # the ghost paints without error
    QTest.mouseRelease(timeline, Qt.LeftButton, Qt.NoModifier, point(20, timeline))
    assert names(document) == [STEP, WARMUP, COSINE]


def test_resizing_snaps_and_fitted_t_max_follows(timeline, document):
    edge = timeline.block_rect(1).right()
    grid = nice_grid(timeline.x_mapping().px_per_step)
    raw = timeline.step_at(edge + 41) - 1000
    drag(timeline, edge, edge + 41)
    steps = document.schedule.phases[1].steps
    assert grid == 100
    assert steps % grid == 0 and steps != 6000
    assert abs(steps - raw) <= grid / 2 + 20  # 20: the press lands on a whole pixel
    assert document.schedule.phases[1].param_value("T_max") == steps
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.schedule.phases[1].steps == 6000


def test_shift_disables_snapping(timeline, document):
    edge = timeline.block_rect(1).right()
    raw = timeline.step_at(edge + 43) - 1000
    drag(timeline, edge, edge + 43, modifiers=Qt.ShiftModifier)
    steps = document.schedule.phases[1].steps
    assert steps % 100 != 0
    assert abs(steps - raw) < 20


def test_resize_snaps_to_epoch_boundaries(qtbot):
    document = Document(three_phases(steps_per_epoch=700))
    view = Timeline(document)
    qtbot.addWidget(view)
    view.resize(800, 80)
    view.show()
    edge = view.block_rect(1).right()
    near_epoch = view.x_of(7700) + 3  # 11 epochs; the 100-step grid alone would give 6800
    drag(view, edge, near_epoch)
    assert document.schedule.phases[1].steps == 7700 - 1000


def test_resize_never_goes_below_one_step(timeline, document):
    edge = timeline.block_rect(0).right()
    drag(timeline, edge, 0)
    assert document.schedule.phases[0].steps >= 1


def test_resize_previews_live_and_hovering_the_edge_shows_a_resize_cursor(timeline, document):
    edge = timeline.block_rect(2).right() - 2
    QTest.mouseMove(timeline, point(edge, timeline))
    assert timeline.cursor().shape() == Qt.SizeHorCursor
    changing = []
    timeline.gesture_changing.connect(changing.append)
    drag(timeline, edge, edge - 100, release=False)
    assert changing and changing[-1].phases[2].steps < 3000
    assert timeline.block_rect(2).width() < 3000 * timeline.x_mapping().px_per_step
    timeline.grab()
    QTest.mouseRelease(timeline, Qt.LeftButton, Qt.NoModifier, point(edge - 100, timeline))
    assert document.schedule.phases[2].steps == changing[-1].phases[2].steps


@pytest.mark.parametrize("gesture", ["resize", "move"])
def test_escape_cancels_a_drag_and_pushes_nothing(timeline, document, gesture):
    original = document.schedule
    changing, finished = [], []
    timeline.gesture_changing.connect(changing.append)
    timeline.gesture_finished.connect(lambda: finished.append(True))
    start = (timeline.block_rect(1).right() if gesture == "resize"
             else timeline.block_rect(0).center().x())
    drag(timeline, start, 700, release=False)
    assert changing[-1] != original
    QTest.keyClick(timeline, Qt.Key_Escape)
    assert changing[-1] == original and finished == [True]
    QTest.mouseRelease(timeline, Qt.LeftButton, Qt.NoModifier, point(700, timeline))
    assert document.schedule == original
    assert document.undo_stack.count() == 0 and finished == [True]


def test_right_click_during_a_drag_cancels(timeline, document):
    original = document.schedule
    edge = timeline.block_rect(0).right()
    drag(timeline, edge, 400, release=False)
    QTest.mousePress(timeline, Qt.RightButton, Qt.NoModifier, point(400, timeline))
    QTest.mouseRelease(timeline, Qt.RightButton, Qt.NoModifier, point(400, timeline))
    QTest.mouseRelease(timeline, Qt.LeftButton, Qt.NoModifier, point(400, timeline))
    assert document.schedule == original and document.undo_stack.count() == 0
    assert not timeline.is_gesture_active()


def drag_event(kind, view: Timeline, x: float, name: str | None = "ExponentialLR"):
    mime = QMimeData()
    if name is not None:
        mime.setData(SCHEDULER_MIME, QByteArray(name.encode("utf-8")))
    else:
        mime.setText("not a scheduler")
    # QDropEvent takes a QPointF; QDragEnterEvent and QDragMoveEvent a QPoint (PySide6 6.11).
    position = QPointF(point(x, view)) if kind is QDropEvent else point(x, view)
    return kind(position, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier), mime


def test_dropping_a_scheduler_inserts_it_at_the_gap(timeline, document):
    x = timeline.block_rect(2).left() + 5  # nearest gap: between Cosine and Step
    assert timeline.drop_index_at(x) == 2
    enter, _ = drag_event(QDragEnterEvent, timeline, x)
    QApplication.sendEvent(timeline, enter)
    assert enter.isAccepted()
    over, _ = drag_event(QDragMoveEvent, timeline, x)
    QApplication.sendEvent(timeline, over)
    assert over.isAccepted() and timeline.paint_state().drop == (2, "ExponentialLR")
    timeline.grab()
    drop, _ = drag_event(QDropEvent, timeline, x)
    QApplication.sendEvent(timeline, drop)
    assert names(document) == [WARMUP, COSINE, "ExponentialLR", STEP]
    assert document.selected == 2 and document.undo_stack.count() == 1
    assert timeline.paint_state().drop is None


def test_drop_index_covers_both_ends(timeline):
    assert timeline.drop_index_at(0) == 0
    assert timeline.drop_index_at(799) == 3


def test_drag_leave_clears_the_ghost_and_foreign_data_is_refused(timeline, document):
    enter, _ = drag_event(QDragEnterEvent, timeline, 100)
    QApplication.sendEvent(timeline, enter)
    assert timeline.paint_state().drop is not None
    QApplication.sendEvent(timeline, QEvent(QEvent.DragLeave))
    assert timeline.paint_state().drop is None
    foreign, _ = drag_event(QDragEnterEvent, timeline, 100, name=None)
    QApplication.sendEvent(timeline, foreign)
    assert not foreign.isAccepted()
    unknown, _ = drag_event(QDragEnterEvent, timeline, 100, name="NoSuchLR")
    QApplication.sendEvent(timeline, unknown)
    assert not unknown.isAccepted() and len(document.schedule.phases) == 3


def test_drop_on_an_empty_timeline(qtbot):
    document = Document(Schedule())
    view = Timeline(document)
    qtbot.addWidget(view)
    view.resize(600, 80)
    view.show()
    view.grab()  # the hint paints
    enter, _ = drag_event(QDragEnterEvent, view, 300, name=COSINE)
    QApplication.sendEvent(view, enter)
    assert view.drop_index_at(300) == 0
    view.grab()  # and so does the "Drop to add" state
    drop, _ = drag_event(QDropEvent, view, 300, name=COSINE)
    QApplication.sendEvent(view, drop)
    assert names(document) == [COSINE] and document.selected == 0


def test_x_mapping_from_the_preview_moves_blocks(timeline):
    fitted = timeline.block_rect(1)
    timeline.set_x_mapping(0, 20000, 50, 750)
    rect = timeline.block_rect(1)
    assert rect.left() == pytest.approx(50 + 1000 * 700 / 20000)
    assert rect.width() == pytest.approx(6000 * 700 / 20000)
    assert timeline.x_of(20000) == pytest.approx(750)
    assert timeline.step_at(400) == pytest.approx(10000)
    timeline.clear_x_mapping()
    assert timeline.block_rect(1) == fitted


def test_resize_under_an_external_mapping_uses_its_scale(timeline, document):
    timeline.set_x_mapping(0, 20000, 0, 800)  # 25 steps per pixel -> a 200-step grid
    edge = timeline.block_rect(0).right()
    drag(timeline, edge, edge + 30)
    assert document.schedule.phases[0].steps == 1800


def menu_action(menu: QMenu, prefix: str):
    return next(a for a in menu.actions() if a.text().startswith(prefix))


def test_context_menu_actions(timeline, document):
    menu = timeline.context_menu_for(1, 4000)
    split = menu_action(menu, "Split here")
    assert split.isEnabled()
    split.trigger()
    assert [p.steps for p in document.schedule.phases] == [1000, 3000, 3000, 3000]
    assert document.schedule.phases[2].start == CONTINUE

    menu = timeline.context_menu_for(0, 10)
    menu_action(menu, "Duplicate").trigger()
    assert names(document)[:2] == [WARMUP, WARMUP]

    menu = timeline.context_menu_for(2, 1500)
    restart, cont = menu_action(menu, "Start: Restart"), menu_action(menu, "Start: Continue")
    assert restart.isCheckable() and cont.isChecked() and not restart.isChecked()
    restart.trigger()
    assert document.schedule.phases[2].start == RESTART
    menu_action(timeline.context_menu_for(2, 1500), "Start: Continue").trigger()
    assert document.schedule.phases[2].start == CONTINUE

    count = len(document.schedule.phases)
    menu_action(timeline.context_menu_for(0, 10), "Delete").trigger()
    assert len(document.schedule.phases) == count - 1
    assert document.undo_stack.count() == 5


def test_split_is_disabled_at_a_block_boundary(timeline):
    assert not menu_action(timeline.context_menu_for(1, 1000), "Split here").isEnabled()


def test_repaints_follow_the_document(timeline, document):
    document.edit("Resize", document.schedule.resize_phase(0, 9000))
    assert timeline.block_rect(0).width() == pytest.approx(timeline.block_rect(1).width() * 1.5)
    document.undo_stack.undo()
    assert "3 phases" in timeline.accessibleDescription()


def test_arrow_keys_select_and_alt_arrow_moves(timeline, document):
    timeline.setFocus()
    QTest.keyClick(timeline, Qt.Key_Right)
    assert document.selected == 0
    QTest.keyClick(timeline, Qt.Key_End)
    assert document.selected == 2
    QTest.keyClick(timeline, Qt.Key_Left, Qt.AltModifier)
    assert names(document) == [WARMUP, STEP, COSINE] and document.selected == 1


def test_hovering_a_block_shows_its_full_description(timeline):
    pos = point(timeline.block_rect(1).center().x(), timeline)
    QApplication.sendEvent(timeline, QHelpEvent(QEvent.ToolTip, pos, timeline.mapToGlobal(pos)))
    assert "CosineAnnealingLR" in QToolTip.text() and "T_max" in QToolTip.text()
    QToolTip.hideText()


# ------------------------------------------------------------ Qt-free rules


def test_labels_are_compact():
    assert phase_label(Phase(COSINE, 48000)) == "Cosine T_max=48k"
    assert phase_label(Phase(STEP, 100, {"step_size": 30})) == "Step every 30 \u00d70.1"
    linear = Phase(WARMUP, 10, {"start_factor": 0.01, "end_factor": 1.0})
    assert phase_label(linear) == "Linear 0.01\u21921"
    milestones = Phase("MultiStepLR", 100, {"milestones": (10_000, 20_000), "gamma": 0.5})
    assert phase_label(milestones) == "MultiStep @10k,20k \u00d70.5"


def test_a_label_part_at_torch_s_default_is_left_out_when_the_catalog_says_so():
    assert phase_label(Phase(COSINE, 100, {"eta_min": 1e-5})) == "Cosine T_max=100 \u03b7_min=1e-5"
    sgdr = "CosineAnnealingWarmRestarts"
    assert phase_label(Phase(sgdr, 100, {"T_0": 10})) == "SGDR T_0=10"
    assert phase_label(Phase(sgdr, 100, {"T_0": 10, "T_mult": 2})) == "SGDR T_0=10 \u00d72"
    # StepLR's gamma is not optional: "every 30" alone would hide what happens every 30.
    assert phase_label(Phase(STEP, 100, {"step_size": 30, "gamma": 0.1})).endswith("\u00d70.1")


def test_a_per_group_value_reads_one_value_per_group():
    one_cycle = Phase("OneCycleLR", 100, {"max_lr": (0.1, 1.0)})
    assert phase_label(one_cycle) == "OneCycle max_lr=0.1/1 pct_start=0.3"
    assert "max_lr = 0.1/1<br>" in phase_tooltip(Schedule((one_cycle,), param_groups=(
        ParamGroup("backbone", lr_scale=1.0), ParamGroup("head", lr_scale=10.0))), 0)


@pytest.mark.parametrize("scheduler", list(SCHEDULERS))
def test_every_scheduler_s_label_comes_from_its_catalog_entry(scheduler):
    phase = new_phase(scheduler, 48_000)
    label = phase_label(phase)
    assert label.startswith(SCHEDULERS[scheduler].short + " ")
    for part in SCHEDULERS[scheduler].label_parts():
        if not part.optional:
            for name in part.names:
                param = phase.spec.param(name)
                assert short_text(param, phase.param_value(name)) in label


def test_tooltip_tells_everything():
    text = phase_tooltip(three_phases(), 1)
    assert "CosineAnnealingLR" in text and "6,000 steps" in text
    assert "T_max = 6,000 <i>(follows the phase length)</i>" in text
    assert "eta_min = 1e-05<br>" in text and "gamma" not in text
    assert "previous phase's last lr" in text
    tooltip = phase_tooltip(three_phases(), 0)
    assert "start_factor = 0.01<br>" in tooltip and "end_factor = 1" in tooltip


def test_snapping_rules():
    assert nice_grid(1.0) == 5 and nice_grid(0.01) == 500 and nice_grid(10.0) == 1
    assert snap_steps(0, 1234, 0.01) == 1000
    assert snap_steps(0, 1234, 0.1) == 1250  # 50-step grid
    assert snap_steps(100, 90, 0.01) == 1  # never below one step
    assert snap_steps(0, 1010, 0.1, steps_per_epoch=1000) == 1000  # epoch wins when close
    assert XMapping(0, 100, 10, 210).x_of(50) == 110


def requests_of_a_design(window, monkeypatch) -> list:
    """Opens a three-phase example and records every schedule the window asks the curve
    service for from then on (the requests still go through)."""
    window.open_path("designer/examples/warmup-stable-decay.json")
    window.flush_preview()
    requested = []
    real_request = window.curves.request
    monkeypatch.setattr(window.curves, "request",
                        lambda schedule, *args: (requested.append(schedule),
                                                 real_request(schedule, *args)))
    return requested


def gesture_start(timeline, gesture: str) -> int:
    """Where a resize (the first block's right edge) or a move (its middle) begins."""
    return (timeline.block_rect(0).right() - 1 if gesture == "resize"
            else timeline.block_rect(0).center().x())


@pytest.mark.parametrize("gesture", ["resize", "move"])
@pytest.mark.parametrize("release_moved", [False, True])
def test_a_drag_release_asks_the_curve_service_once(window, monkeypatch, gesture,
                                                    release_moved):
    timeline, document = window.timeline, window.document
    requested = requests_of_a_design(window, monkeypatch)
    start = gesture_start(timeline, gesture)
    end = timeline.block_rect(1).center().x() + 40
    drag(timeline, start, end, release=False)
    assert requested  # the live preview follows the drag
    during = len(requested)
    # The button may come up where the last move was, or a few pixels on.
    QTest.mouseRelease(timeline, Qt.LeftButton, Qt.NoModifier,
                       point(end + (25 if release_moved else 0), timeline))
    assert document.undo_stack.count() == 1
    assert requested[during:] == [document.schedule]
    assert requested[-1] is document.schedule
    window.flush_preview()
    assert window.shown_schedule() is document.schedule


@pytest.mark.parametrize("gesture", ["resize", "move"])
def test_a_cancelled_drag_asks_once_for_the_document_curve(window, monkeypatch, gesture):
    timeline, document = window.timeline, window.document
    requested = requests_of_a_design(window, monkeypatch)
    start = gesture_start(timeline, gesture)
    drag(timeline, start, timeline.block_rect(1).center().x(), release=False)
    during = len(requested)
    QTest.keyClick(timeline, Qt.Key_Escape)
    assert requested[during:] == [document.schedule]
    assert requested[-1] is document.schedule and document.undo_stack.count() == 0


def test_dragging_a_fraction_keeps_it_a_fraction_and_the_rest_absorbs(qtbot):
    from designer.core.schedule.fileformat import dump_schedule, load_schedule
    from designer.core.schedule.lengths import FRACTION, REST

    design = load_schedule(
        '{"format": "lr-schedule-designer", "version": 4, "optimizer": {"name": "SGD", "lr": 0.1},'
        ' "training": {"examples": 32000, "batch_size": 32, "epochs": 10},'
        ' "phases": [{"scheduler": "LinearLR", "steps": {"fraction": 0.1}},'
        ' {"scheduler": "CosineAnnealingLR", "steps": "rest"},'
        ' {"scheduler": "ConstantLR", "steps": {"epochs": 2}}]}')
    assert [phase.steps for phase in design.phases] == [1000, 7000, 2000]
    document = Document(design)
    view = Timeline(document)
    qtbot.addWidget(view)
    view.resize(800, 80)
    view.show()
    qtbot.waitExposed(view)
    edge = view.block_rect(0).right()
    drag(view, edge, edge + 0.2 * view.block_rect(1).width())
    phases = document.schedule.phases
    assert phases[0].steps > 1000 and phases[0].length.kind == FRACTION
    assert phases[0].length.value == phases[0].steps / 10000
    assert phases[1].length.kind == REST and document.schedule.total_steps == 10000
    saved = load_schedule(dump_schedule(document.schedule))
    assert saved == document.schedule
    edge = view.block_rect(2).right() - 2
    drag(view, edge, edge - 100)
    assert document.schedule.phases[2].length.kind == "epochs"
    assert document.schedule.phases[2].length.value == document.schedule.phases[2].steps / 1000


def test_a_block_label_shows_the_kind_of_its_length(qtbot, painted_texts):
    """The painted length line of each block: `10% · 1k steps · 1 ep`, `rest · 6.5k steps ·
    6.5 ep`, `2 ep · 2k steps`, from `Length.label` (the inspector's Steps row shows the
    same); the epochs come from the setup's 1,000 optimizer steps per epoch."""
    from designer.core.schedule.fileformat import load_schedule

    design = load_schedule(
        '{"format": "lr-schedule-designer", "version": 4, "optimizer": {"name": "SGD", "lr": 0.1},'
        ' "training": {"examples": 32000, "batch_size": 32, "epochs": 10},'
        ' "phases": [{"scheduler": "LinearLR", "steps": {"fraction": 0.1}},'
        ' {"scheduler": "CosineAnnealingLR", "steps": "rest"},'
        ' {"scheduler": "ConstantLR", "steps": {"epochs": 2}}, {"scheduler": "StepLR",'
        ' "steps": 500, "params": {"step_size": 100}}]}')
    painted = painted_texts
    view = Timeline(Document(design))
    qtbot.addWidget(view)
    view.resize(1400, 120)
    view.show()
    qtbot.waitExposed(view)
    view.grab()
    dot = "\N{MIDDLE DOT}"
    for text in (f"10% {dot} 1k steps {dot} 1 ep", f"rest {dot} 6.5k steps {dot} 6.5 ep",
                 f"2 ep {dot} 2k steps", f"500 steps {dot} 0.5 ep"):
        assert text in painted, painted
    assert design.phases[0].length.label() == "10%"
