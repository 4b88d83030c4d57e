"""Hugging Face Trainer runs: `trainer_state.json`, in an output folder or a `checkpoint-N`.

`log_history` holds one entry per logging call; a training entry has `learning_rate` and
`step` (evaluation and final entries have neither). The Trainer reads the lr for the log
right after `optimizer.step()`, before `lr_scheduler.step()`, and logs it at `step` = the
global step after that optimizer step: the lr of 1-based optimizer step s, which is the
design's step s - 1 (measured with transformers 5.25, logging_steps=1). Releases before
transformers' pull request 36973 (spring 2025) read it after the scheduler step, the next
step's lr: their logs read as an offset of 1.

An output folder without its own trainer_state.json is read at its newest checkpoint (the
highest N of `checkpoint-N`).
"""

from __future__ import annotations

import json
import math
import os
import re

from designer.core.runs.series import (
    LoggedRun,
    RunError,
    newest_numbered,
    read_log_text,
    run_from_series,
)

STATE_FILE = "trainer_state.json"
WRITER = "Hugging Face Trainer"
# The Trainer's logged step s holds the lr optimizer step s (counted from 1) used.
STEP_OFFSET = -1
# What a reader tells of a series the Trainer wrote (in its TensorBoard or MLflow callback).
TRAINER_FACTS = {"writer": WRITER, "step_offset": STEP_OFFSET}
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def state_file(folder: str) -> str | None:
    """The trainer_state.json of an output folder: its own, else its newest checkpoint's."""
    own = os.path.join(folder, STATE_FILE)
    if os.path.isfile(own):
        return own
    try:
        names = os.listdir(folder)
    except OSError:
        return None
    return newest_numbered(folder, names, _CHECKPOINT, STATE_FILE)


def read_trainer_state(path: str, tag: str | None) -> LoggedRun:
    """trainer_state.json, or a folder holding it (or checkpoints holding it)."""
    if os.path.isdir(path):
        found = state_file(path)
        if found is None:
            raise RunError(path, f"no {STATE_FILE} in this folder or its checkpoint-N folders")
        path = found
    text = read_log_text(path, STATE_FILE)
    try:
        state = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise RunError(path, f"not a {STATE_FILE}: {str(exc).splitlines()[0][:120]}") from None
    history = state.get("log_history") if isinstance(state, dict) else None
    if not isinstance(history, list):
        raise RunError(path, f"not a {STATE_FILE}: it has no log_history list")
    series: dict[str, tuple[list, list]] = {}
    epochs: list[tuple[int, float]] = []
    for entry in history:
        step = entry.get("step") if isinstance(entry, dict) else None
        if not isinstance(step, int) or isinstance(step, bool):
            continue
        for key, value in entry.items():
            if key in ("step", "epoch") or not _is_number(value):
                continue
            steps, values = series.setdefault(key, ([], []))
            steps.append(step)
            values.append(float(value))
        if _is_number(entry.get("epoch")) and entry["epoch"] > 0:
            epochs.append((step, float(entry["epoch"])))
    return run_from_series(path, "hf-trainer-state", series, tag, **TRAINER_FACTS,
                           steps_per_epoch=_steps_per_epoch(epochs))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(
        value)


def _steps_per_epoch(epochs: list[tuple[int, float]]) -> int | None:
    """The Trainer logs `epoch` = global step / steps per epoch, rounded: the ratio at the
    last logged step is the closest to exact."""
    if not epochs:
        return None
    step, epoch = max(epochs)
    estimate = round(step / epoch)
    return estimate if estimate >= 1 else None
