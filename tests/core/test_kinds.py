"""Parameter kinds: the exported source builds exactly the object torch is handed, and the
checks normalize what files, editors and snippets give."""

from __future__ import annotations

import math

import pytest

from designer.core.schedule.catalog import OPTIMIZERS, SCHEDULERS
from designer.core.schedule.kinds import (
    KINDS,
    check_value,
    kind_of,
    short_count,
    short_number,
    short_text,
)
from designer.core.schedule.model import ScheduleError

PARAMS = [(owner.name, param) for owner in [*SCHEDULERS.values(), *OPTIMIZERS.values()]
          for param in owner.params]


def _values(param):
    value = param.initial_value()
    if value is None:
        return []
    values = [check_value(param, value, param.name)]
    if param.per_group:
        values.append(check_value(param, [value, value * 2], param.name))
    return values


@pytest.mark.parametrize(("owner", "param"), PARAMS, ids=[f"{o}.{p.name}" for o, p in PARAMS])
def test_the_source_builds_what_torch_is_handed(owner, param):
    kind = kind_of(param)
    for value in _values(param):
        handed = kind.to_torch(param, value, f"{owner}.{param.name}")
        built = eval(kind.to_source(param, value), {"math": math})  # our own text
        if callable(handed):
            assert [built(step) for step in range(5)] == [handed(step) for step in range(5)]
        else:
            assert built == handed and type(built) is type(handed)


def test_an_int_for_a_float_is_a_float_for_torch_and_in_the_source():
    [param] = [p for o, p in PARAMS if o == "OneCycleLR" and p.name == "pct_start"]
    assert kind_of(param).to_torch(param, 1, "pct_start") == 1.0
    assert kind_of(param).to_source(param, 1) == "1.0"


def test_every_catalog_kind_has_a_home():
    assert {param.kind for _, param in PARAMS} <= KINDS.keys()


@pytest.mark.parametrize(("scheduler", "name", "value", "message"), [
    ("ExponentialLR", "gamma", 0, "must be a finite number > 0"),
    ("MultiStepLR", "milestones", [3, "x"], "milestones[1]: must be an integer"),
    ("OneCycleLR", "max_lr", [0.1] * 17, "one per param group"),
    ("LambdaLR", "lr_lambda", "os.system('x')", "attribute access is not allowed"),
    ("CyclicLR", "mode", "sine", "must be one of 'triangular'"),
])
def test_checks_name_the_field(scheduler, name, value, message):
    param = SCHEDULERS[scheduler].param(name)
    with pytest.raises(ScheduleError) as info:
        check_value(param, value, f"phases[1].params.{name}")
    assert message in str(info.value) and str(info.value).startswith("phases[1].params.")
    failing = kind_of(param).to_torch(param, "1 / (step - 2)", "p") if name == "lr_lambda" else None
    if failing is not None:
        with pytest.raises(ScheduleError, match="p: division by zero at step 2"):
            failing(2)


def test_short_text_is_what_a_timeline_block_can_fit():
    step, cyclic = SCHEDULERS["StepLR"], SCHEDULERS["CyclicLR"]
    one_cycle, multi = SCHEDULERS["OneCycleLR"], SCHEDULERS["MultiStepLR"]
    assert short_text(step.param("gamma"), 3e-05) == "3e-5"
    assert short_text(step.param("gamma"), 1 / 3) == "0.333"
    assert short_text(step.param("step_size"), 48_000) == "48k"
    assert short_text(step.param("step_size"), 9_999) == "9999"
    assert short_text(one_cycle.param("max_lr"), (0.1, 1.0)) == "0.1/1"
    assert short_text(multi.param("milestones"), (30, 60, 15_000)) == "30,60,15k"
    assert short_text(cyclic.param("cycle_momentum"), False) == "off"
    assert short_text(cyclic.param("mode"), "exp_range") == "exp_range"
    assert short_text(cyclic.param("step_size_down"), None) == "\u2014"
    assert short_text(SCHEDULERS["LambdaLR"].param("lr_lambda"), "0.9 ** step") == "0.9 ** step"
    assert short_text(OPTIMIZERS["Adam"].param("betas"), (0.9, 0.999)) == "0.9,0.999"
    assert [short_count(n) for n in (950, 999, 1500, 48_000, 999_999, 2e6, 1e7)] == \
        ["950", "999", "1.5k", "48k", "1M", "2M", "10M"]
    assert short_number(20_000.0) == "20k" and short_number(1.5e-7) == "1.5e-7"
