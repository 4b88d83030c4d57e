"""The design checks (`designer.core.schedule.checks`) and the places a design enters through:
the rules torch would only enforce mid-training are refused with a one-line message naming
the field, by the checks themselves, by `validate`'s full check, by the curve worker for the
window's designs and by the preset gallery; the engine steps a checked design."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from designer.core.curves.cache import CurveCache
from designer.core.curves.engine import check_schedule, compute_curve, compute_curves
from designer.core.curves.messages import Chunk, Done, Failed, Job, Stop
from designer.core.curves.worker import FIRST_PIECE, Worker
from designer.core.schedule.checks import check_design
from designer.core.schedule.model import (
    CONTINUE,
    OptimizerConfig,
    ParamGroup,
    Phase,
    Schedule,
    ScheduleError,
)
from designer.core.schedule.preset_knobs import Preset

SGD = OptimizerConfig("SGD", 0.1, {})
STEP = Phase("StepLR", 5, {"step_size": 2})


def _error(design: Schedule) -> ScheduleError:
    """The checks' error, which `validate`'s full check (the engine's check_schedule) gives
    too, as one line that starts with the field."""
    with pytest.raises(ScheduleError) as info:
        check_design(design)
    with pytest.raises(ScheduleError) as validated:
        check_schedule(design)
    error = info.value
    assert str(validated.value) == str(error)
    assert "\n" not in str(error) and str(error).startswith(f"{error.field}: ")
    return error


def test_one_cycle_zero_length_warmup_names_pct_start():
    # pct_start * total_steps == 1: torch divides by a zero-length warm-up at step 0.
    error = _error(Schedule((STEP, Phase("OneCycleLR", 10, {"max_lr": 0.1,
                                                             "pct_start": 0.1})), SGD))
    assert error.field == "phases[1].params.pct_start"
    assert "zero steps" in error.message


def test_one_cycle_zero_length_annealing_names_pct_start():
    # pct_start=1 leaves nothing to anneal: torch divides by zero at the phase's last
    # scheduler.step(), the one every training loop makes after the last batch.
    error = _error(Schedule((Phase("OneCycleLR", 10, {"max_lr": 0.1, "pct_start": 1.0}),),
                            SGD))
    assert error.field == "phases[0].params.pct_start"
    longer = Schedule((Phase("OneCycleLR", 10, {"max_lr": 0.1, "pct_start": 1.0,
                                                "total_steps": 11}),), SGD)
    check_design(longer)  # never reaches the annealing part: fine
    curve = compute_curve(longer)
    assert len(curve) == 10 and curve[-1] < 0.1 and (np.diff(curve) > 0).all()


def test_one_cycle_total_steps_shorter_than_the_phase():
    error = _error(Schedule((Phase("OneCycleLR", 10, {"max_lr": 0.1, "total_steps": 9}),),
                            SGD))
    assert error.field == "phases[0].params.total_steps"
    assert "at least the phase's 10 steps" in error.message


@pytest.mark.parametrize("steps", [0, -3, 10_000_001])
def test_phase_lengths_outside_the_limits_are_refused(steps):
    """Edits in the window reach the core without the loader; lengths are checked too."""
    error = _error(Schedule((STEP, Phase("StepLR", steps, {"step_size": 2})), SGD))
    assert error.field == "phases[1].steps"


def test_a_per_group_list_that_no_longer_fits_is_an_error_naming_the_field():
    error = _error(Schedule((Phase("OneCycleLR", 20, {"max_lr": (0.05, 0.5)}),), SGD))
    assert error.field == "phases[0].params.max_lr"
    assert "2 values" in error.message and "1 param group" in error.message


def test_a_scaled_group_lr_that_overflows_names_the_group():
    error = _error(Schedule((STEP,), OptimizerConfig("SGD", 10.0), param_groups=(
        ParamGroup("a", lr=0.1), ParamGroup("b", lr_scale=1e308))))
    assert error.field == "param_groups[1].lr_scale"


def test_a_checked_design_passes_and_steps():
    design = Schedule((STEP, Phase("OneCycleLR", 30, {"max_lr": (0.2, 0.4)}, CONTINUE)),
                      SGD, param_groups=(ParamGroup("a", lr=0.1), ParamGroup("b", lr=0.2)))
    check_design(design)
    check_schedule(design)
    assert compute_curves(design).group_lrs().shape == (2, 35)


def test_a_preset_that_builds_a_design_the_checks_refuse_names_the_phase_field():
    broken = Preset("broken", "Broken", "a preset whose rules miss total_steps", (),
                    lambda: Schedule((Phase("OneCycleLR", 10, {"max_lr": 0.1,
                                                               "total_steps": 5}),), SGD))
    with pytest.raises(ScheduleError) as info:
        broken.build()
    assert info.value.field == "phases[0].params.total_steps"


class _Pipe:
    """The worker's end of its pipe, in this process: the jobs to receive, what it sent.
    `on_send` may answer a message by queueing more (a newer job); the first job that ends
    (Done or Failed) is answered with Stop."""

    def __init__(self, *jobs: Job, on_send=None) -> None:
        self.inbox = list(jobs)
        self.sent: list = []
        self.on_send = on_send or (lambda pipe, message: None)

    def poll(self, timeout: float = 0) -> bool:
        return bool(self.inbox)

    def recv(self):
        return self.inbox.pop(0)

    def send(self, message) -> None:
        self.sent.append(message)
        self.on_send(self, message)
        if isinstance(message, (Done, Failed)):
            self.inbox.append(Stop())


def _run(pipe: _Pipe) -> list:
    Worker(pipe, CurveCache()).run()
    return pipe.sent[1:]  # after Ready


def test_the_worker_refuses_a_window_design_the_checks_refuse_before_stepping():
    # A timeline drag makes the phase longer than its total_steps: no chunk, the message.
    dragged = Schedule((STEP, Phase("OneCycleLR", 12, {"max_lr": 0.1, "total_steps": 10})),
                       SGD)
    sent = _run(_Pipe(Job(1, 7, dragged)))
    assert sent == [Failed(1, 7, "phases[1].params.total_steps: must be at least the "
                                 "phase's 12 steps: torch's OneCycleLR raises when stepped "
                                 "past total_steps")]


def test_the_worker_streams_the_engine_s_chained_curve_and_a_newer_job_cancels_it():
    long = Phase("CosineAnnealingLR", 5 * FIRST_PIECE)
    design = Schedule((STEP, replace(long, start=CONTINUE)), SGD,
                      param_groups=(ParamGroup("a", lr=0.1), ParamGroup("b", lr_scale=3.0)))
    newer = replace(design, optimizer=OptimizerConfig("SGD", 0.2, {}))

    def supersede(pipe: _Pipe, message) -> None:
        if isinstance(message, Chunk) and message.job == 1 and message.offset > 0:
            pipe.inbox.append(Job(0, 2, newer))  # arrives while the long phase is stepped

    sent = _run(_Pipe(Job(0, 1, design), on_send=supersede))
    first = [m for m in sent if m.job == 1]
    assert all(isinstance(m, Chunk) for m in first)  # neither Done nor Failed
    assert sum(len(m.lrs) for m in first) < design.total_steps
    second = [m for m in sent if m.job == 2]
    assert second[-1] == Done(0, 2, newer.total_steps)
    chunks = second[:-1]
    assert [m.offset for m in chunks] == list(np.cumsum([0] + [len(m.lrs) for m in chunks])[:-1])
    expected = compute_curves(newer)
    assert np.array_equal(np.concatenate([m.lrs for m in chunks]), expected.lr)
    assert np.array_equal(np.concatenate([m.others for m in chunks], axis=1), expected.others)
