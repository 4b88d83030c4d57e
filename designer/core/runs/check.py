"""Check a logged run against the design's curve: the verdict, as `check-run --json` gives it.

Pure numpy: the window calls `check_logged` with the first group's curve it already has
(it never imports torch); the command line computes the curve first (`design_run`).

Steps. A run's steps are batches (optimizer steps, counted from 0, the writer's convention
applied by the reader). A design with "interval": "epoch" and `steps_per_epoch` n steps its
scheduler once per n batches: logged step s is design step s // n. Without
`steps_per_epoch` an epoch design's logged steps are taken as epochs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from designer.core.runs.diagnosis import Frame, diagnose
from designer.core.runs.series import LoggedRun

# TensorBoard stores float32 (a relative rounding of 6e-8); nothing a training loop does
# wrong changes the lr by less than a millionth.
TOLERANCE = 1e-6
MATCHES, DIFFERS = "matches", "differs"


@dataclass(frozen=True)
class DesignFacts:
    """What the check needs of a design besides its curve: the step interval, the batches
    of an epoch, and the first group's base lr (for the scale diagnosis' fix)."""

    interval: str = "step"
    steps_per_epoch: int | None = None
    base_lr: float | None = None

    @classmethod
    def of(cls, schedule: Any) -> DesignFacts:
        """The facts of a `designer.core.schedule.model.Schedule`."""
        return cls(schedule.interval, schedule.steps_per_epoch, schedule.base_lrs()[0])

    @property
    def batches_per_step(self) -> int:
        """Logged steps (batches) per design step: n for an epoch design of n batches."""
        if self.interval == "epoch" and self.steps_per_epoch:
            return int(self.steps_per_epoch)
        return 1


def check_logged(run: LoggedRun, designed: np.ndarray, design: DesignFacts) -> dict:
    """The verdict on `run` against `designed` (the first group's lr per design step).

    Returns the `--json` dict: verdict ("matches" when every logged point within the
    design equals its lr to TOLERANCE, relatively, and none lies past the design's end),
    source, tag, points, logged_steps [first, last], design_steps (in the run's steps),
    max_rel_error, first_difference (null or step, logged, designed: null past the end) and
    diagnosis (null, or its kind, its numbers and `message`, the sentence with the fix).
    A run that stopped early but matches so far matches; logged_steps tells how far it got.
    """
    frame = Frame(run.steps, run.lrs, np.asarray(designed, dtype=np.float64), design,
                  run.steps_per_epoch)
    errors = frame.errors(frame.index)
    inside = frame.inside(frame.index)
    bad = ~inside | (errors > TOLERANCE)
    result: dict[str, Any] = {
        "verdict": DIFFERS if bad.any() else MATCHES,
        "source": run.source,
        "tag": run.tag,
        "points": len(run.steps),
        "logged_steps": [int(run.steps[0]), int(run.steps[-1])] if len(run.steps) else [],
        "design_steps": int(len(frame.designed) * design.batches_per_step),
        "max_rel_error": float(errors[inside].max()) if inside.any() else 0.0,
        "first_difference": None,
        "diagnosis": None,
    }
    if bad.any():
        first = int(np.argmax(bad))
        designed_value = (float(frame.designed[frame.index[first]]) if inside[first]
                          else None)
        result["first_difference"] = {"step": int(run.steps[first]),
                                      "logged": float(run.lrs[first]),
                                      "designed": designed_value}
        result["diagnosis"] = diagnose(frame, first, TOLERANCE)
    return result


def verdict_line(result: dict) -> str:
    """The one-line verdict: "matches: 200 logged steps of 200, max relative error 3e-8" or
    "differs from step 20: logged 0.1, designed 0.0145"."""
    first, last = (result["logged_steps"] + [None, None])[:2]
    if result["verdict"] == MATCHES:
        span = ""
        if result["points"] and (first != 0 or last != result["design_steps"] - 1):
            span = f" (steps {first}-{last})"
        return (f"matches: {result['points']:,} logged steps of {result['design_steps']:,}"
                f"{span}, max relative error {short_number(result['max_rel_error'])}")
    difference = result["first_difference"]
    logged, designed = difference["logged"], difference["designed"]
    if designed is None:
        where = ("past the design's end" if difference["step"] >= 0
                 else "before the design's start")
        return (f"differs from step {difference['step']}: logged {short_number(logged)}, "
                f"{where} ({result['design_steps']:,} steps)")
    shown_logged, shown_designed = distinct_numbers(logged, designed)
    return (f"differs from step {difference['step']}: logged {shown_logged}, "
            f"designed {shown_designed}")


def report_lines(result: dict) -> list[str]:
    """What `check-run` prints: the verdict, then the diagnosis sentence when it differs."""
    lines = [verdict_line(result)]
    if result["diagnosis"] is not None:
        lines.append(result["diagnosis"]["message"])
    return lines


def short_number(value: float) -> str:
    """3e-08 written 3e-8; 0 as 0; other numbers with 3 significant digits."""
    if value == 0:
        return "0"
    text = f"{value:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def distinct_numbers(first: float, second: float) -> tuple[str, str]:
    """Both numbers with 3 significant digits, or as many more as it takes to tell them
    apart (a float32 rounding shows in the 7th)."""
    for digits in range(3, 18):
        a, b = f"{first:.{digits}g}", f"{second:.{digits}g}"
        if a != b:
            return a, b
    return repr(first), repr(second)
