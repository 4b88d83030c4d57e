"""The whole window, offscreen: every edit path, undo/redo, files and exports, and after each
one the preview shows exactly the engine's curve for the document."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from designer.core.curves.engine import compute_curve
from designer.core.schedule import edits
from designer.core.schedule.catalog import SCHEDULERS
from designer.core.schedule.fileformat import dump_schedule, load_schedule, load_schedule_file


def assert_exact(window) -> None:
    """Let the pending curve land, then compare it with the engine, bit for bit."""
    window.flush_preview()
    QApplication.processEvents()
    steps, lrs = window.preview_curve()
    expected = compute_curve(window.document.schedule)
    assert window.shown_schedule() == window.document.schedule
    assert np.array_equal(lrs, expected), "preview differs from the engine"
    assert np.array_equal(steps, np.arange(len(expected)))


def test_automation_surface(window):
    for name in ("palette", "timeline", "inspector", "preview", "codeView"):
        widget = window.findChild(object, name)
        assert widget is not None, name
        assert widget.accessibleName()
    assert window.windowTitle() == "Untitled[*] — LR Schedule Designer"


@pytest.mark.parametrize("scheduler", list(SCHEDULERS))
def test_inserting_each_scheduler_then_undo_redo(window, scheduler):
    window.open_path("designer/examples/warmup-cosine.json")
    assert_exact(window)
    # The drop's code path.
    window.document.apply(edits.insert_scheduler(window.document.schedule, scheduler, 1))
    assert window.document.schedule.phases[1].scheduler == scheduler
    assert window.document.selected == 1
    assert_exact(window)
    window.document.undo_stack.undo()
    assert len(window.document.schedule.phases) == 2
    assert_exact(window)
    window.document.undo_stack.redo()
    assert window.document.schedule.phases[1].scheduler == scheduler
    assert_exact(window)


def test_palette_double_click_appends(window, qtbot):
    window.open_path("designer/examples/step-exponential.json")
    palette = window.palette_list
    item = palette.item(list(SCHEDULERS).index("CosineAnnealingLR"))
    rect = palette.visualItemRect(item)
    # A real double-click: press and release, then the second press arrives as DblClick.
    QTest.mouseClick(palette.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    QTest.mouseDClick(palette.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    assert [p.scheduler for p in window.document.schedule.phases][-1] == "CosineAnnealingLR"
    assert_exact(window)


def _mouse(widget, kind, x, buttons=Qt.LeftButton, button=Qt.LeftButton):
    pos = QPointF(x, widget.height() / 2)
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.NoModifier)
    QApplication.sendEvent(widget, event)


def _drag(widget, x0, x1, steps=8):
    _mouse(widget, QMouseEvent.MouseButtonPress, x0)
    for i in range(1, steps + 1):
        _mouse(widget, QMouseEvent.MouseMove, x0 + (x1 - x0) * i / steps, button=Qt.NoButton)
    _mouse(widget, QMouseEvent.MouseButtonRelease, x1, buttons=Qt.NoButton)


def test_moving_and_resizing_blocks_with_the_mouse(window):
    window.open_path("designer/examples/warmup-stable-decay.json")
    assert_exact(window)
    timeline = window.timeline
    undo = window.document.undo_stack
    # Move the last block (decay) to the front.
    last = timeline.block_rect(2)
    _drag(timeline, last.center().x(), timeline.block_rect(0).left() + 2)
    assert [p.steps for p in window.document.schedule.phases] == [2000, 1000, 7000]
    assert undo.count() == 1
    assert_exact(window)
    # Resize the first block by dragging its right edge: one undo step for the gesture.
    edge = timeline.block_rect(0).right() - 1
    _drag(timeline, edge, edge + 60)
    assert window.document.schedule.phases[0].steps > 2000
    assert undo.count() == 2
    assert_exact(window)
    undo.undo()
    assert window.document.schedule.phases[0].steps == 2000
    assert_exact(window)
    undo.undo()
    assert [p.steps for p in window.document.schedule.phases] == [1000, 7000, 2000]
    assert_exact(window)


def test_live_preview_while_dragging_then_escape_cancels(window):
    window.open_path("designer/examples/warmup-stable-decay.json")
    assert_exact(window)
    timeline = window.timeline
    edge = timeline.block_rect(0).right() - 1
    _mouse(timeline, QMouseEvent.MouseButtonPress, edge)
    for dx in (10, 30, 50):
        _mouse(timeline, QMouseEvent.MouseMove, edge + dx, button=Qt.NoButton)
    window.flush_preview()
    tentative = window.shown_schedule()
    assert tentative.phases[0].steps > 1000  # the preview follows the drag...
    assert np.array_equal(window.preview_curve()[1], compute_curve(tentative))
    QTest.keyClick(timeline, Qt.Key_Escape)
    _mouse(timeline, QMouseEvent.MouseButtonRelease, edge + 50, buttons=Qt.NoButton)
    assert window.document.undo_stack.count() == 0  # ...and Escape leaves no edit behind
    assert_exact(window)


def test_inspector_edits_merge_and_invalid_input_never_reaches_the_model(window, qtbot):
    window.open_path("designer/examples/step-exponential.json")
    window.document.select(1)
    gamma = window.inspector.editor("gamma")
    line = gamma.lineEdit() if hasattr(gamma, "lineEdit") else gamma
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, "0.85")
    assert window.document.schedule.phases[1].params["gamma"] == 0.85
    assert window.document.undo_stack.count() == 1  # one undo step for the typing
    assert_exact(window)
    before = window.document.schedule
    for text in ("abc", "-1", "nan", ""):  # no prefix of these is a valid gamma
        line.selectAll()
        qtbot.keyClicks(line, text) if text else QTest.keyClick(line, Qt.Key_Delete)
        assert window.document.schedule == before
    line.selectAll()
    qtbot.keyClicks(line, "1e999")  # "1e99" on the way is a valid gamma; inf never is
    assert window.document.schedule.phases[1].params["gamma"] == 1e99
    window.document.undo_stack.undo()
    assert window.document.schedule.phases[1].params["gamma"] == 0.9
    assert_exact(window)


def test_schedule_level_edit_through_the_inspector(window):
    window.open_path("designer/examples/one-cycle.json")
    combo = window.inspector.optimizer_combo
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key_Down)  # SGD -> Adam, as a user picks it
    QTest.keyClick(combo, Qt.Key_Down)  # Adam -> AdamW
    assert window.document.schedule.optimizer.name == "AdamW"
    assert "momentum" not in window.document.schedule.optimizer.params
    assert_exact(window)


def test_save_open_round_trip_title_and_modified_marker(window, tmp_path):
    window.open_path("designer/examples/step-exponential.json")
    assert window.windowTitle().startswith("step-exponential.json[*]")
    assert not window.isWindowModified()
    window.document.apply(edits.resize_phase(window.document.schedule, 0, 25))
    assert window.isWindowModified()
    target = tmp_path / "saved.json"
    assert window.files.save_as(str(target))
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("saved.json")
    assert load_schedule_file(str(target)) == window.document.schedule
    saved = window.document.schedule
    window.files.new_document()
    assert window.document.schedule.phases == ()
    assert window.open_path(str(target))
    assert window.document.schedule == saved
    assert str(target) in window.files.recent_files()[0]
    assert_exact(window)


def test_every_export_format(window, tmp_path):
    window.open_path("designer/examples/warmup-cosine.json")
    assert_exact(window)
    curve = compute_curve(window.document.schedule)
    for fmt in ("python", "function", "lightning", "hf", "json", "csv", "png", "svg"):
        assert window.files.export(fmt, str(tmp_path / f"out.{fmt}")), window.messages
        assert window.findChild(QAction, f"actionExport_{fmt}") is not None
    for fmt in ("function", "lightning", "hf"):
        compile((tmp_path / f"out.{fmt}").read_text(), f"out.{fmt}", "exec")
    rows = (tmp_path / "out.csv").read_text().splitlines()
    assert rows[0] == "step,lr" and len(rows) == len(curve) + 1
    assert [float(r.split(",")[1]) for r in rows[1:3]] == list(curve[:2])
    assert load_schedule((tmp_path / "out.json").read_text()) == window.document.schedule
    assert (tmp_path / "out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "out.svg").read_bytes()[:2000]
    printed = subprocess.run([sys.executable, str(tmp_path / "out.python")],
                             capture_output=True, text=True, check=True).stdout.split()
    assert [float(v) for v in printed] == curve.tolist()


def test_bad_files_say_why_and_keep_the_design(window, tmp_path):
    window.open_path("designer/examples/step-exponential.json")
    before = window.document.schedule
    bad = tmp_path / "bad.json"
    cases = {
        "gamma": json.dumps({**json.loads(dump_schedule(before)), "phases": [
            {"scheduler": "ExponentialLR", "steps": 5, "params": {"gamma": -1}}]}),
        "not valid JSON": "{",
        "not UTF-8": b"\xff\xfe\x00garbage",
    }
    for expected, content in cases.items():
        bad.write_bytes(content if isinstance(content, bytes) else content.encode())
        assert not window.open_path(str(bad))
        assert expected in window.messages[-1]
        assert window.document.schedule == before
    assert not window.open_path(str(tmp_path))  # a directory
    assert window.document.schedule == before


def test_dropping_a_json_file_on_the_window_opens_it(window, tmp_path):
    target = tmp_path / "dropped.json"
    target.write_text(Path("designer/examples/one-cycle.json").read_text())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(target))])
    enter = QDragEnterEvent(QPoint(400, 300), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(400, 300), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(window, drop)
    assert window.document.schedule == load_schedule_file(str(target))
    assert_exact(window)


def test_closing_with_unsaved_changes_asks(window, tmp_path):
    window.open_path("designer/examples/step-exponential.json")
    window.document.apply(edits.delete_phase(window.document.schedule, 1))
    asked = []
    window.files.ask_save_changes = lambda action: asked.append(action) or QMessageBox.Cancel
    window.close()
    assert asked == ["closing"] and window.isVisible()
    window.files.ask_save_changes = lambda action: QMessageBox.Discard
    assert window.close()


def test_examples_menu_and_new_from_example(window):
    examples_menu = next(a.menu() for a in window.menuBar().actions()[0].menu().actions()
                         if a.menu() and "xample" in a.text())
    titles = [a.text() for a in examples_menu.actions()]
    assert len(titles) >= 4
    examples_menu.actions()[0].trigger()
    assert window.document.schedule.phases
    assert window.document.path == ""
    assert_exact(window)


def test_timeline_lines_up_with_the_preview_axis(window):
    window.open_path("designer/examples/warmup-stable-decay.json")
    assert_exact(window)
    QApplication.processEvents()
    x_min, x_max, left, right = window.preview.x_mapping()
    timeline = window.timeline
    for step in (0, 1000, 8000):
        expected = left + (step - x_min) / (x_max - x_min) * (right - left)
        preview_x = window.preview.mapTo(window, QPoint(round(expected), 0)).x()
        timeline_x = timeline.mapTo(window, QPoint(round(timeline.x_of(step)), 0)).x()
        assert abs(preview_x - timeline_x) <= 1


def test_warning_fix_is_one_click(window, qtbot):
    window.open_path("designer/examples/step-exponential.json")
    window.document.apply(edits.set_start(window.document.schedule, 1, "restart"))
    assert_exact(window)
    advice = window.advice_panel.advice()
    assert any("jumps" in a.message for a in advice)
    assert "jumps" in window.timeline.phase_warnings()[1][0]  # marked on the block too
    button = next(b for b in window.advice_panel.findChildren(QPushButton)
                  if b.text() == "Continue instead")
    button.click()
    assert window.document.schedule.phases[1].start == "continue"
    assert_exact(window)
    assert window.timeline.phase_warnings() == {}


def test_copy_code_shortcut_action(window, tmp_path):
    window.open_path("designer/examples/warmup-cosine.json")
    action = window.findChild(type(window.menuBar().actions()[0]), "actionCopyCode")
    action.trigger()
    text = QApplication.clipboard().text()
    assert "def build_scheduler(optimizer):" in text
    module = tmp_path / "copied.py"
    module.write_text(text)
    namespace = runpy.run_path(str(module), run_name="designer_copy")
    assert callable(namespace["build_scheduler"])


# Words the window uses: dialog captions, and steps or epochs as the design steps ---------

def test_file_dialogs_open_in_the_folder_last_used_and_name_the_format(window, tmp_path,
                                                                      monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    asked = []

    def save_dialog(parent, caption, suggested, file_filter):
        asked.append((caption, suggested))
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *args: (str(tmp_path / "runs" / "a.json"), ""))
    (tmp_path / "runs").mkdir()
    window.files.choose_open_path()  # the user picked a file in runs/ (and cancelled later)
    window.files.save_as()  # an untitled design: Save As starts where the user last was
    assert asked[-1] == ("Save schedule as", str(tmp_path / "runs" / "schedule.json"))
    window.files.export("python")
    assert asked[-1][0] == "Export Python module"
    assert asked[-1][1].startswith(str(tmp_path / "runs"))


def test_a_design_stepped_per_epoch_is_described_in_epochs(window):
    from PySide6.QtWidgets import QLabel

    from designer.core.export.advice import design_advice
    from designer.core.schedule.model import Phase, Schedule

    step = Phase("StepLR", 30, {"step_size": 40})
    window.document.reset(Schedule((step,), interval="epoch"))
    window.document.select(0)
    texts = [label.text() for label in window.inspector.findChildren(QLabel)
             if label.isVisible()]
    assert "Multiplies the lr by gamma every step_size epochs." in texts
    assert window.inspector.editor("step_size").toolTip() == "epochs between decays"
    assert window.timeline.accessibleDescription() == "1 phase: Step every 40 ×0.1, 30 epochs"
    plateau = Phase("ReduceLROnPlateau", 50, {"eval_every": 25, "metric": "1"})
    messages = [a.message for a in design_advice(Schedule((plateau,), interval="epoch"))]
    assert any("(every 25 epochs)" in m for m in messages), messages
    window.document.reset(Schedule((step,)))  # per step, the same words say steps
    window.document.select(0)
    assert window.inspector.editor("step_size").toolTip() == "steps between decays"


def test_edit_stretch_to_n_steps_keeps_every_fraction(window, monkeypatch, tmp_path):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QInputDialog

    from designer.core.schedule.fileformat import load_schedule_file
    from designer.core.schedule.lengths import FRACTION, REST

    path = tmp_path / "sized.json"
    path.write_text(
        '{"format": "lr-schedule-designer", "version": 4, "optimizer": {"name": "SGD",'
        ' "lr": 0.1}, "training": {"examples": 32000, "batch_size": 32, "epochs": 10},'
        ' "phases": [{"scheduler": "LinearLR", "steps": {"fraction": 0.03}},'
        ' {"scheduler": "ConstantLR", "steps": 200}, {"scheduler": "CosineAnnealingLR",'
        ' "steps": "rest"}]}')
    window.files.open_path(str(path))
    assert window.document.schedule.total_steps == 10000
    asked = []
    monkeypatch.setattr(QInputDialog, "getInt", lambda *args: asked.append(args[3]) or
                        (4321, True))
    window.findChild(QAction, "actionStretch").trigger()
    assert asked == [10000]
    schedule = window.document.schedule
    assert schedule.total_steps == 4321
    assert [p.steps for p in schedule.phases] == [130, 200, 3991]
    assert [p.length.kind if p.length else None for p in schedule.phases] == [
        FRACTION, None, REST]
    assert window.files.save()
    assert load_schedule_file(str(path)) == schedule  # saved and reopened: fractions kept
    assert '"steps": {\n        "fraction": 0.03\n      }' in path.read_text()
    window.document.undo_stack.undo()
    assert window.document.schedule.total_steps == 10000


def test_a_training_setup_gives_the_epoch_axis_labels_and_readout(window):
    """Without steps/epoch of its own, a design sized from a setup still knows its epochs:
    the setup's optimizer steps per epoch (5,000 examples, 2 devices of batch 8,
    accumulation 3: 105)."""
    from designer.core.schedule.edits import set_training
    from designer.core.schedule.training import TrainingSetup
    from designer.ui.files.files import EXAMPLES_DIR
    from designer.ui.timeline.geometry import length_text

    assert window.open_path(str(EXAMPLES_DIR / "warmup-cosine.json"))
    document = window.document
    schedule = document.schedule.with_settings(steps_per_epoch=None)
    assert schedule.interval == "step"
    setup = TrainingSetup(examples=5000, batch_size=8, devices=2, accumulation=3, epochs=5)
    document.apply(set_training(schedule, setup))
    assert window.flush_preview(60)
    schedule = document.schedule
    assert schedule.steps_per_epoch is None and schedule.total_steps >= 211
    assert window.preview.epochs_button.isEnabled()
    assert "epoch 2.00" in window.preview.readout_at(210)
    first = schedule.phases[0]
    assert length_text(schedule, first).endswith(f" · {first.steps / 105:.3g} ep")
