"""transformers' `reduce_lr_on_plateau` as a design: one simulated ReduceLROnPlateau phase.

transformers builds torch's ReduceLROnPlateau from the extra arguments (`lr_scheduler_kwargs`;
it ignores the warmup), and Trainer steps it after each evaluation with
`metrics["eval_" + metric_for_best_model]` (TrainingArguments' default "loss"; a name that
already starts with "eval_" is taken as it is), nothing else. Measured with transformers 5.25
(`examples/runs/make_hf_plateau_run.py`): the lr logged at `step` s is the lr optimizer step s
used, and an evaluation logged at `step` k steps the scheduler before optimizer step k + 1.

The extras may also set the simulation (`metric`, `metric_noise`, `noise_seed`, and
`eval_every`, Trainer's eval_steps, 500 by default like TrainingArguments'), and drive the
phase from a logged run: `metric_run` (a Trainer's output folder or trainer_state.json) with
`metric_tag`, by default the series Trainer steps with: `eval_loss`, or from the Trainer's
settings (`import_hf` only; a snippet's `get_scheduler` passes its extras to torch) its
`metric_for_best_model`, `accuracy` naming `eval_accuracy`.
"""

from __future__ import annotations

import math
from typing import Any

from designer.core.schedule.catalog import EXPRESSION, SCHEDULERS
from designer.core.schedule.model import Phase, ScheduleError, simulation_for_length

PLATEAU = "reduce_lr_on_plateau"
PLATEAU_EVAL_STEPS = 500  # TrainingArguments' default eval_steps (= logging_steps)
METRIC_FOR_BEST_MODEL = "metric_for_best_model"  # TrainingArguments' name; not torch's


def plateau_phase(warmup: int, steps: int, extra: dict[str, Any]) -> Phase:
    """transformers' `get_reduce_on_plateau_schedule(optimizer, **extra)`: torch's class
    with those arguments, as a simulated phase over the whole run, monitoring the series
    Trainer steps it with."""
    from designer.core.schedule.checks import check_params

    if warmup:
        raise ScheduleError("warmup_steps", f"{PLATEAU} has no warmup (transformers "
                            "ignores num_warmup_steps for it); give 0")
    params = {**simulation_for_length(steps), "eval_every": PLATEAU_EVAL_STEPS,
              "metric_tag": trainer_metric("loss"),
              **{key: _as_expression(key, value) for key, value in extra.items()}}
    return Phase("ReduceLROnPlateau", steps, check_params("ReduceLROnPlateau", params,
                                                          "extra"))


def trainer_extra(extra: dict[str, Any]) -> dict[str, Any]:
    """The extras of a Trainer's settings as the phase's: `metric_for_best_model` (not an
    argument of torch's class) names the phase's `metric_tag`, unless that is given."""
    extra = dict(extra)
    if METRIC_FOR_BEST_MODEL in extra:
        tag = trainer_metric(extra.pop(METRIC_FOR_BEST_MODEL) or "loss")
        extra.setdefault("metric_tag", tag)
    return extra


def trainer_metric(name: Any) -> str:
    """The logged series Trainer steps the plateau with for `metric_for_best_model` = name
    (transformers' `_evaluate`: "eval_" prefixed unless already there)."""
    if not isinstance(name, str) or not name.strip():
        raise ScheduleError(f"extra.{METRIC_FOR_BEST_MODEL}", "must be a metric's name "
                            "(loss, accuracy, eval_loss)")
    name = name.strip()
    return name if name.startswith("eval_") else f"eval_{name}"


def plateau_name(steps: int, phase: Phase) -> str:
    """The imported design's name: what its metric is."""
    metric = "simulated metric"
    if phase.param_value("metric_run"):
        metric = f"{phase.param_value('metric_tag')} of a logged run"
    return f"Hugging Face {PLATEAU} schedule ({steps:,} steps, {metric})"


def _as_expression(key: str, value: Any) -> Any:
    """A number given for an expression parameter (`metric=1` on the command line, or
    `metric=0.5` in a snippet) is that constant expression, as its text."""
    spec = SCHEDULERS["ReduceLROnPlateau"]
    if not spec.has_param(key) or spec.param(key).kind != EXPRESSION or isinstance(
            value, bool) or not isinstance(value, (int, float)):
        return value
    if not math.isfinite(value):
        raise ScheduleError(f"extra.{key}", "must be an expression in `step`, or a finite "
                            "number")
    return repr(value)
