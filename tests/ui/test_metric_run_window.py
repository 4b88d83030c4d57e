"""A plateau phase driven by a logged run's metric, in the window: the preview steps with the
run's values and plots them, the inspector's fields (path with Browse…, the series combo),
the run followed on disk, and a run that cannot drive the phase warned about in Warnings
while the phase keeps its synthetic metric. The run is the real Lightning run of
examples/runs (tests/core/runs/test_metric_run.py)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QLabel

from designer.core.schedule import edits

RUNS = Path(__file__).resolve().parents[2] / "examples" / "runs"
LOGGED_LRS = [0.4] * 3 + [0.2] * 3 + [0.1] * 4


@pytest.fixture
def design(tmp_path) -> Path:
    """The example design with its run beside it, in a folder the test may change."""
    shutil.copy(RUNS / "plateau-val-loss.json", tmp_path / "design.json")
    (tmp_path / "plateau").mkdir()
    shutil.copy(RUNS / "plateau" / "metrics.csv", tmp_path / "plateau" / "metrics.csv")
    return tmp_path / "design.json"


def shown(window, path: Path):
    assert window.open_path(str(path))
    window.document.select(0)
    settle(window)
    return window


def settle(window) -> None:
    assert window.metric_runs.wait(30)
    assert window.flush_preview(60)


def curve(window) -> list[float]:
    return window.preview_curve()[1].tolist()


def warnings(window) -> list[str]:
    """Warnings' lines about the logged metric."""
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)  # the rows replaced
    return [label.text() for label in window.advice_panel.findChildren(QLabel)
            if label.text().startswith("⚠ ") and "metric_run" in label.text()]


def val_losses(path: Path) -> list[float]:
    with path.open(newline="", encoding="utf-8") as stream:
        return [float(row["val_loss"]) for row in csv.DictReader(stream) if row["val_loss"]]


def test_the_preview_steps_with_the_runs_val_loss_and_plots_it(window, design):
    shown(window, design)
    assert curve(window) == LOGGED_LRS
    [plotted] = window.preview.simulated_metrics()
    assert plotted.tolist() == val_losses(design.parent / "plateau" / "metrics.csv")
    assert window.preview.simulation_labels() == ["logged metric (lightning-csv: val_loss)"]
    assert "logged metric 0.8012" in window.preview.readout_at(4)  # epoch 4's val_loss
    tag = window.inspector.editor("metric_tag")
    assert tag.currentText() == "val_loss"
    assert tag.suggestions() == ["epoch", "lr-SGD", "train_loss", "val_loss"]
    path = window.inspector.editor("metric_run")
    assert path.resolved() == str(design.parent / "plateau" / "metrics.csv")
    assert [w.text() for w in path.parts] == ["plateau/metrics.csv", "Browse…"]
    assert warnings(window) == []


def test_a_changed_run_gives_a_new_curve_and_a_missing_one_a_warning(window, design, qtbot):
    shown(window, design)
    metrics = design.parent / "plateau" / "metrics.csv"
    text = metrics.read_text(encoding="utf-8").splitlines(keepends=True)
    improving = [line for line in text if not line.split(",")[-1].strip()
                 or line.startswith("epoch")]  # drop every val_loss row ...
    improving += [f"{e},,{4 * e + 3},,{1.0 - e / 20}\n" for e in range(10)]  # ... improving
    metrics.write_text("".join(improving), encoding="utf-8")
    qtbot.waitUntil(lambda: curve(window) == [0.4] * 10, timeout=10_000)
    metrics.unlink()
    qtbot.waitUntil(lambda: len(warnings(window)) == 1, timeout=10_000)
    [warning] = warnings(window)
    assert warning.startswith("⚠ phases[0].params.metric_run: ")
    assert "cannot read it" in warning and warning.endswith("uses its synthetic metric")
    assert curve(window) == [0.4] * 10  # the synthetic metric keeps improving
    assert window.preview.simulation_labels() == ["simulated metric"]
    shutil.copy(RUNS / "plateau" / "metrics.csv", metrics)  # back: the run drives it again
    qtbot.waitUntil(lambda: curve(window) == LOGGED_LRS, timeout=10_000)
    assert warnings(window) == []


def test_the_inspector_sets_the_run_and_its_series_as_undoable_edits(window, design):
    shown(window, design)
    window.document.apply(edits.set_param(window.document.schedule, 0, "metric_run", None,
                                          False))
    settle(window)
    assert curve(window) == [0.4] * 10
    window.inspector.editor("metric_run").choose(str(RUNS / "plateau"))  # a folder: CSVLogger's
    settle(window)
    assert window.document.schedule.phases[0].params["metric_run"] == str(RUNS / "plateau")
    assert curve(window) == LOGGED_LRS
    tag = window.inspector.editor("metric_tag")
    tag.lineEdit().setText("train_loss")
    tag.lineEdit().textEdited.emit("train_loss")
    settle(window)
    assert window.document.schedule.phases[0].params["metric_tag"] == "train_loss"
    assert curve(window) != LOGGED_LRS  # train_loss per step: mapped onto epochs differently
    window.document.undo_stack.undo()
    settle(window)
    assert curve(window) == LOGGED_LRS


def test_a_pinned_variant_steps_with_its_logged_metric_too(window, design):
    shown(window, design)
    window.compare.pin_current("logged")
    window.document.apply(edits.set_param(window.document.schedule, 0, "metric_run", None,
                                          False))
    settle(window)
    assert window.compare.wait(60)
    assert curve(window) == [0.4] * 10  # the design: its synthetic metric
    assert window.compare.pins[0].lrs.tolist() == LOGGED_LRS  # the pin: the run's val_loss


def test_the_run_is_read_off_the_windows_thread(window, design, monkeypatch):
    import threading

    from designer.ui import metric_runs

    threads = []
    real = metric_runs.read_metric

    def recording(key):
        threads.append(threading.current_thread())
        return real(key)

    monkeypatch.setattr(metric_runs, "read_metric", recording)
    shown(window, design)
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert np.array_equal(window.preview_curve()[1], LOGGED_LRS)


def test_a_pin_whose_run_cannot_be_read_is_warned_about_until_the_run_is_written(
        window, design, qtbot):
    run_folder = design.parent / "plateau"
    shutil.rmtree(run_folder)  # the run is not there (yet)
    shown(window, design)
    window.compare.pin_current("baseline")
    window.document.apply(edits.set_param(window.document.schedule, 0, "metric_run", None,
                                          False))  # the design itself: synthetic by choice
    settle(window)
    assert window.compare.wait(60)
    [warning] = warnings(window)  # the pin's only: the design names no run now
    assert warning.startswith('⚠ Pin "baseline": phases[0].params.metric_run: ')
    assert "cannot read it" in warning
    assert warning.endswith("the pin uses the phase's synthetic metric")
    assert window.compare.pins[0].lrs.tolist() == [0.4] * 10  # the synthetic metric
    assert window.compare_overlay.labels() == ["current design",
                                               "baseline (⚠ synthetic metric)"]
    run_folder.mkdir()  # a run that logged another series: still the synthetic metric
    logged = (RUNS / "plateau" / "metrics.csv").read_text(encoding="utf-8")
    (run_folder / "metrics.csv").write_text(logged.replace("val_loss", "val_acc"),
                                            encoding="utf-8")
    qtbot.waitUntil(lambda: "no series 'val_loss'" in " ".join(warnings(window)),
                    timeout=10_000)
    [warning] = warnings(window)
    assert warning.startswith('⚠ Pin "baseline": phases[0].params.metric_run: ')
    (run_folder / "metrics.csv").write_text(logged, encoding="utf-8")  # the run it names
    qtbot.waitUntil(lambda: warnings(window) == [], timeout=10_000)
    assert window.compare.wait(60)
    qtbot.waitUntil(lambda: window.compare.pins[0].lrs.tolist() == LOGGED_LRS,
                    timeout=10_000)
    assert window.compare_overlay.labels() == ["current design", "baseline"]


def test_a_run_lightning_stepped_per_batch_previews_its_lr_until_metric_steps_changes(
        window, tmp_path, qtbot):
    """examples/runs/plateau-batch: Lightning stepped the plateau after every batch with the
    last val_loss (tests/core/runs/test_metric_run_batch.py); the inspector's metric_steps
    combo switches to stepping only where the run evaluated, one undoable edit."""
    from PySide6.QtCore import Qt

    shutil.copy(RUNS / "plateau-batch-val-loss.json", tmp_path / "design.json")
    shutil.copytree(RUNS / "plateau-batch", tmp_path / "plateau-batch")
    shown(window, tmp_path / "design.json")
    with (tmp_path / "plateau-batch" / "metrics.csv").open(newline="", encoding="utf-8") as f:
        logged = [float(row["lr-SGD"]) for row in csv.DictReader(f) if row["lr-SGD"]]
    assert curve(window) == logged and len(logged) == 36
    combo = window.inspector.editor("metric_steps")
    assert combo.currentText() == "every"
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Up)
    assert window.document.schedule.phases[0].params["metric_steps"] == "evaluated"
    settle(window)
    assert sorted(set(curve(window))) == [0.2, 0.4]  # six steps, where it validated
    window.document.undo_stack.undo()
    settle(window)
    assert combo.currentText() == "every" and curve(window) == logged
