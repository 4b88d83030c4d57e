"""The streamed CSV: the same text as the whole curve formatted at once, piece by piece;
nothing handed out for a design torch refuses when output cannot be taken back; summaries
of curves near the float maximum."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from designer.core.curves.engine import compute_curves
from designer.core.curves.summary import summarize
from designer.core.export.curve_csv import curve_csv_chunks
from designer.core.schedule.fileformat import dump_schedule, load_schedule
from designer.core.schedule.model import ScheduleError


def _design(phases, lr=0.1, groups=None) -> str:
    document = {"format": "lr-schedule-designer", "version": 3,
                "optimizer": {"name": "SGD", "lr": lr, "params": {"momentum": 0.9}}, "phases": phases}
    if groups:
        document["param_groups"] = groups
    return json.dumps(document)


LONG = [{"scheduler": "LinearLR", "steps": 50_001, "params": {"start_factor": 0.01}},
        {"scheduler": "OneCycleLR", "steps": 1_001, "params": {"max_lr": 0.5}},
        {"scheduler": "StepLR", "steps": 3, "start": "continue",
         "params": {"step_size": 1, "gamma": 0.5}}]
GROUPS = [{"name": "backbone", "lr": 0.01}, {"name": "head", "lr_scale": 10}]


def _whole(schedule, momentum: bool, summary: bool) -> str:
    """The CSV written out from the whole curve, independently of curve_csv."""
    curves = compute_curves(schedule, momentum=momentum)
    names = [group.name for group in schedule.param_groups]
    lines = []
    if summary:
        lines += [f"# {k}: {v!r}" for k, v in summarize(schedule, curves.lr).items()]
    columns = [curves.lr, *(curves.others if curves.others is not None else [])]
    header = ["step", *(f"lr_{n}" for n in names)] if names else ["step", "lr"]
    if momentum:
        header.append("momentum")
        columns.append(curves.momentum)
    lines.append(",".join(header))
    lines += [f"{i}," + ",".join(repr(float(c[i])) for c in columns)
              for i in range(len(curves.lr))]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("groups", [None, GROUPS])
@pytest.mark.parametrize(("momentum", "summary", "all_or_nothing"),
                         [(False, False, False), (True, False, True), (False, True, False),
                          (True, True, True)])
def test_streamed_csv_equals_the_whole_curve_written_out(groups, momentum, summary,
                                                         all_or_nothing):
    schedule = load_schedule(_design(LONG, groups=groups))
    chunks = list(curve_csv_chunks(schedule, momentum, summary, all_or_nothing))
    assert len(chunks) > 2  # streamed in pieces, not one string
    assert "".join(chunks) == _whole(schedule, momentum, summary)


def _refused_late() -> str:
    # torch refuses only when stepping reaches the phase after 50k fine steps.
    return _design([{"scheduler": "ConstantLR", "steps": 50_001, "params": {"factor": 1.0}},
                    {"scheduler": "LambdaLR", "steps": 10,
                     "params": {"lr_lambda": "1 / (step - 5)"}}])


def test_streaming_without_spool_yields_before_a_late_error():
    chunks = curve_csv_chunks(load_schedule(_refused_late()))
    assert next(chunks).startswith("step,lr")
    with pytest.raises(ScheduleError) as info:
        list(chunks)
    assert info.value.field == "phases[1].params.lr_lambda"


@pytest.mark.parametrize("summary", [False, True])
def test_all_or_nothing_refuses_before_the_first_chunk(summary):
    chunks = curve_csv_chunks(load_schedule(_refused_late()), summary=summary,
                              all_or_nothing=True)
    with pytest.raises(ScheduleError):
        next(chunks)


def test_a_curve_near_the_float_maximum_has_a_finite_mean_and_an_overflowing_area():
    schedule = load_schedule(_design([{"scheduler": "ConstantLR", "steps": 10,
                                       "params": {"factor": 1.0}}], lr=1e308))
    facts = summarize(schedule, compute_curves(schedule).lr)
    assert facts.mean == 1e308 and facts.peak == 1e308
    assert math.isinf(facts.area) and facts.overflowing() == ["area"]
    text = "".join(curve_csv_chunks(schedule, summary=True))
    assert "# mean: 1e+308\n" in text and "# area: inf\n" in text
    summary = json.loads(dump_schedule(schedule, facts.items()))["summary"]
    assert summary["area"] is None and summary["mean"] == 1e308
    load_schedule(dump_schedule(schedule, facts.items()))  # a file the designer opens


def test_an_ordinary_mean_is_numpy_s():
    schedule = load_schedule(_design(LONG))
    lrs = compute_curves(schedule).lr
    assert summarize(schedule, lrs).mean == float(np.mean(lrs))
