"""Hugging Face lr_scheduler_type configs as designs: over the whole run, the engine's curve
equals what `transformers.get_scheduler` produces (within 1e-12 relative; in fact to the
bit), for several parameter sets per type. The comparisons need transformers (the test
extra); the rest does not."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
from training_loop import first_group_lrs

from designer.cli import main
from designer.core.curves.engine import compute_curve
from designer.core.export.python_module import export_python
from designer.core.importing.hf import HF_TYPES, import_hf
from designer.core.schedule.fileformat import dump_schedule, load_schedule, load_schedule_file
from designer.core.schedule.model import ScheduleError

# (type, extra) pairs; each runs over every (warmup, total) below.
CASES = [
    ("linear", {}),
    ("cosine", {}),
    ("cosine", {"num_cycles": 1.5}),
    ("cosine_with_restarts", {}),
    ("cosine_with_restarts", {"num_cycles": 3}),
    ("polynomial", {}),
    ("polynomial", {"lr_end": 1e-5, "power": 2.0}),
    ("polynomial", {"power": 0.5}),
    ("constant", {}),
    ("constant_with_warmup", {}),
    ("inverse_sqrt", {}),
    ("inverse_sqrt", {"timescale": 37}),
    ("cosine_with_min_lr", {"min_lr": 1e-5}),
    ("cosine_with_min_lr", {"min_lr_rate": 0.1, "num_cycles": 0.75}),
    ("cosine_warmup_with_min_lr", {"min_lr_rate": 0.05}),
    ("cosine_warmup_with_min_lr", {"min_lr": 2e-5, "warmup_lr_rate": 0.1}),
    ("warmup_stable_decay", {"num_decay_steps": 20}),
    ("warmup_stable_decay", {"num_decay_steps": 30, "decay_type": "linear",
                             "warmup_type": "cosine", "min_lr_ratio": 0.1}),
    ("warmup_stable_decay", {"num_decay_steps": 15, "num_stable_steps": 10,
                             "decay_type": "1-sqrt", "warmup_type": "1-sqrt",
                             "min_lr_ratio": 0.05}),
    ("warmup_stable_decay", {"num_decay_steps": 80, "min_lr_ratio": 0.2}),
]
RUNS = [(0, 50), (10, 100), (7, 33), (120, 100), (1, 2), (50, 400)]
LR = 3e-4


@pytest.fixture(scope="module")
def transformers():
    return pytest.importorskip("transformers")


def hf_curve(transformers, kind, warmup, total, lr, extra):
    parameter = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.AdamW([parameter], lr=lr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler = transformers.get_scheduler(kind, optimizer, num_warmup_steps=warmup,
                                               num_training_steps=total,
                                               scheduler_specific_kwargs=dict(extra))
        lrs = first_group_lrs(optimizer, scheduler, total)
    return np.asarray(lrs, dtype=np.float64)


def test_every_type_is_covered():
    assert {kind for kind, _ in CASES} == set(HF_TYPES)


@pytest.mark.parametrize("kind, extra", CASES,
                         ids=[f"{k}-{i}" for i, (k, _) in enumerate(CASES)])
def test_equal_to_transformers(transformers, kind, extra):
    for warmup, total in RUNS:
        if kind == "polynomial" and warmup == total:
            continue  # transformers divides by zero there
        expected = hf_curve(transformers, kind, warmup, total, LR, extra)
        design = compute_curve(import_hf(kind, warmup, total, LR, **extra))
        assert len(design) == total
        np.testing.assert_allclose(design, expected, rtol=1e-12, atol=0,
                                   err_msg=f"{kind} {extra} warmup={warmup} total={total}")


@pytest.mark.parametrize("lr", [1.0, 0.1, 6e-4])
def test_equal_for_other_learning_rates(transformers, lr):
    for kind, extra in [("linear", {}), ("polynomial", {"lr_end": 1e-7, "power": 3.0}),
                        ("cosine_with_min_lr", {"min_lr": lr / 20})]:
        expected = hf_curve(transformers, kind, 25, 250, lr, extra)
        design = compute_curve(import_hf(kind, 25, 250, lr, **extra))
        np.testing.assert_allclose(design, expected, rtol=1e-12, atol=0)


def test_design_is_built_from_torch_phases():
    schedule = import_hf("warmup_stable_decay", 10, 100, 1e-3, num_decay_steps=20,
                         min_lr_ratio=0.1)
    assert [(p.scheduler, p.steps) for p in schedule.phases] == [
        ("LambdaLR", 10), ("ConstantLR", 70), ("LambdaLR", 20)]
    assert schedule.optimizer.name == "AdamW" and schedule.optimizer.lr == 1e-3
    assert schedule.phases[0].params["lr_lambda"] == (
        "max(0.0, (step / 10) * (1.0 - 0.1) + 0.1)")
    # A design like any other: it saves, loads and exports.
    assert load_schedule(dump_schedule(schedule)) == schedule
    assert "def build_scheduler(optimizer)" in export_python(schedule)
    linear = import_hf("linear", 0, 40, 0.1)
    assert [p.params["lr_lambda"] for p in linear.phases] == ["max(0.0, (40 - step) / 40)"]


@pytest.mark.parametrize("kind, kwargs, field", [
    ("exponential", {}, "type"),
    ("cosine", {"power": 2.0}, "extra.power"),
    ("linear", {"num_cycles": 1}, "extra.num_cycles"),
    ("polynomial", {"lr_end": 0.5}, "extra.lr_end"),
    ("cosine_with_min_lr", {}, "extra.min_lr"),
    ("cosine_with_min_lr", {"min_lr": 1e-5, "min_lr_rate": 0.1}, "extra.min_lr"),
    ("warmup_stable_decay", {}, "extra.num_decay_steps"),
    ("warmup_stable_decay", {"num_decay_steps": 5, "decay_type": "exp"}, "extra.decay_type"),
    ("cosine", {"num_cycles": float("nan")}, "extra.num_cycles"),
])
def test_bad_configs_name_the_field(kind, kwargs, field):
    with pytest.raises(ScheduleError) as caught:
        import_hf(kind, 10, 100, 0.01, **kwargs)
    assert caught.value.field == field


@pytest.mark.parametrize("warmup, total, lr, field", [
    (-1, 100, 0.1, "warmup_steps"), (0, 0, 0.1, "total_steps"), (0, 10, 0.0, "lr"),
    (0, 10**8, 0.1, "total_steps"), (True, 10, 0.1, "warmup_steps"),
])
def test_bad_counts(warmup, total, lr, field):
    with pytest.raises(ScheduleError) as caught:
        import_hf("linear", warmup, total, lr)
    assert caught.value.field == field


def test_cli_import_hf(tmp_path, capsys):
    out = tmp_path / "design.json"
    code = main(["import", "--hf", "warmup_stable_decay", "--warmup-steps", "10",
                 "--total-steps", "100", "--lr", "0.001", "--extra", "num_decay_steps=20",
                 "--extra", "decay_type=linear", "--extra", "min_lr_ratio=0.1", "-o", str(out)])
    assert code == 0 and capsys.readouterr() == ("", "")
    schedule = load_schedule_file(str(out))
    assert schedule == import_hf("warmup_stable_decay", 10, 100, 0.001, num_decay_steps=20,
                                 decay_type="linear", min_lr_ratio=0.1)
    assert main(["import", "--hf", "cosine", "--total-steps", "50", "--lr", "3e-4"]) == 0
    assert len(json.loads(capsys.readouterr().out)["phases"]) == 1  # no warmup: one phase


@pytest.mark.parametrize("argv, words", [
    (["import", "--hf", "cosine", "--total-steps", "50"], "needs --total-steps and --lr"),
    (["import", "--hf", "nope", "--total-steps", "50", "--lr", "0.1"], "unknown lr_scheduler"),
    (["import", "--hf", "cosine", "--total-steps", "50", "--lr", "0.1", "--extra", "x"],
     "is not KEY=VALUE"),
    (["import", "--hf", "polynomial", "--total-steps", "50", "--lr", "0.1", "--extra",
      "lr_end=1"], "--extra lr_end"),
])
def test_cli_import_hf_errors_are_one_line(capsys, argv, words):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and words in err


PLATEAU_CASES = [
    {},
    {"patience": 2, "factor": 0.5, "eval_every": 50, "metric_noise": 0.01},
    {"mode": "max", "metric": "min(0.9, step / 300)", "patience": 0, "threshold": 0.01,
     "threshold_mode": "abs", "cooldown": 1, "min_lr": 1e-5, "eval_every": 20},
]


@pytest.mark.parametrize("extra", PLATEAU_CASES, ids=range(len(PLATEAU_CASES)))
def test_reduce_lr_on_plateau_equals_transformers_stepped_like_trainer(transformers, extra):
    """transformers builds torch's ReduceLROnPlateau from the extras; Trainer steps it after
    each evaluation with the eval metric. Fed the design's simulated metric at the design's
    evaluations, transformers' scheduler gives the design's curve to the bit."""
    from designer.core.curves.simulation import metric_points

    design = import_hf("reduce_lr_on_plateau", 0, 3000, LR, **extra)
    [phase] = design.phases
    assert phase.scheduler == "ReduceLROnPlateau" and phase.steps == 3000
    assert phase.param_value("eval_every") == extra.get("eval_every", 500)
    steps, values = metric_points(phase)
    evaluations = dict(zip(steps.astype(int).tolist(), values.tolist()))
    torch_kwargs = {k: v for k, v in extra.items()
                    if not phase.spec.param(k).simulation}
    optimizer = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=LR)
    scheduler = transformers.get_scheduler("reduce_lr_on_plateau", optimizer,
                                           scheduler_specific_kwargs=torch_kwargs)
    lrs = []
    for step in range(3000):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if step in evaluations:
            scheduler.step(evaluations[step])
    expected = np.asarray(lrs)
    assert np.array_equal(compute_curve(design), expected)
    # With the defaults (6 evaluations, patience 10) it never reduces; the others do.
    assert (len(np.unique(expected)) > 1) == bool(extra)


@pytest.mark.parametrize(("arguments", "field", "words"), [
    ({"warmup_steps": 10}, "warmup_steps", "no warmup"),
    ({"patiance": 3}, "extra.patiance", "did you mean 'patience'"),
    ({"factor": 1.5}, "extra.factor", "< 1"),
    ({"mode": "up"}, "extra.mode", "'min', 'max'"),
])
def test_reduce_lr_on_plateau_refuses_what_transformers_or_torch_would(arguments, field,
                                                                        words):
    arguments = dict(arguments)
    warmup = arguments.pop("warmup_steps", 0)
    with pytest.raises(ScheduleError) as error:
        import_hf("reduce_lr_on_plateau", warmup, 100, LR, **arguments)
    assert error.value.field == field and words in error.value.message


def test_cli_imports_reduce_lr_on_plateau(tmp_path, capsys):
    target = tmp_path / "plateau.json"
    assert main(["import", "--hf", "reduce_lr_on_plateau", "--total-steps", "2000", "--lr",
                 "3e-4", "--extra", "patience=3", "--extra", "eval_every=100", "-o",
                 str(target)]) == 0
    design = load_schedule_file(str(target))
    assert design.phases[0].params["patience"] == 3 and design.uses_simulation()
    assert "simulated metric" in design.name


@pytest.mark.parametrize("kind", ["cosine_with_min_lr", "cosine_warmup_with_min_lr"])
def test_an_overflowing_min_lr_is_refused_naming_it(kind):
    """min_lr / lr enters the formula: 1e308 / 1e-3 is inf, which as expression text would
    be an unknown name 'inf' in an lr_lambda the user never wrote."""
    with pytest.raises(ScheduleError) as caught:
        import_hf(kind, 10, 100, 1e-3, min_lr=1e308)
    assert caught.value.field == "extra.min_lr"
    assert "finite" in caught.value.message and "lr_lambda" not in str(caught.value)


def test_a_number_for_an_expression_extra_is_that_constant():
    design = import_hf("reduce_lr_on_plateau", 0, 1000, LR, metric=1, patience=2)
    assert design.phases[0].params["metric"] == "1"
    assert import_hf("reduce_lr_on_plateau", 0, 1000, LR, metric=0.25).phases[0].params[
        "metric"] == "0.25"
    with pytest.raises(ScheduleError) as caught:
        import_hf("reduce_lr_on_plateau", 0, 1000, LR, metric=float("inf"))
    assert caught.value.field == "extra.metric"


FLOAT_RUNS = [(12.5, 100.0), (7.3, 33.7), (0.5, 40), (30, 88.8)]


@pytest.mark.parametrize("kind, extra", CASES,
                         ids=[f"{k}-{i}" for i, (k, _) in enumerate(CASES)])
def test_float_step_counts_in_a_snippet_equal_transformers(transformers, kind, extra):
    """transformers computes with float step counts (`num_warmup_steps=0.1 * total`) as they
    are; a snippet giving them imports to a design with transformers' curve, to the bit."""
    from designer.core.importing.python import import_python

    for warmup, total in FLOAT_RUNS:
        floats = {k: v + 0.5 if k in ("num_decay_steps", "num_stable_steps") else v
                  for k, v in extra.items()}
        snippet = ("import torch, transformers\n"
                   f"opt = torch.optim.AdamW(model.parameters(), lr={LR!r})\n"
                   f"s = transformers.get_scheduler({kind!r}, opt, num_warmup_steps={warmup!r}, "
                   f"num_training_steps={total!r}, scheduler_specific_kwargs={floats!r})\n")
        steps = int(np.ceil(total))
        result = import_python(snippet, total_steps=steps)
        assert result.problems == [], result.problems
        parameter = torch.zeros(1, requires_grad=True)
        optimizer = torch.optim.AdamW([parameter], lr=LR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scheduler = transformers.get_scheduler(
                kind, optimizer, num_warmup_steps=warmup, num_training_steps=total,
                scheduler_specific_kwargs=dict(floats))
            expected = np.asarray(first_group_lrs(optimizer, scheduler, steps))
        np.testing.assert_array_equal(compute_curve(result.schedule), expected,
                                      err_msg=f"{kind} {floats} {warmup} {total}")


def test_a_float_warmup_in_a_snippet_is_accepted_and_a_negative_one_refused():
    from designer.core.importing.python import import_python

    head = ("import torch\nfrom transformers import get_cosine_schedule_with_warmup\n"
            "epochs = 10\nopt = torch.optim.AdamW(model.parameters(), lr=1e-3)\n")
    result = import_python(head + "s = get_cosine_schedule_with_warmup(opt, "
                           "num_warmup_steps=epochs * 0.1 * 25, num_training_steps=250)\n")
    assert result.problems == [] and result.schedule.total_steps == 250
    result = import_python(head + "s = get_cosine_schedule_with_warmup(opt, -2.5, 250)\n")
    assert any("num_warmup_steps" in message for _, message in result.problems)
    assert not result.imported
