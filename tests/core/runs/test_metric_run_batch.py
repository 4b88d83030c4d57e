"""A ReduceLROnPlateau that Lightning steps per batch ("interval": "step"), on its val_loss.

The runs are real: examples/runs/make_plateau_run.py --per-batch trained a small Lightning
2.6 model on the CPU, 3 epochs of 12 batches, validating every 5 batches
(val_check_interval=5), with ReduceLROnPlateau(factor=0.5, patience=2) monitoring val_loss
per batch: "frequency": 1 and "strict": False in examples/runs/plateau-batch, "frequency": 5
in plateau-batch5; LearningRateMonitor(logging_interval="step") logged the lr of every
step. A design whose `metric_steps` is "every" must preview exactly that lr."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from designer.cli import main
from designer.core.curves.engine import compute_curve
from designer.core.curves.phase_curve import phase_key
from designer.core.runs.metric_run import FALLBACK, prepare
from designer.core.runs.sources import read_run
from designer.core.safe_io import read_schedule_file
from designer.core.schedule.fileformat import dump_schedule, load_schedule
from designer.core.schedule.metric_source import MetricSource
from designer.core.schedule.model import Phase, Schedule
from designer.core.schedule.training import TrainingSetup

RUNS = Path(__file__).resolve().parents[3] / "examples" / "runs"
DESIGN = RUNS / "plateau-batch-val-loss.json"
EVERY_BATCH = RUNS / "plateau-batch" / "metrics.csv"
EVERY_5TH = RUNS / "plateau-batch5" / "metrics.csv"
PER_EPOCH, STEPS = 12, 36
VALIDATED = [4, 9, 16, 21, 28, 33]  # the 5th and 10th batch of each epoch


def logged(path: Path, column: str) -> tuple[list[int], list[float]]:
    with path.open(newline="", encoding="utf-8") as stream:
        rows = [row for row in csv.DictReader(stream) if row[column]]
    return [int(row["step"]) for row in rows], [float(row[column]) for row in rows]


def lightning_loop(values: list[float], frequency: int) -> list[float]:
    """What Lightning did, as measured (loops/training_epoch_loop.py): after every batch
    whose index in its epoch + 1 is divisible by `frequency`, scheduler.step(the last
    val_loss), none before the first validation."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.4)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=2)
    lrs, latest = [], None
    for step in range(STEPS):
        lrs.append(optimizer.param_groups[0]["lr"])
        if step in VALIDATED:
            latest = values[VALIDATED.index(step)]
        if latest is not None and (step % PER_EPOCH + 1) % frequency == 0:
            plateau.step(latest)
    return lrs


@pytest.mark.parametrize(("run", "frequency"), [(EVERY_BATCH, 1), (EVERY_5TH, 5)])
def test_lightning_steps_a_per_batch_plateau_with_the_last_val_loss_it_has(run, frequency):
    """The facts the held clock rests on, read from the real runs: val_loss at the steps
    validation followed, the lr at every step, and that lr is the loop above."""
    val_steps, values = logged(run, "val_loss")
    lr_steps, lrs = logged(run, "lr-SGD")
    assert val_steps == VALIDATED and lr_steps == list(range(STEPS))
    assert lrs == lightning_loop(values, frequency)
    drops = [step for step in range(1, STEPS) if lrs[step] < lrs[step - 1]]
    if frequency == 1:  # patience counts batches: drops between validations
        assert drops == [8, 13, 16, 19, 22, 25, 28, 31, 34]
    else:  # after batch 5 of epoch 2 (step 28), not after the 30th batch
        assert drops == [29]


def per_step_design(run: Path, frequency: int) -> Schedule:
    schedule = read_schedule_file(str(DESIGN))
    params = {**schedule.phases[0].params, "metric_run": str(run), "eval_every": frequency}
    return replace(schedule, phases=(replace(schedule.phases[0], params=params),))


@pytest.mark.parametrize(("run", "frequency"), [(EVERY_BATCH, 1), (EVERY_5TH, 5)])
def test_the_design_previews_exactly_the_lr_lightning_logged_at_every_step(run, frequency):
    lr_run = read_run(str(run))
    assert list(lr_run.steps) == list(range(STEPS))
    schedule, warnings = prepare(per_step_design(run, frequency), str(DESIGN))
    assert warnings == []
    assert np.array_equal(compute_curve(schedule), lr_run.lrs)  # bit for bit


def test_the_example_design_reads_the_run_beside_it_and_the_command_line_exports_it(capsys):
    assert main(["export", str(DESIGN), "--to", "csv"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    preview = [float(line.split(",")[1]) for line in out.splitlines()[1:]]
    assert preview == logged(EVERY_BATCH, "lr-SGD")[1]


def test_stepped_only_where_it_evaluated_the_preview_is_not_lightnings():
    """metric_steps "evaluated" (the Trainer's way, and a loop's) steps the scheduler six
    times: the lr halves once, where Lightning's halved nine times."""
    schedule = per_step_design(EVERY_BATCH, 1)
    params = {**schedule.phases[0].params, "metric_steps": "evaluated"}
    schedule = replace(schedule, phases=(replace(schedule.phases[0], params=params),))
    prepared, warnings = prepare(schedule, str(DESIGN))
    assert warnings == [] and prepared.phases[0].metric_source.every == 0
    curve = compute_curve(prepared)
    assert sorted(set(curve)) == [0.2, 0.4]
    assert not np.array_equal(curve, read_run(str(EVERY_BATCH)).lrs)


def test_the_held_clock_counts_from_each_epochs_first_step_and_the_phases_place():
    source = MetricSource.of("csv: val_loss", [4, 9, 16], [3.0, 2.0, 1.0],
                             every=5, cycle=12, start=0)
    assert list(source.stepped(36)) == [(4, 3.0), (9, 2.0), (16, 1.0), (21, 1.0), (28, 1.0),
                                        (33, 1.0)]
    assert list(MetricSource.of("x", [2], [1.0], every=1).stepped(5)) == \
        [(2, 1.0), (3, 1.0), (4, 1.0)]
    # A phase from step 10 of the count: the 5th and 10th batches of the next epochs.
    later = MetricSource.of("x", [0], [1.0], every=5, cycle=12, start=10)
    assert [step for step, _ in later.stepped(20)] == [6, 11, 18]  # 16, 21, 28 of the count
    unbounded = MetricSource.of("x", [0], [1.0], every=3, start=1)
    assert [step for step, _ in unbounded.stepped(9)] == [1, 4, 7]  # (1 + step + 1) % 3
    assert list(MetricSource.of("x", [1, 3], [1.0, 2.0]).stepped(3)) == [(1, 1.0)]


def test_an_epoch_design_steps_every_epoch_with_the_last_value(tmp_path):
    """Lightning's "interval": "epoch" with validation every 2nd epoch
    (check_val_every_n_epoch=2, measured): the scheduler steps after every epoch from the
    first validation on, with the last val_loss."""
    rows = ["step,val_loss"] + [f"{(e + 1) * 4 - 1},{v}" for e, v in ((1, 1.0), (3, 1.1))]
    (tmp_path / "run.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    phase = Phase("ReduceLROnPlateau", 6, {"factor": 0.5, "patience": 1, "metric": "1",
                                           "metric_run": "run.csv", "metric_tag": "val_loss",
                                           "metric_steps": "every"})
    schedule = Schedule((phase,), interval="epoch", steps_per_epoch=4)
    prepared, warnings = prepare(schedule, str(tmp_path / "design.json"))
    assert warnings == []
    assert list(prepared.phases[0].metric_source.stepped(6)) == \
        [(1, 1.0), (2, 1.0), (3, 1.1), (4, 1.1), (5, 1.1)]
    assert list(compute_curve(prepared)) == [0.1] * 4 + [0.05] * 2  # 1.1 twice: patience 1
    evaluated = replace(phase, params={**phase.params, "metric_steps": "evaluated"})
    prepared, _ = prepare(replace(schedule, phases=(evaluated,)), str(tmp_path / "x.json"))
    assert list(compute_curve(prepared)) == [0.1] * 6  # stepped after epochs 1 and 3 only


COUNTS = "Lightning counts a step scheduler's frequency (eval_every) in batches"


@pytest.mark.parametrize(("training", "words"), [
    (None, (f"{COUNTS} from each epoch's first, and neither the design (steps_per_epoch) "
            "nor the run says how many steps an epoch has")),
    (TrainingSetup(96, 4, accumulation=2, epochs=6),
     f"{COUNTS}, and each step of the design accumulates 2 batches"),
])
def test_a_clock_the_design_cannot_follow_is_a_warning_naming_eval_every(
        tmp_path, training, words):
    (tmp_path / "run.csv").write_text("step,val_loss\n4,1.0\n9,0.9\n", encoding="utf-8")
    phase = Phase("ReduceLROnPlateau", 36, {"metric": "1", "eval_every": 5,
                                            "metric_run": "run.csv", "metric_tag": "val_loss",
                                            "metric_steps": "every"})
    schedule = Schedule((phase,), interval="step", training=training)
    prepared, warnings = prepare(schedule, str(tmp_path / "design.json"))
    assert prepared is schedule  # the synthetic metric
    run = tmp_path / "run.csv"
    assert warnings == [f"phases[0].params.eval_every: {run}: {words}; {FALLBACK}"]


def test_the_clock_is_part_of_the_curve_caches_key():
    phase = Phase("ReduceLROnPlateau", 36, {"metric": "1"})
    sources = [MetricSource.of("x", [4], [1.0]), MetricSource.of("x", [4], [1.0], every=1),
               MetricSource.of("x", [4], [1.0], every=5, cycle=12)]
    keys = {phase_key(replace(phase, metric_source=source), Schedule().optimizer, (0.1,),
                      False) for source in sources}
    assert len(keys) == 3


def test_metric_steps_is_saved_as_version_5_and_checked():
    import json

    schedule = read_schedule_file(str(DESIGN))
    text = dump_schedule(schedule)
    assert json.loads(text)["version"] == 5
    assert load_schedule(text).phases[0].params["metric_steps"] == "every"
    document = json.loads(text)
    document["phases"][0]["params"]["metric_steps"] = "always"
    with pytest.raises(ValueError) as caught:
        load_schedule(json.dumps(document))
    assert str(caught.value) == ("phases[0].params.metric_steps: must be one of 'evaluated', "
                                 "'every'")


@pytest.mark.parametrize(("frequency", "when"), [
    (1, "after every batch"), (5, "after batches 5, 10, ... of each epoch")])
def test_the_exported_code_says_to_step_with_the_last_metric_on_lightnings_clock(
        frequency, when):
    from designer.core.export.python_module import export_python

    prepared, _ = prepare(per_step_design(EVERY_BATCH, frequency), str(DESIGN))
    text = " ".join(export_python(prepared).split())
    assert (f"Call scheduler.step(val_loss) {when} with the last validation metric "
            f"(ReduceLROnPlateau, as Lightning's monitor, frequency {frequency}).") in text
