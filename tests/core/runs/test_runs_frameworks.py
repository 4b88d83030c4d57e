"""Correctly configured runs of each framework match their design: the step conventions
of TensorBoard from a plain loop, Lightning's LearningRateMonitor (per step and per epoch)
with CSVLogger, the Trainer (trainer_state.json, its TensorBoard and MLflow callbacks), an
MLflow run of a plain loop, and a plain CSV."""

from __future__ import annotations

import json

import numpy as np
import pytest
from real_runs import BATCHES, EPOCHS, STEP_DESIGN, STEP_TOTAL, exported

from designer.core.curves.engine import compute_curve
from designer.core.runs.check import DesignFacts, check_logged
from designer.core.runs.design_run import check_run
from designer.core.runs.sources import read_run
from designer.core.safe_io import read_schedule_file


def _checked(design_path, run_path, tag=None):
    return check_run(read_schedule_file(str(design_path)), str(run_path), tag)


def _assert_matches(result, points, source, first=0, last=None):
    last = STEP_TOTAL - 1 if last is None else last
    assert result["verdict"] == "matches", result
    assert result["source"] == source
    assert result["points"] == points
    assert result["logged_steps"] == [first, last]
    assert result["max_rel_error"] <= 1e-6
    assert result["first_difference"] is None and result["diagnosis"] is None


def test_the_plain_loop_logs_the_lr_it_steps_with():
    """The loop that writes the runs is the design's exported code, so the design's curve
    is what it logs (a check of the fixture itself)."""
    logged = []
    from real_runs import plain_loop

    plain_loop(lambda step, lr: logged.append(lr))
    schedule = read_schedule_file_from(STEP_DESIGN)
    np.testing.assert_array_equal(logged, compute_curve(schedule))


def read_schedule_file_from(document):
    from designer.core.schedule.fileformat import load_schedule

    return load_schedule(json.dumps(document))


def test_tensorboard_plain_loop_matches(step_design, tensorboard_run):
    result = _checked(step_design, tensorboard_run)
    _assert_matches(result, STEP_TOTAL, "tensorboard")
    assert result["tag"] == "train/lr"
    assert 0 < result["max_rel_error"] < 1e-7  # float32 in the event file


def test_tensorboard_event_file_alone_matches(step_design, tensorboard_run):
    event_file = next(tensorboard_run.glob("events.out.tfevents.*"))
    _assert_matches(_checked(step_design, event_file), STEP_TOTAL, "tensorboard")


def test_csv_plain_loop_matches(step_design, csv_run):
    run = read_run(str(csv_run))
    assert (run.source, run.tag, run.candidates) == ("csv", "lr", ("lr",))
    _assert_matches(_checked(step_design, csv_run), STEP_TOTAL, "csv")


def test_mlflow_plain_loop_matches(step_design, mlflow_run):
    run = read_run(str(mlflow_run))
    assert (run.source, run.tag, run.writer, run.step_offset) == ("mlflow", "lr", "", 0)
    _assert_matches(_checked(step_design, mlflow_run), STEP_TOTAL, "mlflow")
    _assert_matches(_checked(step_design, mlflow_run / "metrics"), STEP_TOTAL, "mlflow")


def test_trainer_state_matches_at_the_newest_checkpoint(step_design, trainer_runs):
    output, _ = trainer_runs
    assert sorted(path.name for path in output.glob("checkpoint-*")) == [
        "checkpoint-20", "checkpoint-40"]
    run = read_run(str(output))
    assert run.path.endswith("checkpoint-40/trainer_state.json")
    assert (run.tag, run.step_offset, run.steps_per_epoch) == ("learning_rate", -1, 4)
    # The Trainer's log says step 1 for the lr of its first optimizer step.
    state = json.loads((output / "checkpoint-40" / "trainer_state.json").read_text())
    assert [entry["step"] for entry in state["log_history"] if "learning_rate" in entry][
        :2] == [1, 2]
    _assert_matches(_checked(step_design, output), STEP_TOTAL, "hf-trainer-state")
    early = _checked(step_design, output / "checkpoint-20")
    _assert_matches(early, 20, "hf-trainer-state", last=19)  # stopped early, matches so far


def test_trainer_tensorboard_callback_matches(step_design, trainer_runs):
    output, _ = trainer_runs
    logs = output / "runs"
    run = read_run(str(logs))
    assert run.tag.endswith("train/learning_rate") and run.writer == "Hugging Face Trainer"
    _assert_matches(_checked(step_design, logs), STEP_TOTAL, "tensorboard")


def test_trainer_mlflow_callback_matches(step_design, trainer_runs):
    _, store = trainer_runs
    run_folder = next(path.parent for path in store.glob("*/*/meta.yaml"))
    run = read_run(str(run_folder))
    assert (run.tag, run.writer) == ("learning_rate", "Hugging Face Trainer")
    _assert_matches(_checked(step_design, run_folder), STEP_TOTAL, "mlflow")


def test_lightning_per_step_matches(step_design, lightning_step_run):
    run = read_run(str(lightning_step_run))
    assert (run.source, run.tag, run.steps_per_epoch) == ("lightning-csv", "lr-SGD", 10)
    _assert_matches(_checked(step_design, lightning_step_run), STEP_TOTAL, "lightning-csv")
    version = lightning_step_run / "lightning_logs" / "version_0"
    for path in (version, version / "metrics.csv"):
        _assert_matches(_checked(step_design, path), STEP_TOTAL, "lightning-csv")


def test_lightning_per_epoch_matches_an_epoch_design(epoch_design, lightning_epoch_run):
    result = _checked(epoch_design, lightning_epoch_run)
    last = (EPOCHS - 1) * BATCHES  # one lr per epoch, logged at the epoch's first batch
    _assert_matches(result, EPOCHS, "lightning-csv", last=last)
    assert result["design_steps"] == EPOCHS * BATCHES


def test_an_epoch_design_without_steps_per_epoch_is_told_the_epoch_length(
        lightning_epoch_run):
    """The same per-epoch log against the design without its batches per epoch: the fix
    is the epoch length, a one-click edit in the window."""
    from real_runs import EPOCH_DESIGN

    document = dict(EPOCH_DESIGN)
    del document["steps_per_epoch"]
    schedule = read_schedule_file_from(document)
    run = read_run(str(lightning_epoch_run))
    result = check_logged(run, compute_curve(schedule), DesignFacts.of(schedule))
    assert result["verdict"] == "differs"
    assert result["diagnosis"]["kind"] == "interval"
    assert result["diagnosis"]["steps_per_epoch"] == BATCHES
    assert "steps per epoch to 5" in result["diagnosis"]["message"]


@pytest.mark.parametrize("key", ["function", "hf", "lightning"])
def test_exported_code_builds_the_scheduler_the_runs_use(key):
    assert callable(exported(STEP_DESIGN, key)["build_scheduler"])
