"""Optimizer-step counts from a training setup, as the training frameworks count them.

A `TrainingSetup` holds what a user knows about a run: the dataset size (`examples`), the
batch size per device, the number of devices, gradient accumulation, epochs and the
DataLoader's `drop_last`. `count_steps` derives the numbers a schedule is sized by:

- batches per epoch on each device. With several devices a `DistributedSampler` (what
  Lightning injects) pads the examples to `ceil(examples / devices)` per device; the
  DataLoader then makes `ceil` (or, with `drop_last`, `floor`) of that over the batch size.
  Without `drop_last` this equals Accelerate's sharding (Hugging Face Trainer):
  `ceil(ceil(examples / batch) / devices) == ceil(ceil(examples / devices) / batch)`.
  With `drop_last` and a remainder that does not split across devices, Accelerate drops
  the whole incomplete global batch (`floor(examples / (batch * devices))`), which can be one
  batch fewer than the `DistributedSampler` count; `CountedSteps.formula` says which rule
  was used.
- optimizer steps per epoch: `max(ceil(batches / accumulation), 1)`: the last, short
  accumulation window still steps the optimizer (Trainer's `num_update_steps_per_epoch`,
  Lightning's `ceil(num_training_batches / accumulate_grad_batches)`).
- total optimizer steps: `ceil(epochs * steps per epoch)` (Trainer's `max_steps` from
  `num_train_epochs`, which may be fractional; Lightning's `estimated_stepping_batches`
  for whole `max_epochs`).

Qt-free and torch-free; tests check the counts against the real Trainer and Lightning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from designer.core.schedule.model import Schedule

FIELDS = ("examples", "batch_size", "devices", "accumulation", "epochs", "drop_last")


class TrainingSetupError(ValueError):
    """A training setup that cannot size a schedule; the message names the field."""


@dataclass(frozen=True)
class TrainingSetup:
    """What a run trains on; see the module docstring for how it counts.

    Attributes
    ----------
    examples : the dataset size (training examples), at least 1.
    batch_size : examples per batch on one device, at least 1.
    devices : data-parallel devices (world size), at least 1.
    accumulation : batches per optimizer step (gradient accumulation), at least 1.
    epochs : passes over the data, > 0; may be fractional (Trainer's `num_train_epochs`).
    drop_last : the DataLoader drops the last incomplete batch.
    """

    examples: int
    batch_size: int
    devices: int = 1
    accumulation: int = 1
    epochs: float = 1
    drop_last: bool = False

    def __post_init__(self) -> None:
        for name in ("examples", "batch_size", "devices", "accumulation"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise TrainingSetupError(
                    f"training.{name}: must be a whole number >= 1, got {value!r}"
                )
        epochs = self.epochs
        if (
            isinstance(epochs, bool)
            or not isinstance(epochs, (int, float))
            or not epochs > 0
            or math.isinf(epochs)
        ):
            raise TrainingSetupError(f"training.epochs: must be a number > 0, got {epochs!r}")
        if not isinstance(self.drop_last, bool):
            raise TrainingSetupError(
                f"training.drop_last: must be true or false, got {self.drop_last!r}"
            )
        if self.drop_last and self.examples_per_device() < self.batch_size:
            raise TrainingSetupError(
                f"training.drop_last: {self.examples_per_device()} examples per device are fewer than "
                f"batch_size {self.batch_size}, so every batch is dropped"
            )

    def examples_per_device(self) -> int:
        """Examples each device sees per epoch (a DistributedSampler pads to equal shares)."""
        return -(-self.examples // self.devices)


def setup_for_steps(total_steps: int) -> TrainingSetup:
    """A setup of `total_steps` optimizer steps: one epoch of `total_steps` batches of one
    example, where a design without a setup starts (the user types their real dataset,
    batch and epochs over it; a stretch changes its epochs)."""
    return TrainingSetup(examples=total_steps, batch_size=1, epochs=1)


@dataclass(frozen=True)
class CountedSteps:
    """The counts a setup implies, and how they were reached."""

    batches_per_epoch: int
    steps_per_epoch: int
    total_steps: int
    formula: str


def epoch_steps(schedule: Schedule) -> int | None:
    """Scheduler steps per epoch of a design stepped per batch: the optimizer steps per
    epoch its training setup implies, else the number the design gives; None when unknown
    or when the design steps once per epoch. Every epoch axis, label and snap reads this."""
    if schedule.interval != "step":
        return None
    if schedule.training is not None:
        return count_steps(schedule.training).steps_per_epoch
    return schedule.steps_per_epoch or None


def count_steps(setup: TrainingSetup) -> CountedSteps:
    """Batches per epoch, optimizer steps per epoch and total optimizer steps of `setup`."""
    per_device = setup.examples_per_device()
    if setup.drop_last:
        batches = per_device // setup.batch_size
    else:
        batches = -(-per_device // setup.batch_size)
    steps_per_epoch = max(-(-batches // setup.accumulation), 1)
    total = math.ceil(setup.epochs * steps_per_epoch)
    return CountedSteps(
        batches, steps_per_epoch, total, formula_text(setup, batches, steps_per_epoch, total)
    )


def formula_text(setup: TrainingSetup, batches: int, steps_per_epoch: int, total: int) -> str:
    """The counts' derivation, one line each, for a tooltip."""
    rounding = "floor (drop_last)" if setup.drop_last else "ceil"
    lines = []
    if setup.devices > 1:
        lines.append(
            f"examples per device = ceil({setup.examples} / {setup.devices} devices) = "
            f"{setup.examples_per_device()}"
        )
    lines.append(
        f"batches per epoch = {rounding}({setup.examples_per_device()} / batch {setup.batch_size}) = {batches}"
    )
    lines.append(
        f"optimizer steps per epoch = max(ceil({batches} / accumulation {setup.accumulation}), 1) = "
        f"{steps_per_epoch}"
    )
    lines.append(
        f"total optimizer steps = ceil({format_number(setup.epochs)} epochs × {steps_per_epoch}) = {total}"
    )
    return "\n".join(lines)


def format_number(value: float) -> str:
    """`3` for 3.0, `2.5` for 2.5: how a count reads in text and in files."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def setup_from_json(data: Any, where: str = "training") -> TrainingSetup:
    """A `TrainingSetup` from a file's `"training"` object; errors name `where.field`."""
    if not isinstance(data, dict):
        raise TrainingSetupError(f"{where}: must be an object, got {type(data).__name__}")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise TrainingSetupError(
            f"{where}.{unknown[0]}: unknown field (allowed: {', '.join(FIELDS)})"
        )
    for name in ("examples", "batch_size", "epochs"):
        if name not in data:
            raise TrainingSetupError(f"{where}.{name}: missing")
    try:
        return TrainingSetup(**data)
    except TrainingSetupError as error:
        raise TrainingSetupError(str(error).replace("training.", f"{where}.", 1)) from None


def setup_to_json(setup: TrainingSetup) -> dict[str, Any]:
    """The file's `"training"` object for `setup` (defaults left out)."""
    data: dict[str, Any] = {"examples": setup.examples, "batch_size": setup.batch_size}
    if setup.devices != 1:
        data["devices"] = setup.devices
    if setup.accumulation != 1:
        data["accumulation"] = setup.accumulation
    data["epochs"] = int(setup.epochs) if float(setup.epochs).is_integer() else float(setup.epochs)
    if setup.drop_last:
        data["drop_last"] = True
    return data
