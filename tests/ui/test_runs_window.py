"""Training runs in the window: opened or dropped runs overlaid on the preview (exactly the
logged values), their verdict and diagnosis in Warnings, the one-click fixes, live runs,
reading off the window's thread. The runs are written here by the real loop of
tests/core/runs/real_runs.py (the design's exported scheduler stepping a torch optimizer)."""

from __future__ import annotations

import csv
import json
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QDropEvent
from PySide6.QtWidgets import QLabel, QMenu, QPushButton

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "runs"))
from real_runs import STEP_DESIGN, STEP_TOTAL, plain_loop, write_design

from designer.core.runs.check import verdict_line
from designer.ui import runs as ui_runs


def loop_rows(mistake: str | None = None) -> list[tuple[int, float]]:
    rows: list[tuple[int, float]] = []
    plain_loop(lambda step, lr: rows.append((step, lr)), mistake=mistake)
    return rows


def write_csv(path: Path, rows, mode: str = "w") -> Path:
    with path.open(mode, newline="", encoding="utf-8") as stream:
        out = csv.writer(stream)
        if mode == "w":
            out.writerow(["step", "loss", "lr"])
        for step, lr in rows:
            out.writerow([step, 1.0 / (step + 1), repr(lr)])
    return path


@pytest.fixture
def designed(window, tmp_path):
    """The window showing the warmup + cosine design the loop's scheduler was exported from."""
    assert window.open_path(str(write_design(tmp_path, STEP_DESIGN)))
    assert window.flush_preview(60)
    return window


def opened(window, path, tag=None):
    window.open_run(str(path), tag)
    assert window.runs.runs.wait(30)
    return window


def run_texts(window) -> list[str]:
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)  # the rows replaced
    return [label.text() for label in window.advice_panel.findChildren(QLabel, "runVerdictText")]


def test_an_opened_run_overlays_exactly_the_logged_values(designed, tmp_path):
    rows = loop_rows()
    opened(designed, write_csv(tmp_path / "run.csv", rows))
    [(source, tag, steps, lrs)] = designed.run_overlays()
    assert (source, tag) == ("csv", "lr")
    assert steps.tolist() == [step for step, _ in rows]
    assert lrs.tolist() == [lr for _, lr in rows]  # repr() round-trips: exactly the values
    [(x, y)] = designed.runs.view.curves()
    assert np.array_equal(x, steps) and np.array_equal(y, lrs)
    [(marked_x, _)] = designed.runs.view.marks()
    assert len(marked_x) == 0  # nothing differs
    labels = [label.text for _, label in designed.runs.view._legend.items]
    assert labels == ["csv: lr"]
    [verdict] = designed.run_verdicts()
    assert verdict["verdict"] == "matches" and verdict["points"] == STEP_TOTAL
    assert verdict["logged_steps"] == [0, STEP_TOTAL - 1]
    assert verdict["max_rel_error"] < 1e-12
    assert run_texts(designed) == ["✓ Run csv: lr: " + verdict_line(verdict)]
    assert verdict_line(verdict).startswith("matches: 40 logged steps of 40, max relative")


def test_the_crosshair_readout_says_what_the_run_logged(designed, tmp_path):
    rows = loop_rows()[::3]  # logged every third step
    opened(designed, write_csv(tmp_path / "run.csv", rows))
    lr_at = dict(rows)
    text = designed.preview.readout_at(6)
    assert f" · csv: lr {lr_at[6]:.6g} · phase " in text  # logged at the hovered step
    text = designed.preview.readout_at(7)  # not logged there: the last value and its step
    assert f" · csv: lr {lr_at[6]:.6g} (logged at 6) · phase " in text
    designed.runs.remove_all()
    assert "csv: lr" not in designed.preview.readout_at(7)


@pytest.mark.parametrize(("mistake", "kind", "fix"), [
    ("per-epoch", "interval", "Step per epoch of 5 batches, as the run"),
    ("lr-x8", "scale", "Scale the base lr by 8, as the run"),
])
def test_a_mistaken_run_is_diagnosed_and_its_fix_makes_it_match(designed, tmp_path, qtbot,
                                                                 mistake, kind, fix):
    rows = loop_rows(mistake)
    opened(designed, write_csv(tmp_path / "run.csv", rows))
    [verdict] = designed.run_verdicts()
    assert verdict["verdict"] == "differs" and verdict["diagnosis"]["kind"] == kind
    [text] = run_texts(designed)
    assert verdict["diagnosis"]["message"] in text and text.startswith("⚠ Run csv: lr: differs")
    [(marked_x, marked_y)] = designed.runs.view.marks()
    lrs = np.array([lr for _, lr in rows])
    assert 0 < len(marked_x) <= STEP_TOTAL
    assert np.array_equal(marked_y, lrs[marked_x.astype(int)])
    original = designed.document.schedule
    [button] = designed.advice_panel.findChildren(QPushButton, "runFix")
    assert button.text() == fix
    qtbot.mouseClick(button, Qt.LeftButton)
    assert designed.flush_preview(60)
    [verdict] = designed.run_verdicts()
    assert verdict["verdict"] == "matches", verdict
    assert designed.runs.view.marks()[0][0].size == 0
    assert designed.document.undo_stack.undoText() == fix
    designed.document.undo_stack.undo()
    assert designed.document.schedule == original and designed.flush_preview(60)
    assert designed.run_verdicts()[0]["verdict"] == "differs"


def test_a_bad_run_is_one_line_and_shows_nothing(designed, tmp_path):
    not_a_run = tmp_path / "notes.txt"
    not_a_run.write_text("hello\n", encoding="utf-8")
    opened(designed, not_a_run)
    [message] = designed.messages
    assert message.startswith(str(not_a_run)) and "not a run" in message
    assert "\n" not in message
    empty = write_csv(tmp_path / "empty.csv", [])
    opened(designed, empty)
    assert len(designed.messages) == 2 and str(empty) in designed.messages[1]
    assert designed.run_overlays() == [] and run_texts(designed) == []


def test_runs_are_read_off_the_windows_thread(designed, tmp_path, monkeypatch):
    threads = []
    real = ui_runs.read_run

    def recording(path, tag=None):
        threads.append(threading.current_thread())
        return real(path, tag)

    monkeypatch.setattr(ui_runs, "read_run", recording)
    opened(designed, write_csv(tmp_path / "run.csv", loop_rows()))
    assert threads and threading.main_thread() not in threads
    assert len(designed.run_overlays()) == 1


def test_dropping_a_run_folder_overlays_it(designed, tmp_path):
    folder = tmp_path / "version_0"
    folder.mkdir()
    rows = loop_rows()
    with (folder / "metrics.csv").open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream)
        out.writerow(["epoch", "lr-SGD", "step"])
        for step, lr in rows:
            out.writerow([0, repr(lr), step])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    event = QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    designed.dropEvent(event)
    assert designed.runs.runs.wait(30)
    [(source, tag, steps, lrs)] = designed.run_overlays()
    assert (source, tag, len(steps)) == ("lightning-csv", "lr-SGD", STEP_TOTAL)
    assert lrs.tolist() == [lr for _, lr in rows]
    assert designed.document.path.endswith("design.json")  # the design stays


def test_a_live_run_is_followed_as_it_is_written(designed, tmp_path, qtbot):
    rows = loop_rows("resume-25")  # resumed at step 25 without the scheduler's state
    path = write_csv(tmp_path / "live.csv", rows[:20])
    opened(designed, path)
    [verdict] = designed.run_verdicts()
    assert verdict["verdict"] == "matches" and verdict["logged_steps"] == [0, 19]
    write_csv(path, rows[20:], mode="a")
    qtbot.waitUntil(lambda: designed.run_overlays()[0][2].size == STEP_TOTAL, timeout=10_000)
    assert designed.run_overlays()[0][3].tolist() == [lr for _, lr in rows]
    [verdict] = designed.run_verdicts()
    assert verdict["verdict"] == "differs"
    assert verdict["diagnosis"]["kind"] == "restart" and verdict["diagnosis"]["step"] == 25
    [text] = run_texts(designed)
    assert text.startswith("⚠ Run csv: lr: differs from step 25")


def test_open_run_and_open_run_folder_each_ask_once(designed, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog
    folder = tmp_path / "logs"
    folder.mkdir()
    write_csv(folder / "metrics.csv", loop_rows())  # a Lightning CSVLogger's file
    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *a, **k: (asked.append("file"), ("", ""))[1])
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda *a, **k: (asked.append("folder"), str(folder))[1])
    designed.findChild(QAction, "actionOpenRun").trigger()
    assert asked == ["file"] and designed.runs.runs.overlays == []  # Cancel opens nothing
    designed.findChild(QAction, "actionOpenRunFolder").trigger()
    assert designed.runs.runs.wait(30)
    assert asked == ["file", "folder"]
    [(source, tag, steps, _)] = designed.run_overlays()
    assert (source, tag, len(steps)) == ("lightning-csv", "lr", STEP_TOTAL)


def test_runs_are_listed_in_compare_and_removed_there(designed, tmp_path):
    rows = loop_rows()
    opened(designed, write_csv(tmp_path / "a.csv", rows))
    opened(designed, write_csv(tmp_path / "b.csv", loop_rows("lr-x8")))
    menu = designed.findChild(QMenu, "removeRunMenu")
    titles = [action.text() for action in menu.actions()]
    assert titles == [f"csv: lr  ({tmp_path / 'a.csv'})", f"csv: lr  ({tmp_path / 'b.csv'})"]
    colors = {overlay.color for overlay in designed.runs.runs.overlays}
    assert len(colors) == 2  # each run its own colour
    menu.actions()[0].trigger()
    assert [v["verdict"] for v in designed.run_verdicts()] == ["differs"]
    assert len(designed.runs.view.curves()) == 1 and len(run_texts(designed)) == 1
    designed.findChild(QAction, "actionRemoveRuns").trigger()
    assert designed.run_overlays() == [] and run_texts(designed) == []
    assert designed.runs.view.curves() == [] and not menu.isEnabled()


def test_runs_are_saved_with_the_design_and_reopened(designed, tmp_path):
    run = write_csv(tmp_path / "run.csv", loop_rows("lr-x8"))
    opened(designed, run)
    assert [(r.path, r.tag) for r in designed.document.schedule.runs] == [(str(run), None)]
    assert designed.document.undo_stack.undoText() == "Open run run.csv"
    target = tmp_path / "with-run.json"
    assert designed.files.save_as(str(target))
    assert json.loads(target.read_text())["runs"] == [{"path": str(run), "tag": None}]
    # Undoing the open closes the run; redoing opens it again.
    designed.document.undo_stack.undo()
    assert designed.run_overlays() == [] and designed.document.schedule.runs == ()
    designed.document.undo_stack.redo()
    assert designed.runs.runs.wait(30) and len(designed.run_overlays()) == 1
    # Another design closes it; the saved one brings it back, checked again.
    designed.files.new_document()
    assert designed.run_overlays() == []
    assert designed.open_path(str(target)) and designed.flush_preview(60)
    assert designed.runs.runs.wait(30)
    [verdict] = designed.run_verdicts()
    assert verdict["diagnosis"]["kind"] == "scale" and verdict["diagnosis"]["factor"] == 8
    # A run whose file is gone stays in the design, not shown, and the status bar says so.
    designed.files.new_document()
    run.unlink()
    assert designed.open_path(str(target))
    assert designed.run_overlays() == [] and len(designed.document.schedule.runs) == 1
    assert "run.csv" in designed.statusBar().currentMessage()
    assert designed.messages == []


def test_removing_a_run_from_compare_is_undoable(designed, tmp_path):
    opened(designed, write_csv(tmp_path / "a.csv", loop_rows()))
    designed.runs.remove(designed.runs.runs.overlays[0])
    assert designed.run_overlays() == [] and designed.document.schedule.runs == ()
    designed.document.undo_stack.undo()
    assert designed.runs.runs.wait(30) and len(designed.run_overlays()) == 1


def test_a_live_tensorboard_folder_is_followed_as_the_writer_flushes(designed, tmp_path, qtbot):
    from torch.utils.tensorboard import SummaryWriter

    rows = loop_rows()
    folder = tmp_path / "tb"
    writer = SummaryWriter(str(folder))
    try:
        for step, lr in rows[:15]:
            writer.add_scalar("train/lr", lr, step)
        writer.flush()
        opened(designed, folder)
        [(source, tag, steps, _)] = designed.run_overlays()
        assert (source, tag, steps.tolist()) == ("tensorboard", "train/lr", list(range(15)))
        for step, lr in rows[15:]:
            writer.add_scalar("train/lr", lr, step)
        writer.flush()
        qtbot.waitUntil(lambda: designed.run_overlays()[0][2].size == STEP_TOTAL,
                        timeout=10_000)
    finally:
        writer.close()
    logged = designed.run_overlays()[0][3]
    assert np.array_equal(logged, np.float32([lr for _, lr in rows]))  # TensorBoard's float32
    [verdict] = designed.run_verdicts()
    assert verdict["verdict"] == "matches" and verdict["logged_steps"] == [0, STEP_TOTAL - 1]
