"""Phase lengths that follow the training setup: a fraction of the total, epochs, the rest.

A phase's length in a file is an int (fixed steps), `{"fraction": x}` (0 < x <= 1 of the
total), `{"epochs": x}`, or `"rest"` (at most one phase: what the others leave). The model
keeps the length as given (`Phase.length`; None for fixed steps) and `resolve_steps`, the one
place that turns lengths into scheduler steps, gives every phase its int `steps` whenever a
`Schedule` is made, so the engine, the worker, CSV and the preview only ever see ints.

Rounding: a fraction or an epoch count rounds to the nearest step (halves up, at least 1);
"rest" absorbs the rounding, so with a rest phase the phases sum to the total exactly.
The total is the setup's total optimizer steps with `interval == "step"`, its epochs
(rounded up) with `"epoch"`; one epoch is the setup's optimizer steps per epoch, or 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from designer.core.schedule.training import TrainingSetup, count_steps, format_number

FRACTION = "fraction"
EPOCHS = "epochs"
REST = "rest"
MAX_STEPS = 10_000_000  # the model's MAX_TOTAL_STEPS (model imports this module)


class LengthError(ValueError):
    """A length that cannot be resolved; `field` names it (``phases[1].steps``)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class Length:
    """A proportional length: `kind` FRACTION or EPOCHS with its `value`, or REST (value 0)."""

    kind: str
    value: float = 0.0

    def text(self) -> str:
        """How the length reads in a message: `3% of total`, `2 epochs`, `rest`."""
        if self.kind == FRACTION:
            return f"{format_number(round(self.value * 100, 6))}% of total"
        if self.kind == EPOCHS:
            return f"{format_number(self.value)} epoch{'' if self.value == 1 else 's'}"
        return "rest"

    def label(self) -> str:
        """The kind of length in a few characters, as the timeline's blocks and the
        inspector's Steps row show it next to the steps: `3%`, `2 ep`, `rest`."""
        if self.kind == FRACTION:
            return f"{self.value * 100:.3g}%"
        if self.kind == EPOCHS:
            return f"{self.value:.3g} ep"
        return "rest"


def unit_counts(training: TrainingSetup | None, interval: str) -> tuple[int, int] | None:
    """(total scheduler steps, steps per epoch) of a setup, or None without one."""
    if training is None:
        return None
    if interval == "epoch":
        return math.ceil(training.epochs), 1
    counted = count_steps(training)
    return counted.total_steps, counted.steps_per_epoch


def resolve_steps(
    lengths: Sequence[Length | None], fixed: Sequence[int], training: TrainingSetup | None,
    interval: str, strict: bool = True,
) -> list[int]:
    """Every phase's int steps: `fixed[i]` where `lengths[i]` is None, else its length
    resolved against the setup. Errors name the phase's field. Not `strict` (a design being
    edited must always build), a "rest" the others leave nothing, or a second "rest", keeps
    1 step, and without a setup the phases keep their steps; the file format and
    `checks.check_lengths` resolve strictly and report those."""
    if all(length is None for length in lengths):
        return list(fixed)
    counts = unit_counts(training, interval)
    if counts is None and not strict:
        return list(fixed)
    if counts is None:
        index = next(i for i, length in enumerate(lengths) if length is not None)
        raise LengthError(f"phases[{index}].steps", f"{lengths[index].text()} needs a "
                          "training setup (the \"training\" block) to count steps from")
    total, per_epoch = counts
    if total > MAX_STEPS:
        raise LengthError("training", f"implies {total:,} steps; the limit is {MAX_STEPS:,}")
    steps: list[int] = []
    rest_at = None
    for index, (length, given) in enumerate(zip(lengths, fixed)):
        if length is None:
            steps.append(int(given))
        elif length.kind == REST and rest_at is not None and not strict:
            steps.append(1)
        elif length.kind == REST:
            if rest_at is not None:
                raise LengthError(f"phases[{index}].steps", f"only one phase can be \"rest\" "
                                  f"(phases[{rest_at}] already is)")
            rest_at = index
            steps.append(0)
        else:
            unit = total if length.kind == FRACTION else per_epoch
            steps.append(max(1, math.floor(length.value * unit + 0.5)))
    if rest_at is not None:
        left = total - sum(steps)
        if left < 1 and strict:
            raise LengthError(f"phases[{rest_at}].steps", f"the other phases take {sum(steps):,} "
                              f"of the {total:,} steps, leaving nothing for \"rest\"")
        steps[rest_at] = max(1, left)
    return steps


def length_for_steps(length: Length | None, steps: int, training: TrainingSetup | None,
                     interval: str) -> Length | None:
    """The length of the same kind that resolves to `steps` (a drag or a typed step count
    keeps a fraction a fraction, epochs epochs; "rest" stays the rest)."""
    counts = unit_counts(training, interval)
    if length is None or length.kind == REST or counts is None:
        return length
    total, per_epoch = counts
    unit = total if length.kind == FRACTION else per_epoch
    value = steps / unit
    if length.kind == FRACTION:
        value = min(value, 1.0)
    return Length(length.kind, value)


def length_from_json(value: Any, field: str) -> Length | None:
    """A phase's `"steps"` from a file: None for an int (the caller checks it), else the
    proportional length. Errors name `field`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return None
    if value == REST:
        return Length(REST)
    if isinstance(value, dict) and len(value) == 1:
        (kind, amount), = value.items()
        if kind in (FRACTION, EPOCHS) and _is_number(amount) and amount > 0:
            if kind == FRACTION and amount > 1:
                raise LengthError(field, f"a fraction must be > 0 and <= 1, got {amount!r}")
            return Length(kind, float(amount))
        if kind == FRACTION:
            raise LengthError(field, f"a fraction must be > 0 and <= 1, got {amount!r}")
        if kind == EPOCHS:
            raise LengthError(field, f"epochs must be a number > 0, got {amount!r}")
    raise LengthError(field, 'must be a positive integer, {"fraction": x}, {"epochs": x} '
                      'or "rest"')


def length_to_json(length: Length | None, steps: int) -> Any:
    """A phase's `"steps"` as the file writes it (the length as given)."""
    if length is None:
        return steps
    if length.kind == REST:
        return REST
    value = length.value
    return {length.kind: int(value) if value.is_integer() else value}


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))
