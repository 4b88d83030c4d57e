"""The file format's reading of the training setup and of a phase's length (format 4), with
the errors as `ScheduleError`s naming the field, for `designer.core.schedule.fileformat`."""

from __future__ import annotations

from typing import Any

from designer.core.schedule.lengths import Length, LengthError, length_from_json
from designer.core.schedule.model import MAX_TOTAL_STEPS, ScheduleError
from designer.core.schedule.training import TrainingSetup, TrainingSetupError, setup_from_json


def training_from_doc(doc: Any) -> TrainingSetup | None:
    """The optional "training" block (None without one)."""
    if doc is None:
        return None
    duplicate = getattr(doc, "duplicate", None)  # the parser's first repeated key
    if duplicate is not None:
        raise ScheduleError(f"training.{duplicate}", "duplicate key: it appears more than "
                            "once in the same object")
    try:
        return setup_from_json(doc)
    except TrainingSetupError as exc:
        field, _, message = str(exc).partition(": ")
        raise ScheduleError(field, message) from None


def steps_from_doc(steps: Any, path: str) -> tuple[int, Length | None]:
    """A phase's "steps": (int steps, None), or (1, the proportional length) that the
    `Schedule` resolves."""
    try:
        length = length_from_json(steps, f"{path}.steps")
    except LengthError as exc:
        raise ScheduleError(exc.field, exc.message) from None
    if length is not None:
        return 1, length
    if steps < 1:
        raise ScheduleError(f"{path}.steps", "must be a positive integer")
    if steps > MAX_TOTAL_STEPS:
        raise ScheduleError(f"{path}.steps", f"must be at most {MAX_TOTAL_STEPS:,} steps")
    return steps, None
