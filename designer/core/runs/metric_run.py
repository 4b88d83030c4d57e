"""A ReduceLROnPlateau phase driven by a logged run's metric: read the run named by the
phase's `metric_run` (its series `metric_tag`), map its evaluations onto the phase's steps,
and attach them to the phase as a `MetricSource` for the engine, the caches and the plot.

Alignment (measured with Lightning 2.6, README "A plateau phase on a logged run's metric"):
a reader's step s of a metric is the 0-based optimizer step after which it was evaluated
(Lightning logs `val_loss` at the step its validation followed: the epoch's last,
`(e + 1) * n - 1`, or with `val_check_interval` k the steps k - 1, 2k - 1, ... of each
epoch; the Trainer logs `eval_loss` at the new global step, which its reader shifts by -1).
A design's unit is its step, or in a design of `"interval": "epoch"` the epoch s // n
(n: the design's `steps_per_epoch`, else the run's) with the epoch's last evaluation.
`metric_steps` says when the scheduler steps: "evaluated", right after each unit the run
evaluated (a loop that steps where it validates; the Trainer); "every", as Lightning steps
a monitoring scheduler: after every `eval_every`-th unit (its `frequency`) with the latest
value logged by then, units before the first evaluation skipped (its `"strict": False`; the
default strict=True stops training there), and per batch the count restarting at each
epoch's first batch (`(batch_idx + 1) % frequency`; so n is needed when eval_every > 1, and
a design that accumulates gradients cannot follow its count of batches). The Trainer steps
after every evaluation, so its run drives an epoch design only when it evaluated at
epochs' ends, as `eval_strategy="epoch"` (measured with transformers 5.25,
`examples/runs/make_hf_plateau_run.py`); otherwise a warning. Design units are then made
the phase's own (minus the phase's first unit): a phase takes the evaluations within it.

What cannot be read (a missing or changed file, a missing series, no evaluation within the
phase) is a warning naming `phases[N].params.metric_run` (a clock the design cannot follow:
`eval_every`); that phase keeps its synthetic `metric`. Nothing here raises for a run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from designer.core.runs.hf_trainer import WRITER as TRAINER
from designer.core.runs.series import LoggedRun, RunError
from designer.core.runs.sources import read_run
from designer.core.schedule.metric_source import MetricSource
from designer.core.schedule.model import Schedule
from designer.core.schedule.training import epoch_steps

METRIC_RUN, METRIC_TAG, METRIC_STEPS = "metric_run", "metric_tag", "metric_steps"
FALLBACK = "the phase uses its synthetic metric"

Reading = LoggedRun | RunError  # a run read, or why it could not be
RunKey = tuple[str, str]  # (absolute path, tag)


class ClockError(RunError):
    """A run whose evaluations the phase's held clock cannot follow: the warning names the
    phase's `param`."""

    def __init__(self, path: str, param: str, message: str) -> None:
        super().__init__(path, message)
        self.param = param


def metric_runs(schedule: Schedule, design_path: str | None) -> dict[int, RunKey]:
    """phase index -> (absolute path, tag) of every plateau phase with a `metric_run`;
    a relative path is read from the design file's folder (as the design's `runs`)."""
    found = {}
    for index, phase in enumerate(schedule.phases):
        if not phase.spec.simulated:
            continue
        path = phase.param_value(METRIC_RUN) or ""
        if path:
            found[index] = (resolve(path, design_path), phase.param_value(METRIC_TAG) or "")
    return found


def resolve(path: str, design_path: str | None) -> str:
    """`path` as the design file means it: relative to its folder (the working folder for
    a design not saved yet)."""
    folder = os.path.dirname(os.path.abspath(design_path)) if design_path else os.getcwd()
    return os.path.abspath(os.path.join(folder, os.path.expanduser(path)))


def read_metric(key: RunKey) -> Reading:
    """The run's series `tag` at `path`, or the RunError that says why not (with the
    run's series names when the run itself could be read)."""
    path, tag = key
    try:
        run = read_run(path, tag)
    except RunError as exc:
        if tag:
            return exc
        names = exc.names
    else:
        if tag:
            return run
        names = run.names
    # Read for the series' names only: no tag names no metric.
    return RunError(path, f"no series given ({METRIC_TAG} is empty)", names)


def read_metrics(schedule: Schedule, design_path: str | None) -> dict[RunKey, Reading]:
    """Every `metric_run` of the design, read (the command line's way; the window reads
    them off its thread and keeps them)."""
    return {key: read_metric(key) for key in set(metric_runs(schedule, design_path).values())}


def with_metrics(schedule: Schedule, design_path: str | None,
                 readings: Mapping[RunKey, Reading], fallback: str = FALLBACK,
                 ) -> tuple[Schedule, list[tuple[int, str]]]:
    """The design with each run-driven phase's evaluations attached, and (phase index,
    warning line) for each phase whose run could not drive it (that phase keeps its
    synthetic metric, which the line ends by saying: `fallback`). A run not read yet (not
    in `readings`) is no warning."""
    phases, warnings = list(schedule.phases), []
    for index, key in metric_runs(schedule, design_path).items():
        reading = readings.get(key)
        if reading is None:
            continue  # still being read: the synthetic metric meanwhile
        try:
            if isinstance(reading, RunError):
                raise reading
            source = phase_source(reading, schedule, index)
        except RunError as exc:
            field = f"phases[{index}].params.{getattr(exc, 'param', METRIC_RUN)}"
            warnings.append((index, f"{field}: {exc}; {fallback}"))
            continue
        phases[index] = replace(phases[index], metric_source=source)
    if not any(phase.metric_source is not None for phase in phases):
        return schedule, warnings
    return replace(schedule, phases=tuple(phases)), warnings


def prepare(schedule: Schedule, design_path: str | None) -> tuple[Schedule, list[str]]:
    """`with_metrics` after reading the design's runs, with the warning lines: what the
    command line steps."""
    prepared, warnings = with_metrics(schedule, design_path,
                                      read_metrics(schedule, design_path))
    return prepared, [text for _, text in warnings]


def design_steps(run: LoggedRun, schedule: Schedule) -> tuple[np.ndarray, np.ndarray]:
    """The run's evaluations as (design step after which each is stepped, value)."""
    if schedule.interval != "epoch":
        return run.steps, run.lrs
    per_epoch = schedule.steps_per_epoch or run.steps_per_epoch
    if not per_epoch:
        raise RunError(run.path, "the design counts epochs, and neither it (steps_per_epoch) "
                       "nor the run says how many steps an epoch has")
    mid_epoch = run.steps[(run.steps + 1) % per_epoch != 0]
    if run.writer == TRAINER and len(mid_epoch):
        # The Trainer steps the plateau after every evaluation, never once per epoch.
        raise RunError(run.path, "the Trainer stepped ReduceLROnPlateau after every "
                       f"evaluation, also within an epoch (after global step "
                       f"{int(mid_epoch[0]) + 1}, of {per_epoch} per epoch), and a design "
                       "stepped per epoch cannot: set the design's interval to step")
    epochs = run.steps // per_epoch
    last = np.append(epochs[1:] != epochs[:-1], True)  # an epoch's last evaluation
    return epochs[last], run.lrs[last]


def phase_source(run: LoggedRun, schedule: Schedule, index: int) -> MetricSource:
    """Phase `index`'s evaluations from the run, on the phase's own steps; RunError when
    none falls within the phase."""
    steps, values = design_steps(run, schedule)
    first = schedule.phase_starts()[index]
    local = steps - first
    inside = (local >= 0) & (local < schedule.phases[index].steps)
    if not inside.any():
        unit = "epoch" if schedule.interval == "epoch" else "step"
        raise RunError(run.path, f"no evaluation of {run.tag!r} falls within the phase "
                       f"({unit}s {first} to {first + schedule.phases[index].steps - 1}; "
                       f"the run evaluated at {unit}s {int(steps[0])} to {int(steps[-1])})")
    return MetricSource.of(run.label, local[inside], values[inside],
                           **held_clock(run, schedule, index))


def held_clock(run: LoggedRun, schedule: Schedule, index: int) -> dict[str, int]:
    """`MetricSource.of`'s clock for phase `index`: none for `metric_steps` "evaluated";
    Lightning's for "every" (module docstring); ClockError when the design cannot follow it."""
    phase = schedule.phases[index]
    if phase.param_value(METRIC_STEPS) != "every":
        return {}
    every, start = int(phase.param_value("eval_every")), schedule.phase_starts()[index]
    if schedule.interval == "epoch" or every == 1:  # epochs: counted from the first
        return {"every": every, "start": start}
    words = "Lightning counts a step scheduler's frequency (eval_every) in batches"
    if schedule.training is not None and schedule.training.accumulation > 1:
        raise ClockError(run.path, "eval_every", f"{words}, and each step of the design "
                         f"accumulates {schedule.training.accumulation} batches")
    cycle = epoch_steps(schedule) or run.steps_per_epoch
    if not cycle:
        raise ClockError(run.path, "eval_every", f"{words} from each epoch's first, and "
                         "neither the design (steps_per_epoch) nor the run says how many "
                         "steps an epoch has")
    return {"every": every, "cycle": cycle, "start": start}
