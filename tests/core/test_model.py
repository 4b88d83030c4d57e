"""The schedule model: immutable values, pure editing operations, the duration fit."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace

import pytest

from designer.core.schedule.catalog import SCHEDULERS
from designer.core.schedule.model import (
    CONTINUE,
    RESTART,
    OptimizerConfig,
    Phase,
    Schedule,
    ScheduleError,
    new_phase,
)

A = Phase("LinearLR", 10, {"start_factor": 0.1})
B = Phase("CosineAnnealingLR", 30, {})
C = Phase("StepLR", 20, {"step_size": 5}, CONTINUE)
S = Schedule((A, B, C), OptimizerConfig("AdamW", 3e-4, {"betas": (0.9, 0.95)}))


def test_values_are_frozen_and_operations_return_new_schedules():
    with pytest.raises(FrozenInstanceError):
        S.name = "x"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        A.steps = 3  # type: ignore[misc]
    edited = S.resize_phase(1, 50)
    assert S.phases[1].steps == 30 and edited.phases[1].steps == 50
    assert edited.phases[0] is S.phases[0] and edited.phases[2] is S.phases[2]


def test_insert_remove_move_replace():
    d = Phase("ExponentialLR", 5, {"gamma": 0.9})
    assert S.insert_phase(1, d).phases == (A, d, B, C)
    assert S.insert_phase(99, d).phases == (A, B, C, d)
    assert S.insert_phase(-5, d).phases == (d, A, B, C)
    assert S.remove_phase(0).phases == (B, C)
    assert S.move_phase(0, 2).phases == (B, C, A)
    assert S.move_phase(2, 0).phases == (C, A, B)
    assert S.move_phase(1, 1) == S
    assert S.replace_phase(2, d).phases == (A, B, d)


def colors(schedule: Schedule) -> list[int]:
    return [phase.color for phase in schedule.phases]


def test_phases_keep_their_colour_through_moves_and_edits():
    assert colors(S) == [0, 1, 2]  # a design made of new phases: by position, as loaded
    moved = S.move_phase(0, 2)
    assert [p.scheduler for p in moved.phases] == ["CosineAnnealingLR", "StepLR", "LinearLR"]
    assert colors(moved) == [1, 2, 0]
    assert colors(moved.resize_phase(2, 99).set_param(2, "end_factor", 0.5)) == [1, 2, 0]
    assert colors(S.insert_phase(0, Phase("ExponentialLR", 5))) == [3, 0, 1, 2]
    assert colors(S.remove_phase(1).insert_phase(1, Phase("ExponentialLR", 5))) == [0, 1, 2]


def test_copies_get_a_colour_of_their_own_and_colours_are_not_the_design():
    duplicated = S.insert_phase(2, S.phases[1])
    assert colors(duplicated) == [0, 1, 3, 2]
    assert colors(S.split_phase(1, 10)) == [0, 1, 3, 2]
    assert S.move_phase(0, 2).move_phase(2, 0) == S
    assert replace(S.phases[0], color=7) == S.phases[0]
    assert "color" not in repr(S.phases[0])


def test_params_and_starts():
    edited = S.set_param(0, "end_factor", 0.5)
    assert edited.phases[0].params == {"start_factor": 0.1, "end_factor": 0.5}
    assert A.params == {"start_factor": 0.1}  # the old value is untouched
    assert edited.set_param(0, "end_factor", None).phases[0] == A
    assert S.set_start(1, 0.05).phases[1].start == 0.05
    assert S.set_start(2, RESTART).phases[2].start == RESTART


def test_resolved_params_and_fit():
    assert A.resolved_params() == {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 10}
    assert A.is_fitted() and B.is_fitted() and not C.is_fitted()
    assert B.param_value("T_max") == 30
    assert Phase("CosineAnnealingLR", 30, {"T_max": 7}).param_value("T_max") == 7
    assert Phase("StepLR", 3, {}).param_value("step_size") is None  # required, unset
    assert S.resize_phase(0, 4).phases[0].param_value("total_iters") == 4


def test_phase_positions():
    assert S.total_steps == 60
    assert S.phase_starts() == [0, 10, 40]
    assert [S.phase_at(step) for step in (0, 9, 10, 39, 40, 59, 60)] == [0, 0, 1, 1, 2, 2, None]
    assert Schedule().phase_starts() == [] and Schedule().phase_at(0) is None


def test_split_phase():
    split = S.split_phase(1, 12)
    assert [p.steps for p in split.phases] == [10, 12, 18, 20]
    assert split.phases[2].start == CONTINUE and split.phases[1].start == B.start
    assert split.total_steps == S.total_steps
    for bad in (0, 30, -1):
        with pytest.raises(ValueError):
            S.split_phase(1, bad)


def test_optimizer_and_settings():
    sgd = OptimizerConfig("SGD", 0.1, {})
    assert S.with_optimizer(sgd).optimizer is sgd
    changed = S.with_settings(interval="epoch", steps_per_epoch=100, name="x")
    assert (changed.interval, changed.steps_per_epoch, changed.name) == ("epoch", 100, "x")
    assert changed.phases == S.phases


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_new_phase_has_the_suggested_required_values(name):
    phase = new_phase(name, 40)
    spec = SCHEDULERS[name]
    if spec.simulated:
        # The synthetic metric is scaled to the phase: it flattens within its length.
        assert phase.params == {"metric": "0.5 + 2 * exp(-step / 5)", "metric_noise": 0.01,
                                "eval_every": 1}
        assert new_phase(name, 4000).params["eval_every"] == 40
        return
    for param in spec.params:
        if param.required and param.name != spec.fit_param:
            assert phase.params[param.name] == param.suggested
    assert set(phase.params) <= {p.name for p in spec.params if p.required}
    assert phase.start == RESTART and phase.steps == 40


def test_schedule_error_is_one_line_with_the_field():
    error = ScheduleError("phases[1].params.gamma", "must be a finite number > 0")
    assert str(error) == "phases[1].params.gamma: must be a finite number > 0"
    assert (error.field, error.message) == ("phases[1].params.gamma",
                                            "must be a finite number > 0")
    assert str(ScheduleError("", "the file is empty")) == "the file is empty"
    assert isinstance(error, ValueError)


def test_colours_are_not_saved():
    from designer.core.schedule.fileformat import dump_schedule, load_schedule

    moved = S.move_phase(0, 2)
    assert "color" not in dump_schedule(moved)
    assert colors(load_schedule(dump_schedule(moved))) == [0, 1, 2]
