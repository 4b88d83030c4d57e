"""The training setup's numbers in the exported Trainer and Lightning templates.

With a `training` block the templates name the setup the design was sized from, so the
framework counts the same optimizer steps: Trainer's `per_device_train_batch_size`,
`gradient_accumulation_steps`, `num_train_epochs` (and `dataloader_drop_last`), Lightning's
`accumulate_grad_batches` and `max_epochs` with the DataLoader's batch size. The templates
keep `max_steps=MAX_STEPS` as well, so the run is exactly the design's length even where a
design's fixed phases do not add up to what the setup implies.
"""

from __future__ import annotations

import math

from designer.core.schedule.model import Schedule
from designer.core.schedule.training import count_steps, format_number


def hf_setup_constants(schedule: Schedule) -> list[str]:
    """Module constants of the setup for the Trainer template (none without one)."""
    setup = schedule.training
    if setup is None:
        return []
    counted = count_steps(setup)
    return [
        (f"# The training setup the design is sized from ({setup.examples:,} examples on "
        f"{setup.devices} device{'s' if setup.devices != 1 else ''}): with it Trainer counts"),
        (f"# {counted.total_steps:,} optimizer steps from NUM_TRAIN_EPOCHS; max_steps wins "
        "if they differ."),
        f"BATCH_SIZE = {setup.batch_size}  # per device",
        f"GRADIENT_ACCUMULATION_STEPS = {setup.accumulation}",
        f"NUM_TRAIN_EPOCHS = {format_number(setup.epochs)}",
    ]


def hf_setup_arguments(schedule: Schedule) -> list[str]:
    """TrainingArguments keyword lines of the setup (none without one)."""
    setup = schedule.training
    if setup is None:
        return []
    lines = ["        per_device_train_batch_size=BATCH_SIZE,",
             "        gradient_accumulation_steps=GRADIENT_ACCUMULATION_STEPS,",
             "        num_train_epochs=NUM_TRAIN_EPOCHS,"]
    if setup.drop_last:
        lines.append("        dataloader_drop_last=True,")
    return lines


def lightning_setup_constants(schedule: Schedule) -> list[str]:
    """Module constants of the setup for the Lightning template (none without one)."""
    setup = schedule.training
    if setup is None:
        return []
    lines = [f"BATCH_SIZE = {setup.batch_size}  # the train DataLoader's, per device"
             + (", drop_last=True" if setup.drop_last else ""),
             f"ACCUMULATE_GRAD_BATCHES = {setup.accumulation}"]
    if schedule.interval == "step":
        lines.append(f"MAX_EPOCHS = {math.ceil(setup.epochs)}")
    if setup.devices != 1:
        lines.append(f"DEVICES = {setup.devices}")
    return lines


def lightning_trainer_arguments(schedule: Schedule, length: str) -> str:
    """The keyword arguments the Lightning template's docstring tells L.Trainer."""
    setup = schedule.training
    arguments = [f"{length.lower()}={length}"]
    if setup is not None:
        if schedule.interval == "step":
            arguments.append("max_epochs=MAX_EPOCHS")
        arguments.append("accumulate_grad_batches=ACCUMULATE_GRAD_BATCHES")
        if setup.devices != 1:
            arguments.append("devices=DEVICES")
    return ", ".join(arguments)
