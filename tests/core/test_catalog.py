"""The catalog agrees with the real torch classes: names, keywords, defaults, bounds."""

from __future__ import annotations

import inspect

import pytest
import torch
from torch.optim import lr_scheduler

from designer.core.curves.engine import make_optimizer
from designer.core.schedule.catalog import (
    BOOL,
    CHOICE,
    EXPRESSION,
    FLOAT,
    FLOAT_PAIR,
    INT,
    INT_LIST,
    OPTIMIZERS,
    REQUIRED,
    SCHEDULERS,
)
from designer.core.schedule.kinds import check_value
from designer.core.schedule.model import OptimizerConfig, ScheduleError

TIMELINE_SCHEDULERS = {
    "ConstantLR", "LinearLR", "StepLR", "MultiStepLR", "ExponentialLR", "PolynomialLR",
    "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "LambdaLR",
    "MultiplicativeLR", "ReduceLROnPlateau",
}
REQUIRED_OPTIMIZERS = {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam",
                       "Adadelta", "ASGD", "Adafactor", "LBFGS", "Rprop", "SparseAdam"}
FIT_PARAMS = {
    "CosineAnnealingLR": "T_max", "LinearLR": "total_iters", "ConstantLR": "total_iters",
    "PolynomialLR": "total_iters", "OneCycleLR": "total_steps",
}
KINDS = {FLOAT, INT, BOOL, CHOICE, INT_LIST, EXPRESSION, FLOAT_PAIR}


def _signature(cls: type) -> inspect.Signature:
    return inspect.signature(cls)


def test_every_documented_scheduler_and_optimizer_is_there():
    assert set(SCHEDULERS) == TIMELINE_SCHEDULERS
    assert REQUIRED_OPTIMIZERS <= set(OPTIMIZERS)


def test_every_torch_optimizer_with_an_lr_is_there():
    """Every torch.optim class whose param groups carry an lr (all that take `lr`), but
    Muon, which takes 2-D parameters only (see designer.core.schedule.optimizers)."""
    with_lr = {name for name in dir(torch.optim)
               if isinstance(getattr(torch.optim, name), type)
               and issubclass(getattr(torch.optim, name), torch.optim.Optimizer)
               and "lr" in _signature(getattr(torch.optim, name)).parameters}
    assert with_lr - {"Muon"} == set(OPTIMIZERS)


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_scheduler_exists_in_torch(name):
    cls = getattr(lr_scheduler, name)
    assert issubclass(cls, lr_scheduler.LRScheduler)
    assert SCHEDULERS[name].name == name


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_exists_in_torch(name):
    assert issubclass(getattr(torch.optim, name), torch.optim.Optimizer)
    assert OPTIMIZERS[name].name == name


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_scheduler_params_are_torch_keywords_with_torch_defaults(name):
    spec = SCHEDULERS[name]
    signature = _signature(getattr(lr_scheduler, name))
    assert spec.params, name
    for param in spec.torch_params:
        assert param.kind in KINDS
        assert param.name in signature.parameters, f"{name}.{param.name} is not a keyword"
        torch_param = signature.parameters[param.name]
        assert torch_param.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    inspect.Parameter.KEYWORD_ONLY)
        torch_default = torch_param.default
        if param.required:
            # Torch has no default, or None meaning "derive it" (OneCycleLR's total_steps,
            # which the designer always fits to the phase).
            assert torch_default is inspect.Parameter.empty or (
                torch_default is None and param.name == spec.fit_param), param.name
        else:
            # Exactly: same type and value (ConstantLR's factor is the float 1/3, not 0.333).
            assert type(param.default) is type(torch_default), (name, param.name)
            assert param.default == torch_default, (name, param.name)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_keywords_are_torch_s_exactly(name):
    """The catalog knows every keyword (edited or left at torch's default) and torch's
    default lr, so that it knows the keys of `optimizer.defaults` an imported snippet asks
    about; building the optimizer as the engine does gives exactly those keys."""
    spec = OPTIMIZERS[name]
    signature = _signature(getattr(torch.optim, name))
    assert next(iter(signature.parameters)) == "params"
    assert sorted(spec.keywords) == sorted(list(signature.parameters)[1:])
    assert len(set(spec.keywords)) == len(spec.keywords)
    torch_lr = signature.parameters["lr"].default
    assert (type(spec.default_lr), spec.default_lr) == (type(torch_lr), torch_lr)
    optimizer = make_optimizer(OptimizerConfig(name, 0.1), 0.1)
    assert sorted(optimizer.defaults) == sorted(spec.defaults_keys)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_params_are_torch_keywords_with_torch_defaults(name):
    signature = _signature(getattr(torch.optim, name))
    for param in OPTIMIZERS[name].params:
        assert param.name in signature.parameters, f"{name}.{param.name} is not a keyword"
        torch_default = signature.parameters[param.name].default
        assert not param.required
        # Exactly, type included (torch writes SGD's momentum=0 as an int).
        assert type(param.default) is type(torch_default), (name, param.name)
        assert param.default == torch_default, (name, param.name)
        if param.kind == FLOAT_PAIR:
            assert isinstance(torch_default, tuple) and len(torch_default) == 2


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_fit_label_and_flags_name_real_params(name):
    spec = SCHEDULERS[name]
    names = [p.name for p in spec.params]
    assert len(names) == len(set(names))
    assert spec.fit_param == FIT_PARAMS.get(name)
    if spec.fit_param:
        assert spec.has_param(spec.fit_param)
        assert spec.param(spec.fit_param).kind == INT
    parts = spec.label_parts()
    assert parts and all(part.names for part in parts)
    assert {name for part in parts for name in part.names} <= set(names)
    # cycles_momentum and absolute are the two classes that own the param group's lr.
    assert spec.cycles_momentum == spec.has_param("cycle_momentum")
    assert spec.absolute == (name in ("CyclicLR", "OneCycleLR"))
    assert spec.short and spec.doc


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_required_params_have_valid_suggestions(name):
    spec = SCHEDULERS[name]
    for param in spec.params:
        if param.required and param.name != spec.fit_param:
            assert param.suggested is not None, param.name
            check_value(param, param.suggested, param.name)
        if not param.required and param.default is not None:
            check_value(param, param.default, param.name)  # defaults are within bounds
        for choice in param.choices:
            check_value(param, choice, param.name)
        assert param.default is REQUIRED or param.initial_value() == (
            param.suggested if param.suggested is not None else param.default)


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_simulation_params_are_not_torch_keywords_and_only_plateau_has_them(name):
    spec = SCHEDULERS[name]
    signature = _signature(getattr(lr_scheduler, name))
    simulation = [p.name for p in spec.params if p.simulation]
    assert not set(simulation) & set(signature.parameters)
    assert bool(simulation) == spec.simulated == (name == "ReduceLROnPlateau")


PER_GROUP = {("CyclicLR", "base_lr"), ("CyclicLR", "max_lr"), ("OneCycleLR", "max_lr"),
             ("ReduceLROnPlateau", "min_lr")}


@pytest.mark.parametrize(("scheduler", "param"), sorted(PER_GROUP))
def test_per_group_params_take_one_value_per_group_in_torch(scheduler, param):
    """torch accepts a list with one value per group, and refuses a list of another length."""
    assert {(s, p.name) for s, spec in SCHEDULERS.items() for p in spec.params
            if p.per_group} == PER_GROUP
    groups = [{"params": [torch.zeros(1, requires_grad=True)]} for _ in range(2)]
    kwargs = {"OneCycleLR": {"max_lr": 0.1, "total_steps": 10},
              "CyclicLR": {"base_lr": 0.01, "max_lr": 0.1}}.get(scheduler, {})
    kwargs[param] = [0.01, 0.02]
    cls = getattr(lr_scheduler, scheduler)
    cls(torch.optim.SGD(groups, lr=0.1, momentum=0.9), **kwargs)
    kwargs[param] = [0.01, 0.02, 0.03]
    with pytest.raises(ValueError):
        cls(torch.optim.SGD(groups, lr=0.1, momentum=0.9), **kwargs)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_has_momentum_matches_what_torch_s_cycling_schedulers_look_for(name):
    optimizer = make_optimizer(OptimizerConfig(name, 0.1), 0.1)
    torch_says = "momentum" in optimizer.defaults or "betas" in optimizer.defaults
    assert OPTIMIZERS[name].has_momentum == torch_says


def _optimizer() -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)


@pytest.mark.parametrize(("scheduler", "param", "value", "torch_accepts"), [
    ("LinearLR", "start_factor", 1.0, True),
    ("LinearLR", "start_factor", 0.0, False),
    ("LinearLR", "end_factor", 0.0, True),
    ("LinearLR", "end_factor", 1.0, True),
    ("ConstantLR", "factor", 1.0, True),
    ("OneCycleLR", "pct_start", 0.0, True),
    ("OneCycleLR", "pct_start", 1.0, True),
    ("ReduceLROnPlateau", "factor", 1.0, False),
    ("ReduceLROnPlateau", "factor", 0.999, True),
])
def test_bounds_agree_with_torch_s_own_checks(scheduler, param, value, torch_accepts):
    """Where torch checks a bound in its constructor, the catalog draws the same line."""
    spec = SCHEDULERS[scheduler]
    kwargs = {"total_steps": 10, "max_lr": 0.1} if scheduler == "OneCycleLR" else {}
    kwargs[param] = value
    try:
        getattr(lr_scheduler, scheduler)(_optimizer(), **kwargs)
        accepted = True
    except ValueError:
        accepted = False
    assert accepted == torch_accepts
    if torch_accepts:
        check_value(spec.param(param), value, param)
    else:
        with pytest.raises(ScheduleError):
            check_value(spec.param(param), value, param)


@pytest.mark.parametrize("scheduler", ["CyclicLR", "OneCycleLR"])
def test_choices_are_accepted_by_torch(scheduler):
    spec = SCHEDULERS[scheduler]
    for param in spec.params:
        for choice in param.choices:
            kwargs = {"max_lr": 0.1, param.name: choice}
            kwargs.update({"base_lr": 0.01} if scheduler == "CyclicLR" else {"total_steps": 10})
            getattr(lr_scheduler, scheduler)(_optimizer(), **kwargs)
