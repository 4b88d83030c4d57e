"""A ReduceLROnPlateau phase driven by a real Hugging Face Trainer run's `eval_loss`.

The run is real: examples/runs/make_hf_plateau_run.py trained a 161-parameter model on the
CPU with transformers 5.25's Trainer, `lr_scheduler_type="reduce_lr_on_plateau"` (factor 0.5,
patience 2), evaluating every 4 of its 42 optimizer steps (6 per epoch) and at the start,
logging the lr at every step (examples/runs/hf-plateau/trainer_state.json). The generator
checked, against a record of what the Trainer did, that the log at `step` s holds the lr
optimizer step s used and that each evaluation (but the one before training) steps the
scheduler with its logged value right after its step. The design the importer builds for
those settings, driven by that run, must preview the logged lr at every step, bit for bit.
These tests import no transformers: they read the committed file.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from designer.cli import main
from designer.core.curves.engine import compute_curve
from designer.core.importing.hf import import_hf
from designer.core.runs.metric_run import prepare
from designer.core.safe_io import read_schedule_file
from designer.core.schedule.fileformat import load_schedule_file
from designer.core.schedule.model import ScheduleError

RUNS = Path(__file__).resolve().parents[3] / "examples" / "runs"
RUN = RUNS / "hf-plateau"
DESIGN = RUNS / "hf-plateau-eval-loss.json"
SETTINGS = {"factor": 0.5, "patience": 2}  # the run's lr_scheduler_kwargs
LR, STEPS, PER_EPOCH = 0.05, 42, 6


def log_history(folder: Path = RUN) -> list[dict]:
    return json.loads((folder / "trainer_state.json").read_text(encoding="utf-8"))[
        "log_history"]


def logged(key: str) -> tuple[np.ndarray, np.ndarray]:
    """(Trainer's `step`, value) of every log entry holding `key`."""
    entries = [entry for entry in log_history() if key in entry]
    return (np.array([entry["step"] for entry in entries]),
            np.array([entry[key] for entry in entries]))


def test_the_trainer_logs_each_steps_lr_and_changes_it_only_after_an_evaluation():
    """The facts the alignment rests on, read from the real run: the lr at `step` 1..42
    (every optimizer step, counted from 1), eval_loss at step 0 (eval_on_start) and every
    4th step, and the lr changing first at the step after an evaluation."""
    steps, lrs = logged("learning_rate")
    evaluated, _ = logged("eval_loss")
    assert list(steps) == list(range(1, STEPS + 1))
    assert list(evaluated) == [0, *range(4, STEPS, 4), STEPS]
    changed = [int(step) for step, before, after in zip(steps[1:], lrs, lrs[1:])
               if after != before]
    assert changed == [21, 33] and all(step - 1 in evaluated for step in changed)
    assert sorted(set(lrs), reverse=True) == [0.05, 0.025, 0.0125]


def test_torch_stepped_as_the_trainer_steps_it_gives_the_logged_lr():
    """Independently of the designer: torch's class, stepped after global step k with the
    eval_loss logged at k (not the one before training), used the lr logged at k + 1."""
    _, lrs = logged("learning_rate")
    evaluations = dict(zip(*(array.tolist() for array in logged("eval_loss"))))
    optimizer = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=LR)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **SETTINGS)
    used = []
    for global_step in range(1, STEPS + 1):
        used.append(optimizer.param_groups[0]["lr"])  # optimizer step `global_step`
        if global_step in evaluations:
            plateau.step(evaluations[global_step])
    assert np.array_equal(np.array(used), lrs)


def test_the_design_previews_the_logged_lr_at_every_step_bit_for_bit(capsys):
    """The Trainer's `step` s is the design's step s - 1 (its reader's offset)."""
    steps, lrs = logged("learning_rate")
    schedule, warnings = prepare(read_schedule_file(str(DESIGN)), str(DESIGN))
    assert warnings == []
    assert schedule.phases[0].metric_source.steps == (3, 7, 11, 15, 19, 23, 27, 31, 35, 39,
                                                      41)  # eval_on_start's -1 left out
    curve = compute_curve(schedule)
    assert len(curve) == STEPS and np.array_equal(curve[steps - 1], lrs)
    # The command line's preview: the CSV's reprs are the same floats.
    assert main(["export", str(DESIGN), "--to", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "step,lr"
    exported = np.array([float(row.split(",")[1]) for row in rows[1:]])
    assert np.array_equal(exported[steps - 1], lrs)


def test_without_the_run_the_phase_simulates_its_metric():
    assert set(compute_curve(read_schedule_file(str(DESIGN)))) == {LR}


def test_the_importers_phase_with_the_run_gives_the_same_curve(tmp_path, capsys):
    """`lr-designer import --hf reduce_lr_on_plateau` with the run's settings: eval_loss
    (Trainer's metric for metric_for_best_model "loss") without being told."""
    out = tmp_path / "imported.json"
    assert main(["import", "--hf", "reduce_lr_on_plateau", "--total-steps", str(STEPS),
                 "--lr", str(LR), "--extra", "factor=0.5", "--extra", "patience=2",
                 "--extra", "eval_every=4", "--extra", f"metric_run={RUN}", "-o",
                 str(out)]) == 0
    imported = load_schedule_file(str(out))
    assert imported.phases[0].param_value("metric_tag") == "eval_loss"
    expected = compute_curve(prepare(read_schedule_file(str(DESIGN)), str(DESIGN))[0])
    prepared, warnings = prepare(imported, str(out))
    assert warnings == [] and np.array_equal(compute_curve(prepared), expected)
    # The core API, with the Trainer's metric_for_best_model spelt out.
    design = import_hf("reduce_lr_on_plateau", 0, STEPS, LR, metric_run=str(RUN),
                       metric_for_best_model="loss", **SETTINGS)
    assert design.name.endswith("(42 steps, eval_loss of a logged run)")
    prepared, warnings = prepare(design, None)
    assert warnings == [] and np.array_equal(compute_curve(prepared), expected)


@pytest.mark.parametrize(("extra", "tag"), [
    ({}, "eval_loss"),
    ({"metric_for_best_model": "accuracy"}, "eval_accuracy"),
    ({"metric_for_best_model": "eval_f1"}, "eval_f1"),
    ({"metric_for_best_model": None}, "eval_loss"),  # TrainingArguments' None: "loss"
    ({"metric_for_best_model": "accuracy", "metric_tag": "eval/accuracy"}, "eval/accuracy"),
])
def test_the_importer_monitors_the_series_trainer_steps_the_plateau_with(extra, tag):
    [phase] = import_hf("reduce_lr_on_plateau", 0, 100, LR, **extra).phases
    assert phase.param_value("metric_tag") == tag


def test_metric_for_best_model_is_the_trainers_and_only_the_plateaus():
    with pytest.raises(ScheduleError, match=r"^extra\.metric_for_best_model: must be"):
        import_hf("reduce_lr_on_plateau", 0, 100, LR, metric_for_best_model=" ")
    with pytest.raises(ScheduleError, match=r"^extra\.metric_for_best_model: not a param"):
        import_hf("cosine", 0, 100, LR, metric_for_best_model="loss")


def test_a_design_stepped_per_epoch_cannot_follow_evaluations_within_an_epoch():
    """The Trainer steps the plateau after every evaluation; an epoch design steps once per
    epoch, so this run (evaluated every 4 of 6 steps) is a warning, not a wrong curve."""
    schedule = read_schedule_file(str(DESIGN))
    per_epoch = replace(schedule, interval="epoch", steps_per_epoch=PER_EPOCH,
                        phases=(replace(schedule.phases[0], steps=STEPS // PER_EPOCH),))
    prepared, warnings = prepare(per_epoch, str(DESIGN))
    assert prepared is per_epoch and len(warnings) == 1
    assert warnings[0].startswith("phases[0].params.metric_run: ")
    assert ("the Trainer stepped ReduceLROnPlateau after every evaluation, also within an "
            "epoch (after global step 4, of 6 per epoch), and a design stepped per epoch "
            "cannot: set the design's interval to step; the phase uses its synthetic "
            "metric") in warnings[0]


def test_a_trainer_run_evaluated_at_epochs_ends_drives_an_epoch_design(tmp_path):
    """The run's log with only its evaluations at an epoch's end (global step (e + 1) * 6,
    where eval_strategy="epoch" logs them: steps 12, 24, 36, 42): each steps the epoch
    design after epoch e."""
    history = [entry for entry in log_history()
               if "eval_loss" not in entry or entry["step"] % PER_EPOCH == 0]
    (tmp_path / "hf-plateau").mkdir()  # where the design's metric_run points
    (tmp_path / "hf-plateau" / "trainer_state.json").write_text(
        json.dumps({"log_history": history}), encoding="utf-8")
    shutil.copy(DESIGN, tmp_path / "design.json")
    schedule = replace(read_schedule_file(str(tmp_path / "design.json")), interval="epoch",
                       steps_per_epoch=PER_EPOCH)
    schedule = replace(schedule, phases=(replace(schedule.phases[0], steps=7),))
    prepared, warnings = prepare(schedule, str(tmp_path / "design.json"))
    evaluations = [entry["eval_loss"] for entry in history
                   if "eval_loss" in entry and entry["step"] > 0]
    assert warnings == []
    assert prepared.phases[0].metric_source.steps == (1, 3, 5, 6)
    assert prepared.phases[0].metric_source.values == tuple(evaluations)
