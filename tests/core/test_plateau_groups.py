"""ReduceLROnPlateau phases (stepped with a synthetic metric) and param groups, each checked
against a plain torch loop written out here, and through the file format and the export."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler

from designer.cli import main
from designer.core.curves.engine import compute_curve, compute_curves
from designer.core.export.python_module import export_python, sequential_lr_obstacles
from designer.core.schedule.fileformat import dump_schedule, load_schedule
from designer.core.schedule.model import (
    CONTINUE,
    OptimizerConfig,
    ParamGroup,
    Phase,
    Schedule,
    new_phase,
)

SGD = OptimizerConfig("SGD", 0.1, {"momentum": 0.9})
GROUPS = (ParamGroup("backbone", lr=0.01), ParamGroup("head", lr_scale=3.0))


def plateau_by_hand(lrs: list[float], steps: int, metric, every: int = 1, noise: float = 0.0,
                    seed: int = 0, **kwargs) -> np.ndarray:
    """The training loop a user writes: validate every `every` steps, step with the loss."""
    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs]
    optimizer = torch.optim.SGD(groups, lr=lrs[0], momentum=0.9)
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, **kwargs)
    rng = random.Random(seed)
    recorded = []
    for step in range(steps):
        recorded.append([group["lr"] for group in optimizer.param_groups])
        optimizer.step()
        if (step + 1) % every == 0:
            scheduler.step(metric(step) + noise * rng.gauss(0.0, 1.0))
    return np.asarray(recorded).T


@pytest.mark.parametrize(("params", "metric", "kwargs"), [
    ({"metric": "1"}, lambda step: 1, {}),
    ({"metric": "1", "patience": 2, "factor": 0.5}, lambda step: 1,
     {"patience": 2, "factor": 0.5}),
    ({"metric": "step % 7", "mode": "max", "patience": 1, "cooldown": 2},
     lambda step: step % 7, {"mode": "max", "patience": 1, "cooldown": 2}),
    ({"metric": "0.5 + 2 * exp(-step / 20)", "threshold": 0.01, "threshold_mode": "abs",
      "min_lr": 0.001, "eval_every": 3, "patience": 0},
     lambda step: 0.5 + 2 * math.exp(-step / 20),
     {"threshold": 0.01, "threshold_mode": "abs", "min_lr": 0.001, "patience": 0}),
    ({"metric": "1 / (1 + step)", "metric_noise": 0.05, "noise_seed": 42, "eval_every": 2,
      "patience": 1}, lambda step: 1 / (1 + step), {"patience": 1}),
])
def test_plateau_phase_equals_a_training_loop_that_validates(params, metric, kwargs):
    every = params.get("eval_every", 1)
    noise, seed = params.get("metric_noise", 0.0), params.get("noise_seed", 0)
    design = Schedule((Phase("ReduceLROnPlateau", 80, params),), SGD)
    expected = plateau_by_hand([0.1], 80, metric, every, noise, seed, **kwargs)
    assert np.array_equal(compute_curve(design), expected[0])
    assert len(np.unique(expected[0])) > 1  # the lr really is reduced


def test_noise_is_seeded_and_changes_the_curve():
    phase = Phase("ReduceLROnPlateau", 300, {"metric": "1 / (1 + step / 50)",
                                             "metric_noise": 0.01, "patience": 3})
    curves = [compute_curve(Schedule((phase.with_param("noise_seed", seed),), SGD))
              for seed in (0, 0, 1)]
    assert np.array_equal(curves[0], curves[1])
    assert not np.array_equal(curves[0], curves[2])


def test_param_groups_equal_torch_with_per_group_values_and_starts():
    design = Schedule((
        Phase("LinearLR", 10, {"start_factor": 0.1}),
        Phase("OneCycleLR", 30, {"max_lr": (0.05, 0.5)}),
        Phase("ExponentialLR", 10, {"gamma": 0.9}, CONTINUE),
        Phase("StepLR", 10, {"step_size": 3}, 0.2),
    ), SGD, param_groups=GROUPS)
    assert design.base_lrs() == (0.01, 0.1 * 3.0)
    lrs = compute_curves(design).group_lrs()
    assert lrs.shape == (2, 60)

    def run(lrs_at_start, make, steps):
        groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr}
                  for lr in lrs_at_start]
        optimizer = torch.optim.SGD(groups, lr=lrs_at_start[0], momentum=0.9)
        scheduler = make(optimizer)
        optimizer.step()
        out = []
        for _ in range(steps):
            out.append([group["lr"] for group in optimizer.param_groups])
            scheduler.step()
        return np.asarray(out).T

    base = list(design.base_lrs())
    warm = run(base, lambda o: lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=10), 10)
    cycle = run(base, lambda o: lr_scheduler.OneCycleLR(o, max_lr=[0.05, 0.5],
                                                        total_steps=30), 30)
    decay = run(list(cycle[:, -1]), lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9), 10)
    # An explicit start lr is the first group's; the others keep their ratio to it.
    step = run([0.2, 0.2 * (base[1] / base[0])], lambda o: lr_scheduler.StepLR(o, step_size=3), 10)
    assert np.array_equal(lrs, np.hstack([warm, cycle, decay, step]))


def test_groups_and_plateau_round_trip_the_file_as_version_3():
    design = Schedule((Phase("OneCycleLR", 20, {"max_lr": (0.05, 0.5)}),
                       Phase("ReduceLROnPlateau", 30, {"metric": "1", "min_lr": (0, 0.001)},
                             CONTINUE)), SGD, param_groups=GROUPS)
    text = dump_schedule(design)
    document = json.loads(text)
    assert document["version"] == 3
    assert document["param_groups"] == [{"name": "backbone", "lr": 0.01},
                                        {"name": "head", "lr_scale": 3.0}]
    assert document["phases"][0]["params"]["max_lr"] == [0.05, 0.5]
    assert load_schedule(text) == design
    # A plateau phase alone needs no new version: older files hold it.
    alone = Schedule((Phase("ReduceLROnPlateau", 30, {"metric": "1"}),), SGD)
    assert json.loads(dump_schedule(alone))["version"] == 1


def test_editing_groups_keeps_per_group_values_by_name():
    design = Schedule((Phase("OneCycleLR", 20, {"max_lr": (0.05, 0.5)}),), SGD,
                      param_groups=GROUPS)
    renamed = design.with_param_groups((ParamGroup("trunk", lr=0.01), GROUPS[1]))
    assert renamed.phases[0].params["max_lr"] == (0.05, 0.5)
    swapped = design.with_param_groups((GROUPS[1], GROUPS[0]))
    assert swapped.phases[0].params["max_lr"] == (0.5, 0.05)
    added = design.with_param_groups((*GROUPS, ParamGroup("norm", lr_scale=0.1)))
    assert added.phases[0].params["max_lr"] == (0.05, 0.5, 0.05)
    single = design.with_param_groups((GROUPS[1],))
    assert single.phases[0].params["max_lr"] == 0.5  # one value again
    assert compute_curve(single)[0] == pytest.approx(0.5 / 25)


def test_single_plateau_exports_the_real_class_and_where_to_step_it():
    design = Schedule((Phase("ReduceLROnPlateau", 40, {"metric": "1", "patience": 2,
                                                       "eval_every": 4}),), SGD)
    source = export_python(design)
    assert "    return lr_scheduler.ReduceLROnPlateau(optimizer, patience=2)\n" in source
    assert "Call scheduler.step(val_loss) after each evaluation" in source
    assert "eval_every" not in source and "metric=" not in source
    assert "            scheduler.step(val_loss)\n" in source


def test_plateau_among_phases_takes_the_phased_helper_with_the_reason():
    design = Schedule((Phase("LinearLR", 5, {"start_factor": 0.1}),
                       Phase("ReduceLROnPlateau", 40, {"metric": "1"})), SGD)
    reasons = sequential_lr_obstacles(design)
    assert any("validation metric" in reason for reason in reasons)
    source = export_python(design)
    assert "def step(self, metrics=None):" in source
    assert "scheduler.step(simulated_val_loss(step))" in source


def test_exported_module_with_groups_and_plateau_prints_the_csv(tmp_path, capsys):
    design = Schedule((Phase("LinearLR", 5, {"start_factor": 0.1}),
                       Phase("ReduceLROnPlateau", 60, {"metric": "1 / (1 + step)",
                                                       "metric_noise": 0.02, "eval_every": 3,
                                                       "patience": 1}, CONTINUE),
                       Phase("OneCycleLR", 20, {"max_lr": (0.05, 0.5)})),
                      SGD, param_groups=GROUPS)
    path = tmp_path / "design.json"
    path.write_text(dump_schedule(design), encoding="utf-8")
    assert main(["export", str(path), "--to", "csv"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0] == "step,lr_backbone,lr_head"
    module = tmp_path / "design.py"
    assert main(["export", str(path), "--to", "python", "-o", str(module)]) == 0
    ran = subprocess.run([sys.executable, str(module)], capture_output=True, text=True,
                         timeout=120, check=True)
    assert ran.stdout.splitlines() == [row.split(",", 1)[1].replace(",", ", ")
                                       for row in table[1:]]
    assert "PARAM_GROUPS = {\n    'backbone': 0.01,\n    'head': 0.30000000000000004,  # 3.0 ×" \
        in module.read_text(encoding="utf-8")


def test_a_new_plateau_phase_steps_and_is_a_simulation():
    phase = new_phase("ReduceLROnPlateau", 2000)
    design = Schedule((phase,), SGD)
    assert design.uses_simulation() and phase.spec.simulated
    curve = compute_curve(design)
    assert curve[0] == 0.1 and curve[-1] < 0.1
    # The metric is scaled to the phase: the lr holds while the loss falls, then drops.
    assert np.flatnonzero(np.diff(curve))[0] + 1 > 1000


def test_the_plotted_metric_is_the_one_the_engine_steps_with():
    from designer.core.curves.simulation import metric_points

    phase = Phase("ReduceLROnPlateau", 90, {"metric": "1 / (1 + step)", "metric_noise": 0.05,
                                            "noise_seed": 3, "eval_every": 4, "patience": 1})
    steps, values = metric_points(phase)
    assert steps.tolist() == list(range(3, 90, 4))
    # Stepping torch's class by hand with exactly these values gives the engine's curve.
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=1)
    evaluations = dict(zip(steps.astype(int).tolist(), values.tolist()))
    expected = []
    for step in range(90):
        expected.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if step in evaluations:
            scheduler.step(evaluations[step])
    assert compute_curve(Schedule((phase,), SGD)).tolist() == expected
    too_many = Phase("ReduceLROnPlateau", 300_000, {"metric": "1"})
    assert metric_points(too_many) is None  # not plotted, still stepped
