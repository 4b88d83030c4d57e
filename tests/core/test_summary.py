"""Curve facts: steps and epochs, peak, final, mean, minimum, area, warmup to the peak."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from design_strategies import schedule_docs
from hypothesis import HealthCheck, given, settings

from designer.core.curves.engine import compute_curve
from designer.core.curves.summary import CurveSummary, summarize
from designer.core.schedule.fileformat import load_schedule, load_schedule_file
from designer.core.schedule.model import OptimizerConfig, Phase, Schedule

SGD = OptimizerConfig("SGD", 0.1, {"momentum": 0.9})


def test_warmup_stable_decay_facts(example_files):
    path = next(p for p in example_files if p.stem == "warmup-stable-decay")
    schedule = load_schedule_file(path)
    curve = compute_curve(schedule)
    facts = summarize(schedule, curve)
    assert facts.total_steps == 10_000 and facts.epochs == 10.0
    assert facts.peak == 0.001 and facts.peak_step == 1000  # a 1000-step linear warmup
    # The stable phase, plus the decay's first step (LinearLR starts at factor 1.0).
    assert facts.steps_at_peak == 7001
    assert facts.final == curve[-1] == facts.minimum == curve.min()  # decays to its end
    assert facts.area == pytest.approx(facts.mean * facts.total_steps, rel=1e-12)
    # The area of the warmup and decay triangles plus the stable rectangle, in lr x steps.
    assert facts.area == pytest.approx(0.001 * (1000 * 0.505 + 7000 + 2000 / 2), rel=1e-3)


def test_area_is_the_sum_of_the_lr_over_steps():
    schedule = Schedule((Phase("StepLR", 6, {"step_size": 2, "gamma": 0.5}),), SGD, "epoch")
    curve = compute_curve(schedule)
    assert curve.tolist() == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    facts = summarize(schedule, curve)
    assert facts.area == pytest.approx(0.35) and facts.epochs == 6.0
    assert facts.peak_step == 0 and facts.steps_at_peak == 2
    assert facts.minimum == 0.025 == facts.final


def test_epochs_follow_the_interval_and_epoch_length():
    curve = np.full(300, 0.1)
    steps = Schedule((Phase("ConstantLR", 300, {"factor": 1.0}),), SGD)
    assert summarize(steps, curve).epochs is None
    assert summarize(steps.with_settings(steps_per_epoch=120), curve).epochs == 2.5
    assert summarize(steps.with_settings(interval="epoch", steps_per_epoch=120),
                     curve).epochs == 300.0


def test_empty_curve():
    facts = summarize(Schedule(), np.zeros(0))
    assert facts.total_steps == 0 and facts.area == 0.0 and facts.steps_at_peak == 0
    assert all(math.isnan(v) for v in (facts.peak, facts.final, facts.mean, facts.minimum))


def test_older_callers_still_build_and_read_a_summary():
    facts = CurveSummary(10, None, 0.1, 0.01, 0.05)
    assert (facts.total_steps, facts.epochs, facts.peak, facts.final, facts.mean) == (
        10, None, 0.1, 0.01, 0.05)


def test_items_leave_out_what_the_design_does_not_say():
    schedule = Schedule((Phase("LinearLR", 4, {"start_factor": 0.5}),), SGD)
    facts = summarize(schedule, compute_curve(schedule))
    names = [name for name, _ in facts.items()]
    assert names == ["total_steps", "peak", "final", "mean", "area", "minimum", "peak_step",
                     "steps_at_peak"]
    with_epochs = summarize(schedule.with_settings(steps_per_epoch=2), compute_curve(schedule))
    assert dict(with_epochs.items())["epochs"] == 2.0


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(schedule_docs())
def test_facts_agree_with_the_curve(document):
    schedule = load_schedule(json.dumps(document))
    curve = compute_curve(schedule)
    facts = summarize(schedule, curve)
    assert facts.total_steps == len(curve) == schedule.total_steps
    assert facts.minimum <= facts.mean <= facts.peak or math.isclose(facts.mean, facts.peak)
    assert curve[facts.peak_step] == facts.peak
    assert (curve[:facts.peak_step] < facts.peak).all()
    assert facts.steps_at_peak == int((curve == facts.peak).sum()) >= 1
    assert facts.area == pytest.approx(float(np.sum(curve)), rel=1e-12)
