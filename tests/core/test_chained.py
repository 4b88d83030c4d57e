"""Chained phases (several torch schedulers at once through torch's ChainedScheduler): the
engine equals a hand-written torch loop for every param group, bit for bit; the file format
reads and writes them and names the field of what it refuses; caches key on the members."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import torch
from design_strategies import schedule_docs
from hypothesis import HealthCheck, given, settings
from torch.optim import lr_scheduler
from training_loop import optimizer_step

from designer.core.curves.engine import compute_curves, scheduler_kwargs
from designer.core.curves.phase_curve import phase_key
from designer.core.schedule.checks import check_design
from designer.core.schedule.fileformat import dump_schedule, load_schedule
from designer.core.schedule.model import (
    CONTINUE,
    RESTART,
    Member,
    OptimizerConfig,
    Phase,
    Schedule,
    ScheduleError,
    chained_phase,
)


def hand_written_loop(schedule: Schedule) -> np.ndarray:
    """What user code does, phase by phase: an optimizer with one group per design group at
    the phase's start lrs, each member's torch scheduler built on it in order, torch's
    ChainedScheduler over them (a plain phase: its scheduler), and per step: read every
    group's lr, optimizer.step(), scheduler.step()."""
    base = schedule.base_lrs()
    lrs: list[list[float]] = []
    for index, phase in enumerate(schedule.phases):
        if phase.start == RESTART or (phase.start == CONTINUE and not lrs):
            start = list(base)
        elif phase.start == CONTINUE:
            start = list(lrs[-1])
        else:
            start = [phase.start * (lr / base[0]) for lr in base]
        groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": max(lr, 0.0)}
                  for lr in start]
        config = schedule.optimizer
        optimizer = getattr(torch.optim, config.name)(
            groups, lr=max(start[0], 0.0) or 0.001, **config.params)
        for group, lr in zip(optimizer.param_groups, start):
            group["lr"] = lr
        if phase.is_chained:
            scheduler = lr_scheduler.ChainedScheduler(
                [getattr(lr_scheduler, member.scheduler)(optimizer, **scheduler_kwargs(member))
                 for member in phase.member_phases()], optimizer=optimizer)
        else:
            scheduler = getattr(lr_scheduler, phase.scheduler)(
                optimizer, **scheduler_kwargs(phase, f"phases[{index}]"))
        for _ in range(phase.steps):
            lrs.append([group["lr"] for group in optimizer.param_groups])
            optimizer_step(optimizer)
            scheduler.step()
    return np.asarray(lrs, dtype=np.float64).reshape(-1, schedule.group_count).T


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(schedule_docs(max_phases=3, schedulers=("LinearLR", "CosineAnnealingLR", "StepLR",
                                               "ExponentialLR"), chained=True))
def test_chained_designs_equal_a_hand_written_torch_loop_for_every_group(document):
    schedule = load_schedule(json.dumps(document))
    assert schedule.has_chained()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's lr-deprecation chatter, the same for both
        expected = hand_written_loop(schedule)
        actual = compute_curves(schedule).group_lrs()
    assert actual.shape == expected.shape
    assert np.array_equal(actual, expected), np.argwhere(actual != expected)[:10]


def test_members_constructors_apply_their_initial_factors_as_user_code_gets_them():
    # LinearLR's constructor multiplies the lr by 0.1, ConstantLR's by 0.5: step 0 is both.
    phase = chained_phase([Member("LinearLR", {"start_factor": 0.1}),
                           Member("ConstantLR", {"factor": 0.5, "total_iters": 3})], 10)
    curve = compute_curves(Schedule((phase,), OptimizerConfig("SGD", 1.0))).lr
    assert curve[0] == 1.0 * 0.1 * 0.5
    # total_iters of LinearLR follows the phase (10 steps); ConstantLR's ends after 3.
    assert curve[3] == pytest.approx(0.1 + 0.9 * 3 / 10)
    assert curve[-1] == pytest.approx(0.1 + 0.9 * 9 / 10)


def test_a_fitted_member_follows_the_phase_length():
    member = Member("CosineAnnealingLR", {"eta_min": 0.001})
    assert member.is_fitted()
    assert member.resolved_params(250) == {"T_max": 250, "eta_min": 0.001}
    assert member.with_param("T_max", 40).resolved_params(250)["T_max"] == 40
    assert member.with_param("eta_min", None).params == {}


CHAINED_DOC = {"format": "lr-schedule-designer", "version": 5,
               "optimizer": {"name": "SGD", "lr": 0.1},
               "phases": [{"scheduler": "ConstantLR", "steps": 10},
                          {"scheduler": "ChainedScheduler", "steps": 100, "start": "continue",
                           "members": [{"scheduler": "LinearLR",
                                        "params": {"start_factor": 0.1}},
                                       {"scheduler": "CosineAnnealingLR", "params": {}}]}]}


def test_a_chained_phase_round_trips_as_version_5():
    schedule = load_schedule(json.dumps(CHAINED_DOC))
    phase = schedule.phases[1]
    assert phase.is_chained and phase.params == {} and phase.start == CONTINUE
    assert [m.scheduler for m in phase.members] == ["LinearLR", "CosineAnnealingLR"]
    text = dump_schedule(schedule)
    written = json.loads(text)
    assert written["version"] == 5
    assert written["phases"][1] == {**CHAINED_DOC["phases"][1]}
    assert "params" not in written["phases"][1]
    assert load_schedule(text) == schedule


def _bad(path: list, value) -> str:
    document = json.loads(json.dumps(CHAINED_DOC))
    target = document
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    with pytest.raises(ScheduleError) as info:
        load_schedule(json.dumps(document))
    return str(info.value)


_DELETE = object()
_MEMBER = ["phases", 1, "members", 0]


@pytest.mark.parametrize(("path", "value", "message"), [
    (_MEMBER + ["params", "start_factor"], 0, "phases[1].members[0].params.start_factor:"),
    (_MEMBER + ["params", "gamma"], 0.5,
     "phases[1].members[0].params.gamma: not a parameter of LinearLR"),
    (["phases", 1, "members"], [], "phases[1].members: must be a list of 1 to 8 members"),
    (["phases", 1, "members"], [{"scheduler": "StepLR", "params": {"step_size": 1}}] * 9,
     "phases[1].members: must be a list of 1 to 8 members"),
    (["phases", 1, "members"], _DELETE, "phases[1].members: must be a list of 1 to 8"),
    (_MEMBER + ["scheduler"], "ReduceLROnPlateau",
     "phases[1].members[0].scheduler: ReduceLROnPlateau cannot be chained"),
    (_MEMBER + ["scheduler"], "ChainedScheduler",
     "phases[1].members[0].scheduler: a member cannot be a chained phase"),
    (_MEMBER + ["scheduler"], "CosineLR", "phases[1].members[0].scheduler: 'CosineLR' is not"),
    (_MEMBER + ["steps"], 5, "phases[1].members[0].steps: unknown key"),
    (_MEMBER + ["params"], [], "phases[1].members[0].params: must be an object"),
    (["phases", 1, "params"], {}, "phases[1].params: a chained phase has no params"),
    (["phases", 0, "members"], [], "phases[0].members: only a ChainedScheduler phase"),
    (["phases", 1, "members", 1, "params", "T_max"], -1,
     "phases[1].members[1].params.T_max:"),
])
def test_bad_chained_phases_name_the_field(path, value, message):
    assert _bad(path, value).startswith(message)


def test_member_rules_beyond_single_values_are_the_phase_checks():
    phase = chained_phase([Member("OneCycleLR", {"max_lr": 0.5, "total_steps": 50})], 100)
    with pytest.raises(ScheduleError, match=r"^phases\[0\]\.members\[0\]\.params\.total_steps"):
        check_design(Schedule((phase,), OptimizerConfig("SGD", 0.1)))
    per_group = chained_phase([Member("OneCycleLR", {"max_lr": (0.5, 0.2, 0.1)})], 100)
    with pytest.raises(ScheduleError, match=r"members\[0\]\.params\.max_lr: has 3 values"):
        check_design(Schedule((per_group,), OptimizerConfig("SGD", 0.1)))


def test_per_group_member_values_follow_the_groups():
    from designer.core.schedule.model import ParamGroup

    phase = chained_phase([Member("OneCycleLR", {"max_lr": (0.5, 0.2)})], 20)
    design = Schedule((phase,), OptimizerConfig("SGD", 0.1),
                      param_groups=(ParamGroup("a", 0.1), ParamGroup("b", 0.2)))
    check_design(design)
    curves = compute_curves(design).group_lrs()
    assert curves[0].max() == pytest.approx(0.5) and curves[1].max() == pytest.approx(0.2)
    merged = design.with_param_groups((ParamGroup("a", 0.1),))
    assert merged.phases[0].members[0].params == {"max_lr": 0.5}


def test_the_cache_key_changes_with_a_member():
    optimizer = OptimizerConfig("SGD", 0.1)
    phase = chained_phase([Member("LinearLR", {"start_factor": 0.1}),
                           Member("CosineAnnealingLR")], 100)
    key = phase_key(phase, optimizer, (0.1,), False)
    changed = phase.with_member(0, phase.members[0].with_param("start_factor", 0.2))
    assert phase != changed
    assert phase_key(changed, optimizer, (0.1,), False) != key
    swapped = chained_phase(phase.members[::-1], 100)
    assert phase_key(swapped, optimizer, (0.1,), False) != key
    assert phase_key(chained_phase(list(phase.members), 100), optimizer, (0.1,), False) == key


def test_torch_rejecting_a_member_names_the_member():
    phase = chained_phase([Member("LinearLR"), Member("CyclicLR", {
        "base_lr": 0.01, "max_lr": 0.1, "cycle_momentum": True})], 30)
    design = Schedule((phase,), OptimizerConfig("Adagrad", 0.1))
    with pytest.raises(ScheduleError) as info:
        compute_curves(design)
    assert info.value.field.startswith("phases[0].members[1]"), str(info.value)


def test_a_plain_phase_keeps_no_members():
    assert Phase("StepLR", 10, {"step_size": 2}).members == ()
    assert not Phase("StepLR", 10, {"step_size": 2}).is_chained


def test_advice_names_a_member_whose_parameter_never_acts():
    from designer.core.export.advice import design_advice

    phase = chained_phase([Member("LinearLR"), Member("StepLR", {"step_size": 500})], 100)
    messages = [a.message for a in design_advice(Schedule((phase,), OptimizerConfig("SGD", 0.1)))]
    assert ("Phase 1 (ChainedScheduler), member 2 (StepLR): step_size 500 is not shorter than "
            "the phase, so the lr never decays in it.") in messages
