"""Real torch loops making the usual schedule mistakes are diagnosed, each with its number
and a sentence that names the fix."""

from __future__ import annotations

import json

import numpy as np
import pytest
from real_runs import BATCHES, STEP_DESIGN

from designer.core.curves.engine import compute_curve
from designer.core.runs.check import DesignFacts, check_logged, report_lines
from designer.core.runs.design_run import check_run
from designer.core.runs.series import LoggedRun
from designer.core.safe_io import read_schedule_file
from designer.core.schedule.fileformat import load_schedule

EXPECTED = {
    "log-after": ("offset", "steps", 1, "log it before scheduler.step()"),
    "accumulation-4": ("stretch", "factor", 4, "gradient accumulation 4"),
    "per-epoch": ("interval", "steps_per_epoch", BATCHES, "once per epoch of 5 batches"),
    "lr-x8": ("scale", "factor", 8, "set the optimizer's lr to 0.1"),
    "resume-25": ("restart", "step", 25, "resumed without the scheduler's state"),
}


@pytest.mark.parametrize("mistake", sorted(EXPECTED))
def test_each_mistake_is_diagnosed_with_its_number(mistake, step_design, mistake_runs):
    kind, key, number, fix = EXPECTED[mistake]
    result = check_run(read_schedule_file(str(step_design)), str(mistake_runs[mistake]))
    assert result["verdict"] == "differs"
    assert result["diagnosis"]["kind"] == kind, result["diagnosis"]
    assert result["diagnosis"][key] == number
    assert fix in result["diagnosis"]["message"]
    difference = result["first_difference"]
    assert difference["logged"] != pytest.approx(difference["designed"], rel=1e-6)
    lines = report_lines(result)
    assert lines[0].startswith(f"differs from step {difference['step']}: logged ")
    assert lines[1] == result["diagnosis"]["message"]


def _run_of(lrs, steps=None) -> LoggedRun:
    steps = np.arange(len(lrs)) if steps is None else np.asarray(steps)
    return LoggedRun("csv", "lr", "run.csv", steps.astype(np.int64),
                     np.asarray(lrs, dtype=np.float64))


def _design():
    schedule = load_schedule(json.dumps(STEP_DESIGN))
    return compute_curve(schedule), DesignFacts.of(schedule)


def test_a_scheduler_stepped_every_other_optimizer_step_is_a_stretch_of_a_half():
    """Once every 2 optimizer steps is not the design's epoch (5 batches): a stretch."""
    curve, facts = _design()
    slow = curve[np.arange(40) // 2]
    diagnosis = check_logged(_run_of(slow), curve, facts)["diagnosis"]
    assert (diagnosis["kind"], diagnosis["factor"]) == ("stretch", 0.5)


def test_an_offset_the_other_way_and_a_fractional_stretch():
    curve, facts = _design()
    late = np.concatenate([[curve[0]], curve[:-1]])  # logged with steps counted from 1
    diagnosis = check_logged(_run_of(late), curve, facts)["diagnosis"]
    assert (diagnosis["kind"], diagnosis["steps"]) == ("offset", -1)
    paced = curve[(np.arange(26) * 3) // 2]  # 3 scheduler steps every 2 optimizer steps
    diagnosis = check_logged(_run_of(paced), curve, facts)["diagnosis"]
    assert (diagnosis["kind"], diagnosis["factor"]) == ("stretch", 1.5)


def test_an_epoch_design_stepped_every_batch_is_an_interval():
    schedule = load_schedule(json.dumps({**STEP_DESIGN, "interval": "epoch",
                                         "steps_per_epoch": 4}))
    curve = compute_curve(schedule)
    per_batch = curve[:40]  # the run stepped its scheduler every batch
    result = check_logged(_run_of(per_batch), curve, DesignFacts.of(schedule))
    assert result["design_steps"] == 160
    diagnosis = result["diagnosis"]
    assert (diagnosis["kind"], diagnosis["steps_per_epoch"]) == ("interval", 4)
    assert "set the design's interval to step" in diagnosis["message"]


def test_noise_is_unknown_with_its_first_difference():
    curve, facts = _design()
    noisy = curve * (1 + 0.01 * np.sin(np.arange(40)))
    result = check_logged(_run_of(noisy), curve, facts)
    assert result["diagnosis"]["kind"] == "unknown"
    assert result["first_difference"] == {"step": 1, "logged": noisy[1],
                                          "designed": curve[1]}


def test_a_run_longer_than_the_design_differs_past_its_end():
    curve, facts = _design()
    result = check_logged(_run_of(np.concatenate([curve, [curve[-1]] * 5])), curve, facts)
    assert result["verdict"] == "differs"
    assert result["first_difference"] == {"step": 40, "logged": curve[-1], "designed": None}
    assert report_lines(result)[0].startswith("differs from step 40: logged ")
    assert "past the design's end" in report_lines(result)[0]
    assert "stop training at step 40" in result["diagnosis"]["message"]
