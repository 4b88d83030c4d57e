"""The engine's curves equal plain hand-written torch loops, exactly, step by step.

The reference loop is what a PyTorch user writes: an optimizer with the phase's start lr,
the scheduler on it, and per step: read the lr, optimizer.step(), scheduler.step().
"""

from __future__ import annotations

import json
import math
import time
import warnings
from dataclasses import replace

import numpy as np
import pytest
import torch
from design_strategies import PLAIN_SCHEDULERS, schedule_docs
from hypothesis import HealthCheck, given, settings
from torch.optim import lr_scheduler
from training_loop import first_group_lrs

from designer.core.curves.engine import compute_curve, compute_curves
from designer.core.curves.summary import summarize
from designer.core.schedule.catalog import OPTIMIZERS, SCHEDULERS
from designer.core.schedule.expressions import parse_expression
from designer.core.schedule.fileformat import dump_schedule, load_schedule
from designer.core.schedule.model import (
    CONTINUE,
    OptimizerConfig,
    Phase,
    Schedule,
    ScheduleError,
    new_phase,
)

SGD = OptimizerConfig("SGD", 0.1, {})


def torch_curve(scheduler: str, kwargs: dict, lr: float, steps: int, optimizer: str = "SGD",
                optimizer_kwargs: dict | None = None) -> np.ndarray:
    """The plain torch loop: lr before each optimizer.step(), then scheduler.step()."""
    parameter = torch.zeros(1, requires_grad=True)
    # A phase may continue from a slightly negative lr (a decay to 0 rounds below it); the
    # training loop carries on with it, though optimizer constructors refuse it.
    opt = getattr(torch.optim, optimizer)([parameter], lr=max(lr, 0.0),
                                          **(optimizer_kwargs or {}))
    opt.param_groups[0]["lr"] = lr
    sched = getattr(lr_scheduler, scheduler)(opt, **kwargs)
    return np.asarray(first_group_lrs(opt, sched, steps), dtype=np.float64)


def schedule(*phases: Phase, optimizer: OptimizerConfig = SGD) -> Schedule:
    return Schedule(tuple(phases), optimizer)


def assert_exact(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.dtype == np.float64
    assert actual.shape == expected.shape
    assert np.array_equal(actual, expected), np.flatnonzero(actual != expected)[:10]


# (scheduler, file params, torch kwargs besides the fitted duration, steps). Lambdas are
# written twice: as the file's expression and as the Python a user would pass torch.
ALONE = [
    ("ConstantLR", {}, {}, 12),
    ("ConstantLR", {"factor": 0.5, "total_iters": 4}, {"factor": 0.5, "total_iters": 4}, 12),
    ("LinearLR", {"start_factor": 0.1}, {"start_factor": 0.1}, 10),
    ("LinearLR", {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 7},
     {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 7}, 12),
    ("StepLR", {"step_size": 3, "gamma": 0.5}, {"step_size": 3, "gamma": 0.5}, 20),
    ("StepLR", {"step_size": 1}, {"step_size": 1}, 6),
    ("MultiStepLR", {"milestones": [3, 7, 7], "gamma": 0.5},
     {"milestones": [3, 7, 7], "gamma": 0.5}, 12),
    ("MultiStepLR", {"milestones": [0]}, {"milestones": [0]}, 4),
    ("MultiStepLR", {"milestones": []}, {"milestones": []}, 4),
    ("ExponentialLR", {"gamma": 0.9}, {"gamma": 0.9}, 25),
    ("ExponentialLR", {"gamma": 1.05}, {"gamma": 1.05}, 25),
    ("PolynomialLR", {}, {}, 15),
    ("PolynomialLR", {"power": 2.0, "total_iters": 6}, {"power": 2.0, "total_iters": 6}, 15),
    ("CosineAnnealingLR", {}, {}, 25),
    ("CosineAnnealingLR", {"eta_min": 0.01}, {"eta_min": 0.01}, 25),
    ("CosineAnnealingLR", {"T_max": 5}, {"T_max": 5}, 23),
    ("CosineAnnealingWarmRestarts", {"T_0": 5}, {"T_0": 5}, 23),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.001},
     {"T_0": 3, "T_mult": 2, "eta_min": 0.001}, 40),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4},
     {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}, 30),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 2,
                  "mode": "triangular2", "cycle_momentum": False},
     {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 2,
      "mode": "triangular2", "cycle_momentum": False}, 30),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "mode": "exp_range",
                  "gamma": 0.95},
     {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "mode": "exp_range", "gamma": 0.95},
     30),
    ("OneCycleLR", {"max_lr": 0.5}, {"max_lr": 0.5}, 30),
    ("OneCycleLR", {"max_lr": 0.5, "three_phase": True, "anneal_strategy": "linear",
                    "total_steps": 30, "div_factor": 10.0},
     {"max_lr": 0.5, "three_phase": True, "anneal_strategy": "linear", "total_steps": 30,
      "div_factor": 10.0}, 25),
    ("LambdaLR", {"lr_lambda": "0.5 ** (step // 4)"},
     {"lr_lambda": lambda step: 0.5 ** (step // 4)}, 20),
    ("LambdaLR", {"lr_lambda": "min((step + 1) / 5, (5 / max(step + 1, 5)) ** 0.5)"},
     {"lr_lambda": lambda step: min((step + 1) / 5, (5 / max(step + 1, 5)) ** 0.5)}, 20),
    ("LambdaLR", {"lr_lambda": "0.5 * (1 + cos(pi * step / 20))"},
     {"lr_lambda": lambda step: 0.5 * (1 + math.cos(math.pi * step / 20))}, 20),
    ("MultiplicativeLR", {"lr_lambda": "0.95"}, {"lr_lambda": lambda step: 0.95}, 20),
    ("MultiplicativeLR", {"lr_lambda": "0.9 if step % 3 == 0 else 1.0"},
     {"lr_lambda": lambda step: 0.9 if step % 3 == 0 else 1.0}, 20),
]


def _with_fit(scheduler: str, kwargs: dict, steps: int) -> dict:
    fit = SCHEDULERS[scheduler].fit_param
    return {fit: steps, **kwargs} if fit else dict(kwargs)


def test_every_scheduler_is_covered_alone():
    # ReduceLROnPlateau, which steps with a metric, has its own tests (test_plateau.py).
    assert {row[0] for row in ALONE} == set(PLAIN_SCHEDULERS)


@pytest.mark.parametrize(("scheduler", "params", "kwargs", "steps"), ALONE,
                         ids=[f"{row[0]}-{i}" for i, row in enumerate(ALONE)])
@pytest.mark.parametrize("optimizer", [OptimizerConfig("SGD", 0.1, {"momentum": 0.9}),
                                       OptimizerConfig("Adam", 0.01, {"betas": (0.8, 0.99)})],
                         ids=["SGD", "Adam"])
def test_scheduler_alone_equals_plain_torch(scheduler, params, kwargs, steps, optimizer):
    phase = Phase(scheduler, steps, load_params(scheduler, params, steps))
    expected = torch_curve(scheduler, _with_fit(scheduler, kwargs, steps), optimizer.lr, steps,
                           optimizer.name, dict(optimizer.params))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_exact(compute_curve(schedule(phase, optimizer=optimizer)), expected)


def load_params(scheduler: str, params: dict, steps: int) -> dict:
    """Params as the loader normalizes them (tuples, floats)."""
    document = {"format": "lr-schedule-designer", "version": 1,
                "optimizer": {"name": "SGD", "lr": 0.1},
                "phases": [{"scheduler": scheduler, "steps": steps, "params": params}]}
    return load_schedule(json.dumps(document)).phases[0].params


# The seed cases from torch's docs and tutorials ----------------------------------------------

def test_steplr_docs_case():
    """StepLR(step_size=2, gamma=0.5) on lr 0.1: the lr is 0.05 after the second
    scheduler.step(), i.e. for the third and fourth optimizer steps (indices 2 and 3)."""
    curve = compute_curve(schedule(Phase("StepLR", 7, {"step_size": 2, "gamma": 0.5})))
    assert curve.tolist() == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125]
    assert curve[2] == 0.05 and curve[3] == 0.05


def test_exponentiallr_on_adam_docs_case():
    adam = OptimizerConfig("Adam", 0.01, {})
    curve = compute_curve(schedule(Phase("ExponentialLR", 30, {"gamma": 0.9}), optimizer=adam))
    assert curve[0] == 0.01
    assert curve[1] == 0.01 * 0.9
    expected = [0.01]
    for _ in range(29):
        expected.append(expected[-1] * 0.9)  # torch's chainable form multiplies step by step
    assert curve.tolist() == expected


@pytest.mark.parametrize("start", ["restart", "continue"])
def test_step_then_exponential_docs_case(start):
    s = schedule(Phase("StepLR", 20, {"step_size": 5, "gamma": 0.5}),
                 Phase("ExponentialLR", 10, {"gamma": 0.9}, start))
    curve = compute_curve(s)
    assert len(curve) == 30
    assert curve[:20].tolist() == [0.1] * 5 + [0.05] * 5 + [0.025] * 5 + [0.0125] * 5
    if start == "restart":
        assert curve[20] == 0.1  # jumps back to the base lr, as SequentialLR does
        assert curve[21] == 0.1 * 0.9
    else:
        assert curve[20] == 0.0125  # carries on from the last lr of the StepLR phase
        assert curve[21] == 0.0125 * 0.9
        assert curve[22] == 0.0125 * 0.9 * 0.9


# Compositions -------------------------------------------------------------------------------

def test_restart_continue_and_explicit_starts():
    s = schedule(
        Phase("LinearLR", 5, {"start_factor": 0.1}),
        Phase("CosineAnnealingLR", 20, {}),  # restart: from the base lr
        Phase("ExponentialLR", 10, {"gamma": 0.8}, CONTINUE),
        Phase("ConstantLR", 10, {"factor": 0.5}, 0.05),  # explicit start lr
        Phase("StepLR", 9, {"step_size": 2}, CONTINUE),
    )
    curve = compute_curve(s)
    linear = torch_curve("LinearLR", {"start_factor": 0.1, "total_iters": 5}, 0.1, 5)
    cosine = torch_curve("CosineAnnealingLR", {"T_max": 20}, 0.1, 20)
    exponential = torch_curve("ExponentialLR", {"gamma": 0.8}, cosine[-1], 10)
    constant = torch_curve("ConstantLR", {"factor": 0.5, "total_iters": 10}, 0.05, 10)
    step = torch_curve("StepLR", {"step_size": 2}, constant[-1], 9)
    assert_exact(curve, np.concatenate([linear, cosine, exponential, constant, step]))
    assert s.phase_starts() == [0, 5, 25, 35, 45]


def test_absolute_schedulers_ignore_the_start_lr():
    """OneCycleLR and CyclicLR set the lr from their own parameters (the designer's
    per-phase semantics: each phase on its own optimizer)."""
    s = schedule(Phase("LinearLR", 5, {"start_factor": 0.1}),
                 Phase("OneCycleLR", 20, {"max_lr": 0.5}, CONTINUE),
                 Phase("CyclicLR", 12, {"base_lr": 0.01, "max_lr": 0.2, "step_size_up": 3},
                       0.3),
                 Phase("MultiplicativeLR", 8, {"lr_lambda": "0.9"}, CONTINUE),
                 optimizer=OptimizerConfig("SGD", 0.1, {"momentum": 0.9}))
    curve = compute_curve(s)
    sgd = {"momentum": 0.9}
    one_cycle = torch_curve("OneCycleLR", {"max_lr": 0.5, "total_steps": 20}, 0.1, 20,
                            optimizer_kwargs=sgd)
    cyclic = torch_curve("CyclicLR", {"base_lr": 0.01, "max_lr": 0.2, "step_size_up": 3},
                         0.3, 12, optimizer_kwargs=sgd)
    multiplicative = torch_curve("MultiplicativeLR", {"lr_lambda": lambda step: 0.9},
                                 cyclic[-1], 8, optimizer_kwargs=sgd)
    assert_exact(curve[5:25], one_cycle)
    assert_exact(curve[25:37], cyclic)
    assert_exact(curve[37:], multiplicative)


def test_continue_on_the_first_phase_means_the_base_lr():
    for start in (CONTINUE, "restart"):
        curve = compute_curve(schedule(Phase("ExponentialLR", 5, {"gamma": 0.5}, start)))
        assert curve.tolist() == [0.1, 0.05, 0.025, 0.0125, 0.00625]


def test_lambda_step_is_the_phase_s_own_counter():
    s = schedule(Phase("ConstantLR", 3, {"factor": 1.0}),
                 Phase("LambdaLR", 4, {"lr_lambda": "step"}, 1.0))
    assert compute_curve(s)[3:].tolist() == [0.0, 1.0, 2.0, 3.0]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(schedule_docs(schedulers=PLAIN_SCHEDULERS, groups=False))
def test_random_designs_equal_a_plain_torch_loop_per_phase(document):
    """Each phase = its real scheduler on a fresh optimizer at the phase's start lr."""
    s = load_schedule(json.dumps(document))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        curve = compute_curve(s)
    base, previous, parts = s.optimizer.lr, None, []
    for index, doc in enumerate(document["phases"]):
        start = doc.get("start", "restart")
        lr = {"restart": base, "continue": base if previous is None else previous}.get(start,
                                                                                       start)
        kwargs = dict(doc["params"])
        if "lr_lambda" in kwargs:
            source = parse_expression(kwargs["lr_lambda"]).python_source
            kwargs["lr_lambda"] = eval(f"lambda step: {source}", {"math": math})
        kwargs = _with_fit(doc["scheduler"], kwargs, doc["steps"])
        kwargs = {k: (float(v) if SCHEDULERS[doc["scheduler"]].param(k).kind == "float"
                      else v) for k, v in kwargs.items()}
        optimizer_kwargs = {k: tuple(v) if isinstance(v, list) else v
                            for k, v in document["optimizer"]["params"].items()}
        parts.append(torch_curve(doc["scheduler"], kwargs, lr, doc["steps"],
                                 document["optimizer"]["name"], optimizer_kwargs))
        previous = float(parts[-1][-1])
        assert s.phases[index].steps == len(parts[-1])
    assert_exact(curve, np.concatenate(parts))


# The duration-fit rule ----------------------------------------------------------------------

FITTED = [("CosineAnnealingLR", {}), ("LinearLR", {"start_factor": 0.1}),
          ("ConstantLR", {"factor": 0.5}), ("PolynomialLR", {"power": 2.0}),
          ("OneCycleLR", {"max_lr": 0.5})]


@pytest.mark.parametrize(("scheduler", "params"), FITTED)
def test_omitted_duration_follows_the_phase_length(scheduler, params):
    fit = SCHEDULERS[scheduler].fit_param
    s = schedule(Phase(scheduler, 12, dict(params)))
    assert s.phases[0].is_fitted() and s.phases[0].param_value(fit) == 12
    assert_exact(compute_curve(s), torch_curve(scheduler, {fit: 12, **params}, 0.1, 12))
    resized = s.resize_phase(0, 31)
    assert resized.phases[0].is_fitted() and resized.phases[0].param_value(fit) == 31
    assert_exact(compute_curve(resized), torch_curve(scheduler, {fit: 31, **params}, 0.1, 31))
    assert fit not in json.loads(dump_schedule(resized))["phases"][0]["params"]


@pytest.mark.parametrize(("scheduler", "params"), FITTED)
def test_explicit_duration_is_kept_after_resize(scheduler, params):
    fit = SCHEDULERS[scheduler].fit_param
    s = schedule(Phase(scheduler, 12, {**params, fit: 40})).resize_phase(0, 31)
    assert not s.phases[0].is_fitted() and s.phases[0].param_value(fit) == 40
    assert_exact(compute_curve(s), torch_curve(scheduler, {**params, fit: 40}, 0.1, 31))
    assert json.loads(dump_schedule(s))["phases"][0]["params"][fit] == 40


def test_schedulers_without_a_duration_are_never_fitted():
    for name, spec in SCHEDULERS.items():
        if spec.fit_param is None:
            assert not new_phase(name, 10).is_fitted()


# No warnings, for every scheduler on every optimizer -------------------------------------------

@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_no_torch_warnings(optimizer):
    config = OptimizerConfig(optimizer, 0.01, {})
    phases = []
    for name in SCHEDULERS:
        phase = new_phase(name, 25)
        if SCHEDULERS[name].cycles_momentum and not OPTIMIZERS[optimizer].has_momentum:
            phase = phase.with_param("cycle_momentum", False)
        phases.append(replace(phase, start=CONTINUE))
    s = Schedule(tuple(phases), config)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        curves = compute_curves(s, momentum=True)
        again = compute_curve(s)
    assert len(curves.lr) == len(curves.momentum) == 25 * len(SCHEDULERS)
    assert np.isfinite(curves.lr).all()
    assert_exact(again, curves.lr)  # deterministic, and momentum recording changes nothing


def test_momentum_curve_follows_the_cycling_schedulers():
    sgd = OptimizerConfig("SGD", 0.1, {"momentum": 0.9})
    one_cycle = Phase("OneCycleLR", 20, {"max_lr": 0.5})
    curves = compute_curves(schedule(Phase("StepLR", 5, {"step_size": 2}), one_cycle,
                                     optimizer=sgd), momentum=True)
    assert curves.momentum[:5].tolist() == [0.9] * 5
    assert curves.momentum[5] == 0.95  # max_momentum while the lr is lowest
    assert curves.momentum[5:].min() == pytest.approx(0.85)
    adam = OptimizerConfig("Adam", 0.01, {"betas": (0.8, 0.99)})
    assert compute_curves(schedule(Phase("StepLR", 3, {"step_size": 1}), optimizer=adam),
                          momentum=True).momentum.tolist() == [0.8] * 3
    adagrad = OptimizerConfig("Adagrad", 0.01, {})
    assert np.isnan(compute_curves(schedule(Phase("StepLR", 3, {"step_size": 1}),
                                            optimizer=adagrad), momentum=True).momentum).all()


def test_empty_schedule_and_summary():
    assert compute_curve(Schedule()).shape == (0,)
    s = replace(schedule(Phase("StepLR", 10, {"step_size": 5, "gamma": 0.5})),
                steps_per_epoch=4)
    facts = summarize(s, compute_curve(s))
    assert (facts.total_steps, facts.epochs, facts.peak, facts.final) == (10, 2.5, 0.1, 0.05)
    assert facts.mean == pytest.approx(0.075)
    per_epoch = replace(s, interval="epoch")  # one step is one epoch, whatever its batches
    assert summarize(per_epoch, compute_curve(per_epoch)).epochs == 10


# Torch errors become ScheduleErrors naming the field ---------------------------------------------

def _error(s: Schedule) -> ScheduleError:
    with pytest.raises(ScheduleError) as info:
        compute_curve(s)
    error = info.value
    assert "\n" not in str(error)
    assert str(error).startswith(f"{error.field}: ")
    return error


def test_lambda_that_divides_by_zero_names_the_field_and_step():
    error = _error(schedule(Phase("StepLR", 5, {"step_size": 2}),
                            Phase("LambdaLR", 10, {"lr_lambda": "1 / (step - 3)"})))
    assert error.field == "phases[1].params.lr_lambda"
    assert error.message == "division by zero at step 3"


def test_multiplicative_lambda_error_names_the_step():
    error = _error(schedule(Phase("MultiplicativeLR", 10, {"lr_lambda": "1 / (step - 6)"})))
    assert (error.field, error.message) == ("phases[0].params.lr_lambda",
                                            "division by zero at step 6")


def test_lambda_failing_at_the_step_that_ends_the_phase():
    """A training loop calls scheduler.step() after the last batch too; torch then evaluates
    the lambda at step == steps, so that is an error of the design."""
    error = _error(schedule(Phase("LambdaLR", 8, {"lr_lambda": "1 / (8 - step)"})))
    assert error.field == "phases[0].params.lr_lambda"
    assert "step 8" in error.message and "ends" in error.message


def test_huge_power_in_a_lambda_is_refused_not_computed():
    started = time.perf_counter()
    error = _error(schedule(Phase("LambdaLR", 5, {"lr_lambda": "9 ** 9 ** 9"})))
    assert error.field == "phases[0].params.lr_lambda"
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("scheduler", ["CyclicLR", "OneCycleLR"])
def test_cycle_momentum_without_momentum_names_cycle_momentum(scheduler):
    phase = new_phase(scheduler, 10)
    error = _error(schedule(phase, optimizer=OptimizerConfig("Adagrad", 0.1, {})))
    assert error.field == "phases[0].params.cycle_momentum"
    assert "momentum" in error.message
    fixed = schedule(phase.with_param("cycle_momentum", False),
                     optimizer=OptimizerConfig("Adagrad", 0.1, {}))
    assert len(compute_curve(fixed)) == 10


def test_optimizer_torch_rejects_names_the_optimizer_param():
    bad = OptimizerConfig("SGD", 0.1, {"nesterov": True})
    error = _error(schedule(Phase("StepLR", 3, {"step_size": 1}), optimizer=bad))
    assert error.field == "optimizer.params.nesterov"


def test_overflowing_lr_names_the_phase():
    error = _error(schedule(Phase("StepLR", 3, {"step_size": 1}),
                            Phase("ExponentialLR", 100, {"gamma": 1e300})))
    assert error.field == "phases[1]"
    assert "finite" in error.message and "step 2" in error.message


def test_ten_million_and_one_steps_are_refused_by_the_loader_quickly():
    document = {"format": "lr-schedule-designer", "version": 1,
                "optimizer": {"name": "SGD", "lr": 0.1},
                "phases": [{"scheduler": "StepLR", "steps": 5_000_000, "params": {"step_size": 1}},
                           {"scheduler": "StepLR", "steps": 5_000_001, "params": {"step_size": 1}}]}
    started = time.perf_counter()
    with pytest.raises(ScheduleError) as info:
        load_schedule(json.dumps(document))
    assert time.perf_counter() - started < 0.5
    assert info.value.field == "phases[1].steps"
    assert "10,000,001" in info.value.message and "10,000,000" in info.value.message
    document["phases"] = [{"scheduler": "StepLR", "steps": 10_000_001,
                           "params": {"step_size": 1}}]
    with pytest.raises(ScheduleError) as info:
        load_schedule(json.dumps(document))
    assert info.value.field == "phases[0].steps"


def test_continuing_from_a_decay_that_rounds_below_zero_is_what_training_does():
    """LinearLR to end_factor 0 ends a float rounding below zero (-1.7e-17 here). A training
    loop carries on from it; torch's optimizer constructors would refuse it, so the engine
    sets it into the param group, as the exported PhasedLR does, and both agree."""
    from designer.core.export.python_module import export_python

    design = schedule(Phase("LinearLR", 4, {"start_factor": 0.2239053371800299,
                                            "end_factor": 0.0, "total_iters": 3}),
                      Phase("ExponentialLR", 3, {"gamma": 0.5}, CONTINUE),
                      optimizer=OptimizerConfig("RMSprop", 1.0, {}))
    curve = compute_curve(design)
    assert curve[3] < 0 and curve[4] == curve[3]
    namespace = {"__name__": "exported"}
    exec(compile(export_python(design), "<exported>", "exec"), namespace)  # noqa: S102
    optimizer = torch.optim.RMSprop([torch.zeros(1, requires_grad=True)], lr=1.0)
    scheduler = namespace["build_scheduler"](optimizer)
    lrs = []
    for _ in range(design.total_steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert lrs == curve.tolist()
