"""MLflow file-store runs: `<mlruns>/<experiment>/<run id>/metrics/<key>`.

Each metric file holds one `timestamp value step` line per logged value (a key with `/`
is a nested path: `metrics/lr-AdamW/pg1`). The step is whatever the writer passed:
Lightning's MLFlowLogger passes LearningRateMonitor's step (the design's step, as in its
CSV); the Trainer's MLflowCallback passes its global step, one past the design's (as in
trainer_state.json), recognised by the TrainingArguments it logs as params; a hand-written
loop that logs `mlflow.log_metric("lr", lr, step=i)` before optimizer.step() passes i.
"""

from __future__ import annotations

import os

from designer.core.runs import hf_trainer
from designer.core.runs.series import (
    LoggedRun,
    RunError,
    parse_number,
    parse_step,
    read_log_text,
    run_from_series,
    walk_files,
)

METRICS = "metrics"
# Params that only the Trainer's MLflowCallback logs together (its TrainingArguments).
_TRAINER_PARAMS = ("lr_scheduler_type", "logging_steps", "gradient_accumulation_steps")


def is_run_folder(folder: str) -> bool:
    """An MLflow run folder holds meta.yaml and metrics/."""
    return (os.path.isdir(os.path.join(folder, METRICS))
            and os.path.isfile(os.path.join(folder, "meta.yaml")))


def read_mlflow(path: str, tag: str | None) -> LoggedRun:
    """A run folder (or its metrics/ folder)."""
    folder = path
    if os.path.basename(os.path.normpath(path)) == METRICS:
        folder = os.path.dirname(os.path.normpath(path))
    metrics = os.path.join(folder, METRICS)
    if not os.path.isdir(metrics):
        raise RunError(path, "not an MLflow run folder: it has no metrics/ folder")
    series = {}
    for file in walk_files(metrics, lambda name: True):
        key = os.path.relpath(file, metrics).replace(os.sep, "/")
        series[key] = _metric(file)
    trainer = all(os.path.isfile(os.path.join(folder, "params", name))
                  for name in _TRAINER_PARAMS)
    facts = hf_trainer.TRAINER_FACTS if trainer else {}
    return run_from_series(folder, "mlflow", series, tag, **facts)


def _metric(file: str) -> tuple[list[int], list[float]]:
    steps, values = [], []
    for number, line in enumerate(read_log_text(file, "MLflow metric file").splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        try:
            if len(fields) not in (2, 3):
                raise ValueError(line)
            # Files of MLflow before steps existed have no third field: step 0.
            step = parse_step(fields[2]) if len(fields) == 3 else 0
            value = parse_number(fields[1])
        except ValueError:
            raise RunError(file, f"line {number}: not a 'timestamp value step' line of an "
                           "MLflow metric") from None
        steps.append(step)
        values.append(value)
    return steps, values
