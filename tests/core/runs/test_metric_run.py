"""A ReduceLROnPlateau phase driven by a logged run's metric (`metric_run`, `metric_tag`).

The run is real: examples/runs/make_plateau_run.py trained a small Lightning 2.6 model on
the CPU with ReduceLROnPlateau(factor=0.5, patience=1) monitoring `val_loss` once per epoch,
logged by CSVLogger and LearningRateMonitor (examples/runs/plateau/metrics.csv). The design
driven by that run's val_loss must preview exactly the lr the run logged."""

from __future__ import annotations

import csv
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from designer.cli import main
from designer.core.curves.engine import compute_curve
from designer.core.curves.phase_curve import phase_key
from designer.core.curves.simulation import metric_points
from designer.core.runs.metric_run import prepare
from designer.core.runs.sources import read_run
from designer.core.safe_io import read_schedule_file
from designer.core.schedule.fileformat import dump_schedule, load_schedule
from designer.core.schedule.metric_source import MetricSource
from designer.core.schedule.model import Phase, Schedule

RUNS = Path(__file__).resolve().parents[3] / "examples" / "runs"
DESIGN = RUNS / "plateau-val-loss.json"
METRICS = RUNS / "plateau" / "metrics.csv"
PER_EPOCH = 4


def logged_rows() -> list[dict[str, str]]:
    with METRICS.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_lightning_logs_val_loss_after_the_epochs_last_step_and_the_lr_at_the_next_epochs_first():
    """The convention the alignment rests on, read from the real run: val_loss at the
    epoch's last optimizer step (e + 1) * n - 1 with epoch e, the lr at e * n."""
    rows = logged_rows()
    val = [(int(r["step"]), int(r["epoch"])) for r in rows if r["val_loss"]]
    lr = [int(r["step"]) for r in rows if r["lr-SGD"]]
    assert val == [((e + 1) * PER_EPOCH - 1, e) for e in range(10)]
    assert lr == [e * PER_EPOCH for e in range(10)]
    assert len({r["lr-SGD"] for r in rows if r["lr-SGD"]}) >= 3  # the lr dropped twice


def test_the_design_driven_by_the_runs_val_loss_previews_exactly_the_logged_lr():
    lr_run = read_run(str(METRICS))  # LearningRateMonitor's lr-SGD, at the epoch's first step
    schedule, warnings = prepare(read_schedule_file(str(DESIGN)), str(DESIGN))
    assert warnings == []
    curve = compute_curve(schedule)
    assert np.array_equal(curve[lr_run.steps // PER_EPOCH], lr_run.lrs)  # bit for bit
    assert list(lr_run.lrs) == [0.4] * 3 + [0.2] * 3 + [0.1] * 4
    # The same run drives a design stepped per batch: evaluations at the logged steps.
    per_step = replace(schedule, interval="step",
                       phases=(replace(schedule.phases[0], steps=40, metric_source=None),))
    per_step, warnings = prepare(per_step, str(DESIGN))
    assert warnings == []
    assert np.array_equal(compute_curve(per_step)[lr_run.steps], lr_run.lrs)


def test_without_the_run_the_phase_falls_back_to_its_synthetic_metric():
    schedule = read_schedule_file(str(DESIGN))
    assert list(compute_curve(schedule)) == [0.4] * 10  # the synthetic metric keeps improving


def plateau(steps: int, **params) -> Phase:
    return Phase("ReduceLROnPlateau", steps, {"factor": 0.5, "patience": 1,
                                              "metric": "1.0", **params})


def test_a_later_phase_takes_the_evaluations_of_its_own_epochs(tmp_path):
    """Phase-relative: epochs 3..9 of the run drive a plateau phase that starts at epoch 3,
    exactly as torch's class stepped with those values from the phase's start."""
    shutil.copy(METRICS, tmp_path / "metrics.csv")
    schedule = Schedule((Phase("ConstantLR", 3, {"factor": 1.0}),
                         plateau(7, metric_run="metrics.csv", metric_tag="val_loss")),
                        interval="epoch", steps_per_epoch=PER_EPOCH)
    design = tmp_path / "design.json"
    prepared, warnings = prepare(schedule, str(design))
    assert warnings == []
    values = [float(r["val_loss"]) for r in logged_rows() if r["val_loss"]]
    assert prepared.phases[1].metric_source.steps == tuple(range(7))
    assert prepared.phases[1].metric_source.values == tuple(values[3:])
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    torch_plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5,
                                                               patience=1)
    expected = []
    for value in values[3:]:
        expected.append(optimizer.param_groups[0]["lr"])
        torch_plateau.step(value)
    assert list(compute_curve(prepared)[3:]) == expected


def test_the_runs_epoch_length_serves_when_the_design_has_none():
    schedule = replace(read_schedule_file(str(DESIGN)), steps_per_epoch=None)
    prepared, warnings = prepare(schedule, str(DESIGN))
    assert warnings == [] and prepared.phases[0].metric_source is not None


@pytest.mark.parametrize(("params", "words"), [
    ({"metric_run": "missing/metrics.csv"}, "cannot read it"),
    ({"metric_run": "plateau/metrics.csv", "metric_tag": "val_acc"},
     "no series 'val_acc' (series: epoch, lr-SGD, train_loss, val_loss)"),
    ({"metric_run": "plateau/metrics.csv", "metric_tag": ""}, "metric_tag is empty"),
    ({"metric_run": "plateau-val-loss.json"}, "not a run"),
])
def test_a_run_that_cannot_drive_the_phase_is_a_warning_and_the_synthetic_metric(params, words):
    schedule = Schedule((plateau(10, metric="0.5 + 0.5 * exp(-step / 3)", **params),),
                        interval="epoch", steps_per_epoch=PER_EPOCH)
    prepared, warnings = prepare(schedule, str(DESIGN))
    assert len(warnings) == 1 and warnings[0].startswith("phases[0].params.metric_run: ")
    assert words in warnings[0] and warnings[0].endswith("the phase uses its synthetic metric")
    assert prepared is schedule


def test_a_phase_the_run_never_evaluated_in_is_a_warning():
    schedule = Schedule((Phase("ConstantLR", 20, {"factor": 1.0}),
                         plateau(5, metric_run=str(METRICS), metric_tag="val_loss")),
                        interval="epoch", steps_per_epoch=PER_EPOCH)
    _, warnings = prepare(schedule, None)
    assert "no evaluation of 'val_loss' falls within the phase (epochs 20 to 24; the run " \
           "evaluated at epochs 0 to 9)" in warnings[0]


def test_the_curve_caches_key_on_the_runs_values():
    phase = plateau(10)
    one = MetricSource.of("csv: val_loss", [0, 1], [0.5, 0.4])
    same = MetricSource.of("csv: val_loss", [0, 1], [0.5, 0.4])
    other = MetricSource.of("csv: val_loss", [0, 1], [0.5, 0.6])
    keys = [phase_key(replace(phase, metric_source=source), Schedule().optimizer, (0.1,), False)
            for source in (None, one, same, other)]
    assert keys[1] == keys[2] and len(set(keys)) == 3
    assert replace(phase, metric_source=one) == replace(phase, metric_source=same)
    assert replace(phase, metric_source=one) != replace(phase, metric_source=other)


def test_the_plot_shows_the_runs_values_within_the_phase():
    source = MetricSource.of("csv: val_loss", [1, 3, 12], [0.5, 0.4, 0.3])
    steps, values = metric_points(replace(plateau(10), metric_source=source))
    assert list(steps) == [1, 3] and list(values) == [0.5, 0.4]


def test_the_file_keeps_the_runs_path_as_written():
    schedule = read_schedule_file(str(DESIGN))
    again = load_schedule(dump_schedule(schedule))
    assert again.phases[0].params["metric_run"] == "plateau/metrics.csv"
    assert again.phases[0].params["metric_tag"] == "val_loss"


def test_the_command_line_exports_the_run_driven_curve_and_warns_on_stderr(capsys, tmp_path):
    assert main(["export", str(DESIGN), "--to", "csv"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert [float(line.split(",")[1]) for line in out.splitlines()[1:]] == \
        [0.4] * 3 + [0.2] * 3 + [0.1] * 4
    moved = tmp_path / "design.json"
    shutil.copy(DESIGN, moved)  # its run is not beside it
    assert main(["validate", str(moved)]) == 0
    out, err = capsys.readouterr()
    assert out == "ok\n"
    assert err == (f"{moved}: warning: phases[0].params.metric_run: "
                   f"{tmp_path / 'plateau' / 'metrics.csv'}: cannot read it: No such file or "
                   "directory; the phase uses its synthetic metric\n")


@pytest.mark.parametrize(("value", "message"), [
    (3, "phases[0].params.metric_run: must be a file or folder path as text"),
    ("a\nb", ("phases[0].params.metric_run: must be a file or folder path as text on one "
             "line of at most 4,096 characters")),
])
def test_a_file_with_a_bad_run_path_names_the_field(value, message):
    import json

    document = json.loads(DESIGN.read_text(encoding="utf-8"))
    document["phases"][0]["params"]["metric_run"] = value
    with pytest.raises(ValueError) as caught:
        load_schedule(json.dumps(document))
    assert str(caught.value) == message


def test_the_exported_code_says_so_and_steps_the_synthetic_fallback():
    """The code cannot embed the run: it has the real ReduceLROnPlateau, says where the
    preview's metric came from, and its demo steps the synthetic metric, so its curve is
    the design's without the run (the exactness tests of the export cover that curve)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from test_export import run_exported

    from designer.core.export.python_module import export_python

    schedule = read_schedule_file(str(DESIGN))
    prepared, _ = prepare(schedule, str(DESIGN))
    source = export_python(prepared)
    assert "lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=1)" in source
    assert "val_loss logged in\nplateau/metrics.csv" in source
    assert "the code cannot\nembed a run: pass your real metric" in source
    assert run_exported(source)[0].tolist() == compute_curve(schedule).tolist() == [0.4] * 10


def test_a_design_with_a_logged_metric_is_saved_as_version_5():
    """A version 4 reader refuses the two params as unknown."""
    import json

    schedule = read_schedule_file(str(DESIGN))
    assert json.loads(dump_schedule(schedule))["version"] == 5
    plain = replace(schedule, phases=(replace(schedule.phases[0], params={
        k: v for k, v in schedule.phases[0].params.items() if not k.startswith("metric_")}),))
    assert json.loads(dump_schedule(plain))["version"] == 1
