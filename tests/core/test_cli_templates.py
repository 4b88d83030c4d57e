"""`lr-designer export --to function|lightning|hf` and the CSV's momentum column and summary.

In-process through `designer.cli.main`, plus one run of the real command.
"""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess

import numpy as np
import pytest

from designer.cli import main
from designer.core.curves.engine import compute_curve, compute_curves
from designer.core.curves.summary import summarize
from designer.core.export.templates import render_template
from designer.core.schedule.fileformat import dump_schedule, load_schedule, load_schedule_file
from designer.core.schedule.model import Schedule, ScheduleError


def _design(optimizer: dict, *phases: dict) -> str:
    return json.dumps({"format": "lr-schedule-designer", "version": 1, "optimizer": optimizer,
                       "phases": list(phases)})


ONE_CYCLE = {"scheduler": "OneCycleLR", "steps": 20, "params": {"max_lr": 0.5}}
SGD = {"name": "SGD", "lr": 0.1, "params": {"momentum": 0.9}}


@pytest.fixture
def one_cycle(tmp_path):
    path = tmp_path / "one-cycle.json"
    path.write_text(_design(SGD, ONE_CYCLE), encoding="utf-8")
    return path


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("fmt", ["function", "lightning", "hf"])
def test_export_to_a_template(example_files, capsys, tmp_path, fmt):
    # A SequentialLR design and a per-epoch PhasedLR one (the others are long to step).
    examples = [p for p in example_files if p.stem in ("warmup-stable-decay", "step-exponential")]
    assert len(examples) == 2
    for path in examples:
        assert main(["export", str(path), "--to", fmt]) == 0
        out, err = capsys.readouterr()
        assert err == "" and out == render_template(fmt, load_schedule_file(path))
    target = tmp_path / f"out_{fmt}.py"
    assert main(["export", str(examples[0]), "--to", fmt, "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == render_template(
        fmt, load_schedule_file(examples[0]))


@pytest.mark.parametrize("fmt", ["lightning", "hf"])
def test_framework_templates_refuse_a_simulated_plateau_in_one_line(example_files, capsys,
                                                                    tmp_path, fmt):
    plateau = next(p for p in example_files if p.stem == "finetune-plateau")
    target = tmp_path / "out.py"
    assert main(["export", str(plateau), "--to", fmt, "-o", str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "ReduceLROnPlateau" in err and "scheduler.step(val_loss)" in err
    assert not target.exists()


def test_csv_momentum_column_is_the_engines_momentum(one_cycle, capsys):
    assert main(["export", str(one_cycle), "--to", "csv", "--columns", "lr,momentum"]) == 0
    out, err = capsys.readouterr()
    table = rows(out)
    assert err == "" and table[0] == ["step", "lr", "momentum"]
    curves = compute_curves(load_schedule_file(one_cycle), momentum=True)
    assert [int(r[0]) for r in table[1:]] == list(range(20))
    assert [float(r[1]) for r in table[1:]] == curves.lr.tolist()
    assert [float(r[2]) for r in table[1:]] == curves.momentum.tolist()
    assert [r[2] for r in table[1:]] == [repr(m) for m in curves.momentum.tolist()]
    momenta = [float(r[2]) for r in table[1:]]
    assert min(momenta) == pytest.approx(0.85) and max(momenta) == pytest.approx(0.95)


def test_csv_momentum_is_beta1_for_adam_and_nan_without_either(tmp_path, capsys):
    adam = tmp_path / "adam.json"
    adam.write_text(_design({"name": "Adam", "lr": 0.01, "params": {"betas": [0.8, 0.99]}},
                            ONE_CYCLE), encoding="utf-8")
    assert main(["export", str(adam), "--to", "csv", "--columns", "lr,momentum"]) == 0
    betas = [float(r[2]) for r in rows(capsys.readouterr()[0])[1:]]
    assert betas == compute_curves(load_schedule_file(adam), momentum=True).momentum.tolist()
    assert len(set(betas)) > 2  # OneCycleLR cycles beta1
    adagrad = tmp_path / "adagrad.json"
    adagrad.write_text(_design({"name": "Adagrad", "lr": 0.01},
                               {"scheduler": "StepLR", "steps": 4, "params": {"step_size": 2}}),
                       encoding="utf-8")
    assert main(["export", str(adagrad), "--to", "csv", "--columns", "lr,momentum"]) == 0
    table = rows(capsys.readouterr()[0])
    assert [r[2] for r in table[1:]] == ["nan"] * 4
    assert all(math.isnan(float(r[2])) for r in table[1:])


def test_default_csv_is_unchanged(one_cycle, capsys):
    assert main(["export", str(one_cycle), "--to", "csv"]) == 0
    plain = capsys.readouterr()[0]
    curve = compute_curve(load_schedule_file(one_cycle))
    assert plain == "step,lr\n" + "".join(f"{i},{lr!r}\n" for i, lr in enumerate(curve.tolist()))
    assert main(["export", str(one_cycle), "--to", "csv", "--columns", "lr"]) == 0
    assert capsys.readouterr()[0] == plain


def test_csv_summary_lines_come_first_and_only_when_asked(one_cycle, capsys):
    assert main(["export", str(one_cycle), "--to", "csv", "--summary"]) == 0
    out = capsys.readouterr()[0]
    comments = [line for line in out.splitlines() if line.startswith("#")]
    assert out.splitlines()[:len(comments)] == comments
    facts = dict(line[2:].split(": ", 1) for line in comments)
    schedule = load_schedule_file(one_cycle)
    curve = compute_curve(schedule)
    expected = summarize(schedule, curve)
    assert "epochs" not in facts  # the design has no epoch length
    assert int(facts["total_steps"]) == 20
    assert float(facts["peak"]) == expected.peak == curve.max()
    assert float(facts["area"]) == expected.area == float(curve.sum())
    assert int(facts["peak_step"]) == expected.peak_step
    # Readers that skip comment lines get the plain table.
    table = [row for row in rows(out) if not row[0].startswith("#")]
    assert table[0] == ["step", "lr"] and [float(r[1]) for r in table[1:]] == curve.tolist()
    loaded = np.loadtxt(io.StringIO(out), delimiter=",", skiprows=len(comments) + 1)
    assert np.array_equal(loaded[:, 1], curve)


@pytest.mark.parametrize("argv", [
    ["--to", "json", "--columns", "lr"],
    ["--to", "python", "--columns", "lr,momentum"],
    ["--to", "lightning", "--summary"],
])
def test_csv_options_with_other_formats_are_one_line_errors(one_cycle, capsys, argv):
    assert main(["export", str(one_cycle), *argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "applies to --to csv only" in err


def test_json_export_carries_the_summary_and_still_loads(one_cycle, capsys, tmp_path):
    assert main(["export", str(one_cycle), "--to", "json", "--summary"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    document = json.loads(out)
    schedule = load_schedule_file(one_cycle)
    facts = summarize(schedule, compute_curves(schedule).lr)
    assert document["summary"] == dict(facts.items()) and document["version"] == 3
    assert load_schedule(out) == schedule  # the facts are derived: loading ignores them
    # An empty design's NaN facts are written as null, and such a file loads too.
    empty = tmp_path / "empty.json"
    empty.write_text(dump_schedule(Schedule()), encoding="utf-8")
    assert main(["export", str(empty), "--to", "json", "--summary"]) == 0
    out, _ = capsys.readouterr()
    assert json.loads(out)["summary"]["peak"] is None and load_schedule(out) == Schedule()
    bad = json.loads(out)
    bad["summary"]["peak"] = "high"
    with pytest.raises(ScheduleError) as error:
        load_schedule(json.dumps(bad))
    assert str(error.value) == "summary.peak: must be a number or null"


def test_unknown_columns_and_formats_are_refused(one_cycle, capsys):
    for argv in (["--to", "csv", "--columns", "momentum"], ["--to", "keras"]):
        with pytest.raises(SystemExit) as exit_info:
            main(["export", str(one_cycle), *argv])
        out, err = capsys.readouterr()
        assert exit_info.value.code == 2 and out == "" and err.count("\n") == 1


def test_a_design_torch_refuses_is_not_exported_as_a_template(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(_design({"name": "Adagrad", "lr": 0.1}, ONE_CYCLE), encoding="utf-8")
    assert main(["export", str(path), "--to", "lightning"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert "momentum" in err


def test_real_command_exports_a_template(one_cycle, tmp_path, python, subprocess_env):
    target = tmp_path / "trainer.py"
    done = subprocess.run([python, "-m", "designer", "export", str(one_cycle), "--to", "hf",
                           "-o", str(target)], capture_output=True, text=True,
                          env=subprocess_env, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done.stderr
    assert target.read_text(encoding="utf-8") == render_template(
        "hf", load_schedule_file(one_cycle))
